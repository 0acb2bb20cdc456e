import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createCounterHandler } from '../../functions/count-events';
import { entryPoints } from '../../infra/entry-points';
import { lambdaContext } from '../../infra/local/lambda-context';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { seedDemo } from '../../infra/local/seed';
import { DynamoDbIdempotencyStore } from '../../shared/adapters/dynamodb-idempotency-store';
import { createDynamoDbStores } from '../../shared/adapters/dynamodb-stores';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { localEventBus } from '../../shared/adapters/memory-event-publisher';
import { SesEmailSender } from '../../shared/adapters/ses-email-sender';
import { withTenantCache } from '../../shared/adapters/tenant-cache';
import { recipientKey } from '../../shared/domain/recipient-key';
import { requestHandler, runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { OutboundEmail } from '../../shared/ports/email-sender';
import type { RecipientItemWrite } from '../../shared/ports/gateway-store';
import type { PendingObjectionTarget } from '../../shared/ports/pending-objections';
import { newsletter } from '../../test/support/local-gateway';
import { NEWSLETTER_HTML } from '../../test/support/newsletter-fixture';
import {
  type CommandCount,
  createStoreRequestCounter,
  type StoreRequestCounter,
  type TracedRequest,
} from './store-request-counter';

/**
 * The bodies the gateway section sends: the generated 46 KB newsletter by default (the
 * 83-byte body hid the injection's cost), the small one as a second row.
 */
export const BENCH_BODIES = ['newsletter', 'small'] as const;
export type BenchBody = (typeof BENCH_BODIES)[number];

/** A `POST /v1/messages` request to `to` with the chosen HTML body. */
export function benchMessage(to: string, body: BenchBody = 'small', extra: Record<string, unknown> = {}) {
  const m = newsletter(to, extra);
  return body === 'newsletter' ? { ...m, html: NEWSLETTER_HTML } : m;
}

export function bodyBytes(body: BenchBody): number {
  return Buffer.byteLength(benchMessage('x', body).html);
}

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
  /** Installs the same-I/O pipeline served at `POST /bench/same-io` (see sameIoHandler). */
  serveSameIo(handler: SameIoHandler | undefined): void;
  stop(): Promise<void>;
}

/** The local-only route of the same-I/O pipeline, on the local API server beside the gateway's routes. */
export const SAME_IO_PATH = '/bench/same-io';

type SameIoHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export async function startBenchGateway(
  recipients: number,
  options: { readonly dynamodbEndpoint?: string } = {},
): Promise<BenchGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'consent-gate-bench-'));
  process.env.LOCAL_EVENTS_LOG = 'off';
  // INFO, the level infra/gateway.ts deploys: the handlers' log lines (one per message sent)
  // go to stdout before the report, as a Lambda writes them; their bytes are priced.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
  // The runtime's dependencies are built once per process from the environment (table name,
  // endpoints): a stack started before this one (another section) must not lend them its own.
  setDependencies(undefined);
  let sameIo: SameIoHandler | undefined;
  const stack = await startLocalStack({
    dir,
    persist: false,
    dynamodbEndpoint: options.dynamodbEndpoint,
    extra: async (req, res, url) => {
      if (url.pathname !== SAME_IO_PATH || req.method !== 'POST' || sameIo === undefined) return false;
      await sameIo(req, res);
      return true;
    },
  });
  const deps = runtimeDependencies();
  const { senderKey, adminKey } = await seedDemo(deps);
  const seedRecipients = (n: number) => seedConsentedRecipients(deps, n);
  return {
    stack,
    senderKey,
    adminKey,
    recipients: await seedRecipients(recipients),
    seedRecipients,
    serveSameIo: (handler) => {
      sameIo = handler;
    },
    stop: async () => {
      await stack.stop();
      // Built against this stack's table and engine, now gone: the next section builds its own.
      setDependencies(undefined);
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
  bodyKind: BenchBody = 'small',
  path = '/v1/messages',
): Promise<PathResult> {
  return drive(n, concurrency, async (i) => {
    const response = await fetch(`${gw.stack.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.senderKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(benchMessage(gw.recipients[(offset + i) % gw.recipients.length]!, bodyKind)),
    });
    const body = (await response.json()) as { decision?: string };
    return response.status === 202 && body.decision === 'sent';
  });
}

/** The same requests to the same-I/O pipeline (installed with serveSameIo): each must be 202 "sent". */
export function throughSameIo(
  gw: BenchGateway,
  n: number,
  concurrency: number,
  offset = 0,
  body: BenchBody = 'small',
): Promise<PathResult> {
  return throughGateway(gw, n, concurrency, offset, body, SAME_IO_PATH);
}

/** The same emails sent straight to the local SES with the SDK's SendEmail (SES v2). */
export async function directToSes(
  gw: BenchGateway,
  n: number,
  concurrency: number,
  body: BenchBody = 'small',
): Promise<PathResult> {
  const ses = new SESv2Client({ endpoint: gw.stack.sesUrl, maxAttempts: 1 });
  const m = benchMessage('x', body);
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

export type PathKey = 'http' | 'idempotent' | 'ses' | 'decisions' | 'bulk' | 'objection';

export interface StoreRequestsResult {
  readonly key: PathKey;
  readonly path: string;
  readonly messages: number;
  readonly counts: CommandCount[];
  /** Per message: pending-objection reads (an S3 GET each in AWS), emails handed to SES, events published. */
  readonly pendingReads: number;
  readonly emails: number;
  readonly events: number;
  /** Per message: bytes and lines the process wrote to stdout (the handlers' log lines) while the path ran. */
  readonly logBytes: number;
  readonly logLines: number;
  /** Per message, one at a time: this process's CPU (user + system), DynamoDB Local's, and the wall time. */
  readonly cpuMs: number;
  readonly engineCpuMs: number | undefined;
  readonly wallMs: number;
  /**
   * The console's counters (CountEvents, the stream's second consumer), on a client of its
   * own: its store requests while the path ran (the poller drained before and after), and the
   * stream records it was handed, per message.
   */
  readonly countEvents: { readonly counts: CommandCount[]; readonly records: number };
}

/** Counts what the process writes to stdout while `fn` runs (the handlers' loggers write there). */
async function countingStdout<T>(fn: () => Promise<T>): Promise<{ result: T; bytes: number; lines: number }> {
  const write = process.stdout.write;
  let bytes = 0;
  let lines = 0;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    bytes += Buffer.byteLength(text);
    lines += text.split('\n').length - 1;
    return (write as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    return { result: await fn(), bytes, lines };
  } finally {
    process.stdout.write = write;
  }
}

/**
 * Per path, one message at a time: store requests (counted on instrumented DynamoDB clients
 * put in place of the runtime's: the same adapters, the same table), pending-objection
 * reads, emails handed to SES, events published from the stream, log bytes, CPU and wall
 * time; for the four send paths the bench prices (HTTP, idempotent HTTP, SES endpoint,
 * bulk queue), a batched decision and a state change.
 */
export async function countStoreRequests(
  gw: BenchGateway,
  sample: number,
  body: BenchBody = 'small',
): Promise<StoreRequestsResult[]> {
  // CountEvents first, so that it keeps the runtime's own dependencies, on a client of its own.
  const countEvents = await observeCountEvents(gw);
  const observed = observeDependencies(gw);
  const post = async (path: string, payload: unknown, key = gw.senderKey) => {
    const response = await fetch(`${gw.stack.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as unknown;
  };
  const to = (i: number) => gw.recipients[i % gw.recipients.length]!;
  const results: StoreRequestsResult[] = [];
  const enginePid = gw.stack.dynamodbEngine?.pid;
  /** Runs one path's `messages` after the caller's warm-up; the stream drained before and after. */
  const measure = async (key: PathKey, path: string, messages: number, run: () => Promise<void>) => {
    await gw.stack.eventStream.caughtUp();
    await gw.stack.counterStream.caughtUp();
    observed.reset();
    countEvents.reset();
    const eventsBefore = localEventBus.events.length;
    const engineBefore = processCpuMs(enginePid);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const { bytes, lines } = await countingStdout(async () => {
      await run();
      await gw.stack.eventStream.caughtUp();
      await gw.stack.counterStream.caughtUp();
    });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const engineAfter = processCpuMs(enginePid);
    results.push({
      key,
      path,
      messages,
      counts: observed.counter.snapshot(),
      pendingReads: observed.pendingReads() / messages,
      emails: observed.emails() / messages,
      events: (localEventBus.events.length - eventsBefore) / messages,
      logBytes: bytes / messages,
      logLines: lines / messages,
      cpuMs: (cpu.user + cpu.system) / 1000 / messages,
      engineCpuMs:
        engineBefore === undefined || engineAfter === undefined
          ? undefined
          : (engineAfter - engineBefore) / messages,
      wallMs: wallMs / messages,
      countEvents: { counts: countEvents.counter.snapshot(), records: countEvents.records() / messages },
    });
  };
  const sesCredentials = (await post('/v1/credentials', { label: 'bench' }, gw.adminKey)) as {
    accessKeyId: string;
    secretAccessKey: string;
  };
  const ses = new SESv2Client({
    endpoint: gw.stack.apiUrl,
    region: process.env.AWS_REGION ?? 'eu-west-3',
    credentials: sesCredentials,
    maxAttempts: 1,
  });
  const sesSend = async (address: string) => {
    const m = benchMessage(address, body);
    const out = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: m.from,
        Destination: { ToAddresses: [address] },
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        Content: {
          Simple: { Subject: { Data: m.subject }, Body: { Html: { Data: m.html }, Text: { Data: m.text } } },
        },
      }),
    );
    if (out.MessageId === undefined) throw new Error('SES endpoint: no MessageId');
  };
  try {
    await post('/v1/messages', benchMessage(to(0), body)); // warm-up: handler modules loaded
    await measure('http', 'POST /v1/messages (one send)', sample, async () => {
      for (let i = 0; i < sample; i++) await post('/v1/messages', benchMessage(to(i + 1), body));
    });
    await measure('idempotent', 'POST /v1/messages with an idempotencyKey', sample, async () => {
      for (let i = 0; i < sample; i++) {
        await post(
          '/v1/messages',
          benchMessage(to(i + 1), body, { idempotencyKey: `bench-${i}-${Date.now()}` }),
        );
      }
    });
    await sesSend(to(0));
    await measure('ses', 'SES endpoint: SES v2 `SendEmail` (AWS SDK) to the gateway', sample, async () => {
      for (let i = 0; i < sample; i++) await sesSend(to(i + 1));
    });

    const list = Array.from({ length: 100 }, (_, i) => to(i));
    await post('/v1/decisions', {
      channel: 'email',
      purpose: 'newsletter',
      from: 'news@shop.example',
      to: to(0),
    });
    await measure('decisions', 'POST /v1/decisions, 100 recipients', list.length, async () => {
      await post('/v1/decisions', {
        channel: 'email',
        purpose: 'newsletter',
        from: 'news@shop.example',
        recipients: list,
      });
    });

    const bulk = Math.max(10, Math.round(sample / 10) * 10);
    gw.stack.queue.send(JSON.stringify(benchMessage(to(0), body)), `Bearer ${gw.senderKey}`);
    await gw.stack.queue.drain();
    // The warm-up's outcome leaves through the stream: out before the count starts.
    await gw.stack.eventStream.caughtUp();
    const eventsBefore = localEventBus.events.length;
    await measure('bulk', 'bulk queue (batches of 10)', bulk, async () => {
      for (let i = 0; i < bulk; i++) {
        gw.stack.queue.send(JSON.stringify(benchMessage(to(i + 1), body)), `Bearer ${gw.senderKey}`);
      }
      await gw.stack.queue.drain();
    });
    const sent = localEventBus.events
      .slice(eventsBefore)
      .filter(
        (e) => e.detailType === 'Message Outcome' && (e.detail as { decision?: string }).decision === 'sent',
      );
    if (sent.length !== bulk) throw new Error(`bulk queue: ${sent.length} of ${bulk} messages sent`);

    // R15: a state change and its audit event in one TransactWriteItems (2 WRU per item).
    await measure('objection', 'POST /v1/objections (a state change, not a send)', sample, async () => {
      for (let i = 0; i < sample; i++) {
        await post(
          '/v1/objections',
          { channel: 'email', address: to(i + 1), scope: { type: 'purpose', purpose: 'pro-software' } },
          gw.adminKey,
        );
      }
    });
  } finally {
    ses.destroy();
    observed.restore();
    await countEvents.restore();
  }
  return results;
}

/** What one real send asked of the outside world, in order: what the same-I/O pipeline replays. */
export interface SendIo {
  /** The DynamoDB requests, marshalled, in the order they were sent. */
  readonly store: readonly TracedRequest[];
  /** The pending-objection reads (R7), each with the number of store requests sent before it. */
  readonly pendingReads: readonly { readonly at: number; readonly target: PendingObjectionTarget }[];
  /** The emails handed to SES, each with the number of store requests sent before it. */
  readonly emails: readonly { readonly at: number; readonly email: OutboundEmail }[];
}

/**
 * The runtime's dependencies with every DynamoDB request counted (and traced), the
 * pending-objection reads and the emails handed to SES recorded: the same adapters on
 * the same table, only observed. `restore()` puts the runtime's own back.
 */
export function observeDependencies(gw: BenchGateway) {
  const real = runtimeDependencies();
  const counter = createStoreRequestCounter();
  const client = new DynamoDBClient({ requestHandler, maxAttempts: 3 });
  counter.attachTo(client);
  let pendingReads: { at: number; target: PendingObjectionTarget }[] = [];
  let emails: { at: number; email: OutboundEmail }[] = [];
  setDependencies({
    ...real,
    // Wrapped as shared/http/runtime.ts wraps it: API keys and tenants kept 5 s per instance.
    ...withTenantCache(createDynamoDbStores(createDocumentClient(client), gw.stack.tableName)),
    idempotency: new DynamoDbIdempotencyStore(createDocumentClient(client), gw.stack.tableName),
    pendingObjections: {
      ...real.pendingObjections,
      add: (target, objection) => real.pendingObjections.add(target, objection),
      remove: (target, id) => real.pendingObjections.remove(target, id),
      list: (target) => {
        pendingReads.push({ at: counter.trace().length, target });
        return real.pendingObjections.list(target);
      },
    },
    email: {
      send: (email) => {
        emails.push({ at: counter.trace().length, email });
        return real.email.send(email);
      },
      sendRaw: (email) => {
        emails.push({ at: counter.trace().length, email: { ...email, headers: [], subject: '' } as never });
        return real.email.sendRaw(email);
      },
    },
  });
  return {
    counter,
    reset() {
      counter.reset();
      pendingReads = [];
      emails = [];
    },
    pendingReads: () => pendingReads.length,
    emails: () => emails.length,
    /** What happened since the last reset. */
    io(): SendIo {
      return { store: counter.trace(), pendingReads: [...pendingReads], emails: [...emails] };
    },
    restore() {
      setDependencies(real);
      client.destroy();
    },
  };
}

/**
 * The local counters' poller restarted with the real CountEvents handler on dependencies of
 * its own (the same adapters and table, a counted client), and the stream records it is
 * handed counted: the console's cost apart from the send path's. `restore()` restarts it
 * on the runtime's dependencies.
 */
async function observeCountEvents(gw: BenchGateway) {
  const counter = createStoreRequestCounter();
  const client = new DynamoDBClient({ requestHandler, maxAttempts: 3 });
  counter.attachTo(client);
  const deps = {
    ...runtimeDependencies(),
    ...createDynamoDbStores(createDocumentClient(client), gw.stack.tableName),
  };
  const handler = createCounterHandler(() => deps);
  let records = 0;
  await gw.stack.counterStream.stop();
  gw.stack.counterStream.start((event, context) => {
    records += event.Records.length;
    return handler(event, context);
  });
  return {
    counter,
    records: () => records,
    reset() {
      counter.reset();
      records = 0;
    },
    async restore() {
      await gw.stack.counterStream.stop();
      gw.stack.counterStream.start();
      client.destroy();
    },
  };
}

/**
 * Records `sample` real sends through `POST /v1/messages` (after one warm-up), one trace
 * each: the template of the same-I/O pipeline, so that it follows the code when the
 * send path's requests change.
 */
export async function recordSendIo(
  gw: BenchGateway,
  sample: number,
  body: BenchBody,
): Promise<{ sends: SendIo[]; counts: CommandCount[] }> {
  const observed = observeDependencies(gw);
  const sends: SendIo[] = [];
  const counted = createStoreRequestCounter();
  try {
    const post = async (to: string) => {
      const response = await fetch(`${gw.stack.apiUrl}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.senderKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(benchMessage(to, body)),
      });
      const text = await response.text();
      if (response.status !== 202) throw new Error(`/v1/messages answered ${response.status}: ${text}`);
    };
    await post(gw.recipients[0]!);
    for (let i = 0; i < sample; i++) {
      observed.reset();
      await post(gw.recipients[(i + 1) % gw.recipients.length]!);
      sends.push(observed.io());
      counted.add(observed.counter.snapshot());
    }
  } finally {
    observed.restore();
  }
  return { sends, counts: counted.snapshot() };
}

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

/**
 * A write's input moved to fresh partitions of the same key length (so items of the same
 * size), one fresh key per original partition key within a message: the writes land, their
 * conditions (attribute_not_exists on a chain's next seq) pass, and no recipient changes.
 */
// biome-ignore lint/suspicious/noExplicitAny: walks any marshalled DynamoDB input.
function movedToFreshKeys(input: any, fresh: Map<string, string>): any {
  if (Array.isArray(input)) return input.map((v) => movedToFreshKeys(v, fresh));
  if (input === null || typeof input !== 'object' || input instanceof Uint8Array) return input;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    if (
      name === 'pk' &&
      value !== null &&
      typeof value === 'object' &&
      typeof (value as { S?: unknown }).S === 'string'
    ) {
      const pk = (value as { S: string }).S;
      let moved = fresh.get(pk);
      if (moved === undefined) {
        const tail = Math.min(12, pk.length);
        moved = pk.slice(0, pk.length - tail) + randomBytes(tail).toString('base64url').slice(0, tail);
        fresh.set(pk, moved);
      }
      out[name] = { S: moved };
    } else out[name] = movedToFreshKeys(value, fresh);
  }
  return out;
}

type AnyCommand = Parameters<DynamoDBClient['send']>[0];

async function replayStoreRequest(
  client: DynamoDBClient,
  request: TracedRequest,
  fresh: Map<string, string>,
) {
  const Command = (dynamodb as unknown as Record<string, new (input: unknown) => AnyCommand>)[
    request.command
  ];
  if (Command === undefined)
    throw new Error(`same-I/O pipeline: unknown DynamoDB command ${request.command}`);
  // Reads as recorded (the same items, the same sizes); writes to fresh keys.
  const input = WRITE_COMMANDS.has(request.command) ? movedToFreshKeys(request.input, fresh) : request.input;
  await client.send(new Command(input));
}

/**
 * The same-I/O minimal pipeline: for each request, one recorded send's I/O replayed in
 * its order — the same DynamoDB requests on the same table (reads of the same items,
 * writes of items of the same size to fresh keys), the same pending-objection reads, the
 * same email handed to SES (to the request's recipient) — and none of the gateway's
 * logic: no authentication, no decision, no injection, no validation beyond JSON.parse.
 * Its DynamoDB client is built as the runtime's (shared/http/runtime.ts) and may be
 * counted (`counter`), to check that it asks what a real send asks.
 */
export function sameIoHandler(template: readonly SendIo[], options: { counter?: StoreRequestCounter } = {}) {
  if (template.length === 0) throw new Error('same-I/O pipeline: no recorded send');
  // As the runtime's clients are built (shared/http/wiring.ts): cacheMiddleware on the raw
  // DynamoDB client of a send's calls and on SES's, so that the ratio does not credit the
  // gateway with a client setting. The counter's middleware goes on before the first call.
  const client = new DynamoDBClient({ requestHandler, maxAttempts: 3, cacheMiddleware: true });
  options.counter?.attachTo(client);
  const ses = new SesEmailSender(new SESv2Client({ requestHandler, maxAttempts: 2, cacheMiddleware: true }));
  let next = 0;
  const handler: SameIoHandler = async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string };
    const send = template[next++ % template.length]!;
    const pending = runtimeDependencies().pendingObjections;
    const fresh = new Map<string, string>();
    let messageId = '';
    const outside = async (at: number) => {
      for (const p of send.pendingReads) if (p.at === at) await pending.list(p.target);
      for (const e of send.emails)
        if (e.at === at) messageId = await ses.send({ ...e.email, to: request.to });
    };
    for (let i = 0; i < send.store.length; i++) {
      await outside(i);
      await replayStoreRequest(client, send.store[i]!, fresh);
    }
    await outside(send.store.length);
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ decision: 'sent', messageId }));
  };
  return { handler, close: () => client.destroy() };
}

/** CPU time (user + system, ms) of another process on this machine, from /proc; undefined elsewhere. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Clock ticks: 100 per second on Linux (USER_HZ).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

export const INTERLEAVED_PATHS = ['gateway', 'same-io', 'direct'] as const;
export type InterleavedPath = (typeof INTERLEAVED_PATHS)[number];

/** Median and the lowest and highest round. */
export interface Spread {
  readonly median: number;
  readonly low: number;
  readonly high: number;
}

export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, low: sorted[0]!, high: sorted.at(-1)! };
}

export interface InterleavedResult {
  readonly path: InterleavedPath;
  readonly rounds: number;
  readonly messagesPerRound: number;
  readonly perSecond: Spread;
  /** This process's CPU (user + system) per message: load generator, handlers, local SES. */
  readonly cpuMs: Spread;
  /** DynamoDB Local's CPU per message (its JVM, from /proc); undefined off Linux. */
  readonly engineCpuMs: Spread | undefined;
  readonly failures: number;
  /** Every latency of every round, for the secondary p50/p99. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * The gateway, the same-I/O pipeline and the direct SES call in turn in every round (the
 * first path rotating from round to round), the same messages per round each, so that
 * whatever else the machine does falls on all three; per path the median and the
 * spread (lowest–highest round) of throughput and of CPU per message.
 */
export async function interleavedRounds(
  gw: BenchGateway,
  options: { rounds: number; messagesPerRound: number; concurrency: number; body: BenchBody },
): Promise<InterleavedResult[]> {
  const per = new Map<
    InterleavedPath,
    {
      rate: number[];
      cpu: number[];
      engine: (number | undefined)[];
      failures: number;
      p50: number[];
      p99: number[];
    }
  >();
  for (const path of INTERLEAVED_PATHS)
    per.set(path, { rate: [], cpu: [], engine: [], failures: 0, p50: [], p99: [] });
  const n = options.messagesPerRound;
  const enginePid = gw.stack.dynamodbEngine?.pid;
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < INTERLEAVED_PATHS.length; k++) {
      const path = INTERLEAVED_PATHS[(round + k) % INTERLEAVED_PATHS.length]!;
      const offset = round * n;
      const engineBefore = processCpuMs(enginePid);
      const cpuBefore = process.cpuUsage();
      const result =
        path === 'gateway'
          ? await throughGateway(gw, n, options.concurrency, offset, options.body)
          : path === 'same-io'
            ? await throughSameIo(gw, n, options.concurrency, offset, options.body)
            : await directToSes(gw, n, options.concurrency, options.body);
      const cpu = process.cpuUsage(cpuBefore);
      const engineAfter = processCpuMs(enginePid);
      const r = per.get(path)!;
      r.rate.push(result.perSecond);
      r.cpu.push((cpu.user + cpu.system) / 1000 / n);
      r.engine.push(
        engineBefore === undefined || engineAfter === undefined
          ? undefined
          : (engineAfter - engineBefore) / n,
      );
      r.failures += result.failures;
      r.p50.push(result.p50Ms);
      r.p99.push(result.p99Ms);
    }
  }
  return INTERLEAVED_PATHS.map((path) => {
    const r = per.get(path)!;
    const engine = r.engine.every((e) => e !== undefined) ? spreadOf(r.engine as number[]) : undefined;
    return {
      path,
      rounds: options.rounds,
      messagesPerRound: n,
      perSecond: spreadOf(r.rate),
      cpuMs: spreadOf(r.cpu),
      engineCpuMs: engine,
      failures: r.failures,
      p50Ms: spreadOf(r.p50).median,
      p99Ms: spreadOf(r.p99).median,
    };
  });
}
