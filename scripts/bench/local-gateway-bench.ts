import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { entryPoints } from '../../infra/entry-points';
import { lambdaContext } from '../../infra/local/lambda-context';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { seedDemo } from '../../infra/local/seed';
import { DynamoDbIdempotencyStore } from '../../shared/adapters/dynamodb-idempotency-store';
import { createDynamoDbStores } from '../../shared/adapters/dynamodb-stores';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { localEventBus } from '../../shared/adapters/memory-event-publisher';
import { withTenantCache } from '../../shared/adapters/tenant-cache';
import { recipientKey } from '../../shared/domain/recipient-key';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { RecipientItemWrite } from '../../shared/ports/gateway-store';
import { newsletter } from '../../test/support/local-gateway';
import { type CommandCount, createStoreRequestCounter } from './store-request-counter';

/**
 * The local stack of `npm start` (DynamoDB Local in memory, aws-ses-v2-local, the real
 * handlers behind the local HTTP adapter), in this process, on free ports of 127.0.0.1,
 * in a temporary folder; the demo tenant; recipients holding a provable newsletter consent.
 */
export interface BenchGateway {
  readonly stack: LocalStack;
  readonly senderKey: string;
  readonly adminKey: string;
  /** Addresses of recipients with a valid newsletter consent (R1, R3). */
  readonly recipients: readonly string[];
  /** Seeds `n` more such recipients (reader-0… again: the same addresses, idempotent writes). */
  seedRecipients(n: number): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startBenchGateway(
  recipients: number,
  options: { readonly dynamodbEndpoint?: string } = {},
): Promise<BenchGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'consent-gate-bench-'));
  process.env.LOCAL_EVENTS_LOG = 'off';
  // The handlers keep the logger built at import (INFO, the level infra/gateway.ts deploys):
  // one line per message sent goes to stdout before the report, as a Lambda writes it.
  const stack = await startLocalStack({ dir, persist: false, dynamodbEndpoint: options.dynamodbEndpoint });
  const deps = runtimeDependencies();
  const { senderKey, adminKey } = await seedDemo(deps);
  const seedRecipients = (n: number) => seedConsentedRecipients(deps, n);
  return {
    stack,
    senderKey,
    adminKey,
    recipients: await seedRecipients(recipients),
    seedRecipients,
    stop: async () => {
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function seedConsentedRecipients(
  deps: ReturnType<typeof runtimeDependencies>,
  recipients: number,
): Promise<string[]> {
  const { hashKey } = await deps.keys.load();
  const addresses = Array.from({ length: recipients }, (_, i) => `reader-${i}@example.org`);
  const givenAt = new Date(Date.now() - 86_400_000).toISOString();
  // Written the way the legacy import writes them (batched), then read by the real send path.
  for (let i = 0; i < addresses.length; i += 500) {
    const items: RecipientItemWrite[] = addresses.slice(i, i + 500).map((address, j) => ({
      kind: 'consent',
      recipientKey: recipientKey(hashKey, 'demo', 'email', address),
      purpose: 'newsletter',
      grant: {
        id: `bench-${i + j}`,
        recordedAt: givenAt,
        givenAt,
        method: 'web_form',
        wordingVersion: 'newsletter-v1',
        source: 'https://shop.example/signup',
        controllers: ['Demo Shop'],
        ip: '203.0.113.7',
        userAgent: 'consent-gate bench',
        explicit: false,
        preTicked: false,
      },
    }));
    await deps.store.putRecipientItems('demo', items);
  }
  return addresses;
}

export interface PathResult {
  readonly messages: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failures: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Runs `send(i)` for i in [0, n) with `concurrency` in flight; latency of each, throughput of all. */
async function drive(
  n: number,
  concurrency: number,
  send: (i: number) => Promise<boolean>,
): Promise<PathResult> {
  const latencies: number[] = new Array(n);
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        const ok = await send(i).catch(() => false);
        latencies[i] = performance.now() - t;
        if (!ok) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    messages: n,
    concurrency,
    seconds,
    perSecond: n / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    failures,
  };
}

/** POST /v1/messages through the local API: each must be 202 "sent". */
export function throughGateway(
  gw: BenchGateway,
  n: number,
  concurrency: number,
  offset = 0,
): Promise<PathResult> {
  return drive(n, concurrency, async (i) => {
    const response = await fetch(`${gw.stack.apiUrl}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.senderKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(newsletter(gw.recipients[(offset + i) % gw.recipients.length]!)),
    });
    const body = (await response.json()) as { decision?: string };
    return response.status === 202 && body.decision === 'sent';
  });
}

/** The same emails sent straight to the local SES with the SDK's SendEmail (SES v2). */
export async function directToSes(gw: BenchGateway, n: number, concurrency: number): Promise<PathResult> {
  const ses = new SESv2Client({ endpoint: gw.stack.sesUrl, maxAttempts: 1 });
  const m = newsletter('x');
  try {
    return await drive(n, concurrency, async (i) => {
      const out = await ses.send(
        new SendEmailCommand({
          FromEmailAddress: m.from,
          Destination: { ToAddresses: [gw.recipients[i % gw.recipients.length]!] },
          Content: {
            Simple: {
              Subject: { Data: m.subject },
              Body: { Html: { Data: m.html }, Text: { Data: m.text } },
            },
          },
        }),
      );
      return out.MessageId !== undefined;
    });
  } finally {
    ses.destroy();
  }
}

/**
 * The SendMessage handler's own duration, invoked directly one at a time (as a Lambda
 * instance runs one request at a time), on events shaped as API Gateway sends them. The
 * store and SES are the local ones in this process: their service time is in the figure.
 */
export async function sendHandlerDurations(gw: BenchGateway, n: number, offset: number): Promise<number[]> {
  const entry = entryPoints.find((e) => e.id === 'SendMessage')!;
  const { handler } = (await import(new URL(`../../${entry.entry}`, import.meta.url).href)) as {
    handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
  };
  const durations: number[] = [];
  for (let i = 0; i < n; i++) {
    const event = {
      version: '2.0',
      routeKey: 'POST /v1/messages',
      rawPath: '/v1/messages',
      rawQueryString: '',
      headers: { authorization: `Bearer ${gw.senderKey}`, 'content-type': 'application/json' },
      requestContext: {
        http: {
          method: 'POST',
          path: '/v1/messages',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'bench',
        },
        routeKey: 'POST /v1/messages',
        stage: '$default',
        requestId: `bench-${i}`,
        timeEpoch: Date.now(),
      },
      body: JSON.stringify(newsletter(gw.recipients[(offset + i) % gw.recipients.length]!)),
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    const t = performance.now();
    const result = await handler(event, lambdaContext(entry.id));
    durations.push(performance.now() - t);
    if (result.statusCode !== 202)
      throw new Error(`SendMessage answered ${result.statusCode}: ${result.body}`);
  }
  return durations;
}

export interface StoreRequestsResult {
  readonly path: string;
  readonly messages: number;
  readonly counts: CommandCount[];
}

/**
 * Store requests per message on the three send paths, counted on instrumented DynamoDB
 * clients put in place of the runtime's (the same adapters, the same table).
 */
export async function countStoreRequests(gw: BenchGateway, sample: number): Promise<StoreRequestsResult[]> {
  const real = runtimeDependencies();
  const counter = createStoreRequestCounter();
  const client = new DynamoDBClient({
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
    maxAttempts: 3,
  });
  counter.attachTo(client);
  setDependencies({
    ...real,
    // Wrapped as shared/http/runtime.ts wraps it: API keys and tenants kept 5 s per instance.
    ...withTenantCache(createDynamoDbStores(createDocumentClient(client), gw.stack.tableName)),
    idempotency: new DynamoDbIdempotencyStore(createDocumentClient(client), gw.stack.tableName),
  });
  const post = async (path: string, body: unknown, key = gw.senderKey) => {
    const response = await fetch(`${gw.stack.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as unknown;
  };
  const to = (i: number) => gw.recipients[i % gw.recipients.length]!;
  const results: StoreRequestsResult[] = [];
  try {
    await post('/v1/messages', newsletter(to(0))); // warm-up: handler modules loaded
    counter.reset();
    for (let i = 0; i < sample; i++) await post('/v1/messages', newsletter(to(i + 1)));
    results.push({ path: 'POST /v1/messages (one send)', messages: sample, counts: counter.snapshot() });

    counter.reset();
    for (let i = 0; i < sample; i++) {
      await post('/v1/messages', newsletter(to(i + 1), { idempotencyKey: `bench-${i}-${Date.now()}` }));
    }
    results.push({
      path: 'POST /v1/messages with an idempotencyKey',
      messages: sample,
      counts: counter.snapshot(),
    });

    const list = Array.from({ length: 100 }, (_, i) => to(i));
    await post('/v1/decisions', {
      channel: 'email',
      purpose: 'newsletter',
      from: 'news@shop.example',
      to: to(0),
    });
    counter.reset();
    await post('/v1/decisions', {
      channel: 'email',
      purpose: 'newsletter',
      from: 'news@shop.example',
      recipients: list,
    });
    results.push({
      path: 'POST /v1/decisions, 100 recipients',
      messages: list.length,
      counts: counter.snapshot(),
    });

    const bulk = Math.max(10, Math.round(sample / 10) * 10);
    gw.stack.queue.send(JSON.stringify(newsletter(to(0))), `Bearer ${gw.senderKey}`);
    await gw.stack.queue.drain();
    // The warm-up's outcome leaves through the stream: out before the count starts.
    await gw.stack.eventStream.caughtUp();
    counter.reset();
    const eventsBefore = localEventBus.events.length;
    for (let i = 0; i < bulk; i++) {
      gw.stack.queue.send(JSON.stringify(newsletter(to(i + 1))), `Bearer ${gw.senderKey}`);
    }
    await gw.stack.queue.drain();
    results.push({ path: 'bulk queue (batches of 10)', messages: bulk, counts: counter.snapshot() });
    // Outcomes leave through the table's stream: wait until the poller has published them.
    await gw.stack.eventStream.caughtUp();
    const sent = localEventBus.events
      .slice(eventsBefore)
      .filter(
        (e) => e.detailType === 'Message Outcome' && (e.detail as { decision?: string }).decision === 'sent',
      );
    if (sent.length !== bulk) throw new Error(`bulk queue: ${sent.length} of ${bulk} messages sent`);

    // R15: a state change and its audit event in one TransactWriteItems (2 WRU per item).
    counter.reset();
    for (let i = 0; i < sample; i++) {
      await post(
        '/v1/objections',
        { channel: 'email', address: to(i + 1), scope: { type: 'purpose', purpose: 'pro-software' } },
        gw.adminKey,
      );
    }
    results.push({
      path: 'POST /v1/objections (a state change, not a send)',
      messages: sample,
      counts: counter.snapshot(),
    });
  } finally {
    setDependencies(real);
    client.destroy();
  }
  return results;
}
