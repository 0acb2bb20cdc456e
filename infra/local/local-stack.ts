import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { type SmtpRelay, startSmtpRelay } from '../../functions/smtp-relay';
import { localEventBus } from '../../shared/adapters/memory-event-publisher';
import { ENV } from '../../shared/config';
import type { RateLimit } from '../../shared/domain/rate-limit';
import { wire } from '../../shared/http/runtime';
import { allWiring } from '../../shared/http/wiring';
import { cognito } from '../../shared/http/wiring-cognito';
import { entryPoints } from '../entry-points';
import { DiskQueue } from './disk-queue';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { type LocalApi, type LocalApiOptions, startLocalApi } from './http-adapter';
import { keepIdleConnections } from './keep-alive';
import { lambdaContext } from './lambda-context';
import { LocalQueue, type SqsHandler } from './local-queue';
import { replaySesFeedback } from './ses-feedback-local';
import { indexPage, outboxPage, type SesOutbox, startSesOutbox, viewOf } from './ses-outbox';
import { type LocalSms, startLocalSms } from './sms-local';
import { localSmtpCertificate } from './smtp-local';
import { fileCheckpoints, memoryCheckpoints, type StreamHandler, StreamPoller } from './stream-poller';
import { replaySesInbound } from './unsubscribe-mail-local';

/**
 * The gateway on this machine: Amazon DynamoDB Local (the official emulator, on disk for
 * npm start, in memory for tests; see dynamodb-local.ts), a local
 * SES (aws-ses-v2-local, with its mail viewer), and the real handlers behind a local
 * HTTP API. The handlers reach the local servers through the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> variables, so they run exactly as they do in Lambda.
 */
const require = createRequire(import.meta.url);

// Every entry point in one process: every SDK client wired, before any handler is imported
// (tests and scripts call runtimeDependencies() directly).
wire(...allWiring, cognito);

export const TABLE_NAME = 'consent-gate';

/** Where `npm start` keeps the stream poller's checkpoint (the last sequence number published). */
export const STREAM_CHECKPOINT = 'event-stream.json';
/** The same, for the counters' poller (CountEvents reads the stream on its own, as in AWS). */
export const COUNTER_STREAM_CHECKPOINT = 'counter-stream.json';

/** Where `npm start` keeps DynamoDB Local's SQLite file (dynalite's LevelDB was in `dynamodb/`). */
export const DYNAMODB_DATA = 'dynamodb-local';

export interface LocalStackOptions {
  /** Folder for the key file and (if persist) the DynamoDB data. */
  readonly dir: string;
  /** Keep DynamoDB data on disk across restarts (npm start) or in memory (tests). */
  readonly persist?: boolean;
  readonly host?: string;
  readonly apiPort?: number;
  readonly sesPort?: number;
  readonly dynamodbPort?: number;
  /**
   * An engine already running (tests share one per run: its JVM takes seconds to start):
   * the stack creates its own uniquely named table there and deletes it on stop, and
   * leaves the engine running. Absent: the stack starts and stops its own engine.
   */
  readonly dynamodbEndpoint?: string;
  readonly smsPort?: number;
  /** Runs the deferred-SMS function every so many milliseconds, as the AWS schedule does; off when absent. */
  readonly deferredSmsEveryMs?: number;
  /** Runs the ReplanRetention function every so many milliseconds (R9), as the AWS schedule does; off when absent. */
  readonly retentionReplanEveryMs?: number;
  readonly extra?: LocalApiOptions['extra'];
  /** The HTTP API's route throttles (public pages, authenticated routes); off when absent. */
  readonly throttle?: LocalApiOptions['throttle'];
  /** The per-API-key limit (KEY_RATE_LIMIT, counted in the local table); off when absent. */
  readonly keyRateLimit?: RateLimit;
  /** R10 / RFC 2369: the inbound domain of mailto: unsubscribe addresses (UNSUBSCRIBE_MAIL_DOMAIN); off when absent. */
  readonly unsubscribeMailDomain?: string;
  /**
   * The console's user pool on a local stand-in of Cognito (cognito-local): its address, the
   * pool and app client ids, the ID tokens' issuer and JWKS address; off when absent (the
   * console signs in with keys only).
   */
  readonly consoleUserPool?: {
    readonly endpoint: string;
    readonly userPoolId: string;
    readonly clientId: string;
    readonly issuer: string;
    readonly jwksUri: string;
  };
  /**
   * The SMTP submission relay (functions/smtp-relay.ts) on these ports (0: a free one), with a
   * self-signed certificate made once in `dir`; off when absent.
   */
  readonly smtp?: {
    readonly port: number;
    readonly tlsPort: number;
    /** A failed AUTH's delay (tests shorten it); the relay's default when absent. */
    readonly authFailureDelayMs?: number;
  };
}

export interface LocalStack {
  readonly apiUrl: string;
  readonly sesUrl: string;
  readonly dynamodbUrl: string;
  /** The DynamoDB Local this stack started (absent when it uses a shared one): its JVM's pid and version. */
  readonly dynamodbEngine?: { readonly pid: number; readonly version: string | undefined };
  /** The local SMS service: outbox page at /, JSON at /messages, replies at POST /inbound. */
  readonly smsUrl: string;
  readonly sms: LocalSms;
  /** What the gateway handed to SES (the SDK's SES endpoint records, then passes on); page at /local/outbox. */
  readonly outbox: SesOutbox;
  readonly tableName: string;
  readonly api: LocalApi;
  /** The bulk queue's in-process stand-in, consumed by the real BulkSend handler. */
  readonly queue: LocalQueue;
  /** R7: the disk-backed objection queue (under `<dir>/objection-queue/`), consumed by ApplyObjections. */
  readonly objectionQueue: DiskQueue;
  /**
   * Events out: the poller of the table's stream feeding PublishEvents onto the local bus.
   * `caughtUp()` waits until what was written has been published; `stop()` and `start()`
   * are a consumer killed and restarted (it resumes after its checkpoint).
   */
  readonly eventStream: LocalEventStream;
  /** The SMTP relay, when started: its ports and its self-signed certificate (PEM, and the file). */
  readonly smtp?: {
    readonly port: number;
    readonly tlsPort: number;
    readonly cert: string;
    readonly certFile: string;
  };
  /** The console's counters: a second poller of the same stream feeding CountEvents. */
  readonly counterStream: LocalEventStream;
  stop(): Promise<void>;
}

export interface LocalEventStream {
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
  /** Starts a poller from the checkpoint, with the real handler or one given (fault injection). */
  start(handler?: StreamHandler): void;
  readonly poller: StreamPoller;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/**
 * The key ring file: created once, then kept, since the recipient hash key must never change
 * (R11). `credentials` stands in for the KMS key of SES credential secrets; a file written
 * before it existed gets one added.
 */
function loadOrCreateKeys(dir: string): string {
  const file = join(dir, 'keys.json');
  const fresh = () => ({ key: randomBytes(32).toString('base64url') });
  if (existsSync(file)) {
    const existing = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (existing.credentials !== undefined) return JSON.stringify(existing);
    const keys = JSON.stringify({ ...existing, credentials: fresh() });
    writeFileSync(file, keys, { mode: 0o600 });
    return keys;
  }
  const keys = JSON.stringify({
    hash: fresh(),
    tokens: { activeKeyId: 'k1', k1: randomBytes(32).toString('base64url') },
    credentials: fresh(),
  });
  writeFileSync(file, keys, { mode: 0o600 });
  return keys;
}

/** Same key schema as the CDK table (infra/gateway.ts). */
export async function createTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        // Events out are published from the stream (infra/local/stream-poller.ts), as in AWS;
        // the old image is a TTL deletion's event, tombstoned by the same consumer (R9).
        StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW_TYPE },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  } finally {
    client.destroy();
  }
}

/** The table stream's view, as in AWS (infra/gateway.ts). */
const STREAM_VIEW_TYPE = 'NEW_AND_OLD_IMAGES';

/** The table's stream; a table kept on disk from before streams gets one. */
export async function tableStreamArn(endpoint: string, tableName: string): Promise<string> {
  const client = new DynamoDBClient({ endpoint });
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const stream = Table?.StreamSpecification;
    if (stream?.StreamEnabled && stream.StreamViewType === STREAM_VIEW_TYPE && Table?.LatestStreamArn)
      return Table.LatestStreamArn;
    // A table kept on disk from before (no stream, or the new image only): a stream's view
    // type cannot change in place, so the old one is closed and a new one opened (a new ARN:
    // the checkpoints of the old one are dropped, its unread records are not published).
    if (stream?.StreamEnabled)
      await client.send(
        new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }),
      );
    const updated = await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW_TYPE },
      }),
    );
    const arn = updated.TableDescription?.LatestStreamArn;
    if (!arn) throw new Error(`DynamoDB Local gave table ${tableName} no stream`);
    return arn;
  } finally {
    client.destroy();
  }
}

/** Frees a shared engine's memory: a test run creates a table per gateway. */
export async function deleteTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint });
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    // Gone already is fine; anything else only leaks memory in an engine about to stop.
    if ((error as Error).name !== 'ResourceNotFoundException')
      console.error('local: delete table failed', error);
  } finally {
    client.destroy();
  }
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.dir, { recursive: true });
  const sesServer = (
    require('aws-ses-v2-local') as { default: (c: { host: string; port: number }) => Promise<Server> }
  ).default;

  let engine: DynamoDbLocal | undefined;
  let dynamodbUrl: string;
  let tableName = TABLE_NAME;
  if (options.dynamodbEndpoint) {
    dynamodbUrl = options.dynamodbEndpoint;
    tableName = `${TABLE_NAME}-${randomBytes(6).toString('hex')}`;
  } else {
    const dbPath = options.persist ? join(options.dir, DYNAMODB_DATA) : undefined;
    if (dbPath) mkdirSync(dbPath, { recursive: true });
    engine = await startDynamoDbLocal({ dbPath, port: options.dynamodbPort });
    dynamodbUrl = engine.url;
  }
  let ses: Server;
  try {
    ses = keepIdleConnections(await sesServer({ host, port: options.sesPort ?? 0 }));
  } catch (error) {
    // A taken SES port must not leave the engine running until this process ends.
    await engine?.stop();
    throw error;
  }
  const sesUrl = `http://${host}:${(ses.address() as AddressInfo).port}`;
  const outbox = await startSesOutbox({ host, sesUrl });
  const sms = await startLocalSms({
    host,
    port: options.smsPort ?? 0,
    deferredEveryMs: options.deferredSmsEveryMs,
  }).catch(async (error: unknown) => {
    await Promise.all([engine?.stop(), close(ses), outbox.close()]);
    throw error;
  });

  // The SDK's service-specific endpoint variables, plus a region and inert credentials:
  // the local servers accept any signature.
  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? 'eu-west-3',
    // The one region the SES-compatible endpoint accepts signatures for.
    [ENV.gatewayRegion]: process.env.AWS_REGION ?? 'eu-west-3',
    // A feedback destination must be an ARN of this account (the local stand-in's).
    [ENV.gatewayAccount]: process.env.GATEWAY_ACCOUNT ?? '000000000000',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
    AWS_ENDPOINT_URL_SESV2: outbox.url,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: sms.url,
    [ENV.tableName]: tableName,
    [ENV.keyRingJson]: loadOrCreateKeys(options.dir),
    // EventBridge's stand-in: events stay in this process, logged and served at /local/events.
    [ENV.localEvents]: 'memory',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    // Kept under the data folder even for tests' in-memory DynamoDB: a queued objection is on disk.
    [ENV.localObjectionQueueDir]: join(options.dir, 'objection-queue'),
    // R7: the queued objections every decision reads until they are applied (S3 in AWS).
    [ENV.localPendingObjectionsDir]: join(options.dir, 'pending-objections'),
    // No CloudWatch here: the EMF lines would only clutter the output (set it to false to see them).
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  });
  // Set or removed: the process may have run another stack before (tests).
  if (options.keyRateLimit === undefined) delete process.env[ENV.keyRateLimit];
  else process.env[ENV.keyRateLimit] = JSON.stringify(options.keyRateLimit);
  if (options.unsubscribeMailDomain === undefined) delete process.env[ENV.unsubscribeMailDomain];
  else process.env[ENV.unsubscribeMailDomain] = options.unsubscribeMailDomain;
  const pool = options.consoleUserPool;
  const poolEnv = {
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: pool?.endpoint,
    [ENV.consoleUserPoolId]: pool?.userPoolId,
    [ENV.consoleUserPoolClientId]: pool?.clientId,
    [ENV.consoleUserPoolIssuer]: pool?.issuer,
    [ENV.consoleUserPoolJwksUri]: pool?.jwksUri,
  };
  for (const [name, value] of Object.entries(poolEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await createTable(dynamodbUrl, tableName);
  const streamArn = await tableStreamArn(dynamodbUrl, tableName);
  const consumerOf = (type: 'tableStream' | 'counterStream') => async () => {
    const consumer = entryPoints.find((e) => e.trigger?.type === type);
    if (!consumer) throw new Error(`No entry point has the ${type} trigger`);
    return (
      (await import(new URL(`../../${consumer.entry}`, import.meta.url).href)) as { handler: StreamHandler }
    ).handler;
  };
  const localStream = (
    type: 'tableStream' | 'counterStream',
    checkpointFile: string,
    name: string,
  ): { poller: StreamPoller } & Omit<LocalEventStream, 'poller'> => {
    const checkpoints = options.persist
      ? fileCheckpoints(join(options.dir, checkpointFile), () => streamArn)
      : memoryCheckpoints();
    const poller = (handler?: StreamHandler) =>
      new StreamPoller({
        endpoint: dynamodbUrl,
        streamArn,
        checkpoints,
        handler: handler ? () => Promise.resolve(handler) : consumerOf(type),
        name,
        idleMs: Number(process.env.LOCAL_STREAM_POLL_MS ?? 200),
        log: (message, error) => console.error(message, error),
      });
    return {
      poller: poller(),
      caughtUp() {
        return this.poller.caughtUp();
      },
      stop() {
        return this.poller.stop();
      },
      start(handler?: StreamHandler) {
        if (this.poller.isRunning) throw new Error('The stream poller is running: stop it first');
        this.poller = poller(handler);
        this.poller.start();
      },
    };
  };
  const eventStream = localStream('tableStream', STREAM_CHECKPOINT, 'PublishEvents');
  const counterStream = localStream('counterStream', COUNTER_STREAM_CHECKPOINT, 'CountEvents');
  eventStream.poller.start();
  counterStream.poller.start();
  /** Our table only when the engine is shared; the engine itself when it is ours. */
  const stopStore = async () => {
    await Promise.all([eventStream.poller.close(), counterStream.poller.close()]);
    if (engine) return engine.stop();
    await deleteTable(dynamodbUrl, tableName);
  };

  const queue = new LocalQueue(async () => {
    const consumer = entryPoints.find((e) => e.trigger?.type === 'bulkQueue');
    if (!consumer) throw new Error('No entry point consumes the bulk queue');
    return (
      (await import(new URL(`../../${consumer.entry}`, import.meta.url).href)) as { handler: SqsHandler }
    ).handler;
  });
  const objectionQueue = new DiskQueue(join(options.dir, 'objection-queue'), async () => {
    const consumer = entryPoints.find((e) => e.trigger?.type === 'objectionQueue');
    if (!consumer) throw new Error('No entry point consumes the objection queue');
    return (
      (await import(new URL(`../../${consumer.entry}`, import.meta.url).href)) as { handler: SqsHandler }
    ).handler;
  });
  // R9: the scheduled retention re-plan, the real handler (off the request path).
  const runRetentionReplan = async () => {
    const { handler } = (await import(
      new URL('../../functions/replan-retention.ts', import.meta.url).href
    )) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    return handler({ source: 'local.timer' }, lambdaContext('ReplanRetention'));
  };
  const replanTimer =
    options.retentionReplanEveryMs && options.retentionReplanEveryMs > 0
      ? setInterval(() => {
          runRetentionReplan().catch((error) => console.error('local: retention re-plan failed', error));
        }, options.retentionReplanEveryMs).unref()
      : undefined;
  // The SMTP relay, started once the API listens (its links point there); the index page names it.
  let relay: SmtpRelay | undefined;
  let smtp: LocalStack['smtp'];
  const extra: LocalApiOptions['extra'] = async (req, res, url) => {
    if (url.pathname === '/local/run-retention-replan' && req.method === 'POST') {
      const result = await runRetentionReplan();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
      return true;
    }
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        indexPage({
          apiUrl: process.env[ENV.publicBaseUrl] ?? '',
          mailViewer: sesUrl,
          smsOutbox: sms.url,
          keysFile: join(options.dir, 'keys.json'),
          localFile: join(options.dir, 'local.json'),
          smtp: smtp && { host, port: smtp.port, tlsPort: smtp.tlsPort },
        }),
      );
      return true;
    }
    if (req.method === 'GET' && (url.pathname === '/local/outbox' || url.pathname === '/local/outbox.json')) {
      const views = await Promise.all(outbox.emails.map(viewOf));
      const asJson = url.pathname.endsWith('.json');
      res.writeHead(200, {
        'content-type': asJson ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
      });
      res.end(asJson ? JSON.stringify({ emails: views }) : outboxPage(views, { mailViewer: sesUrl }));
      return true;
    }
    if (url.pathname === '/local/objection-queue' && req.method === 'GET') {
      if (url.searchParams.has('wait')) await objectionQueue.drained();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          depth: objectionQueue.depth,
          batches: objectionQueue.batches,
          deadLetters: objectionQueue.deadLetters,
        }),
      );
      return true;
    }
    if (req.method === 'GET' && url.pathname === '/local/events') {
      // What was written before this request has left through the stream (a few hundred ms at most).
      await eventStream.caughtUp();
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      // ?detailType=… keeps one kind (e.g. `Sender Feedback`, a tenant's forwarded feedback).
      const detailType = url.searchParams.get('detailType');
      const events =
        detailType === null
          ? localEventBus.events
          : localEventBus.events.filter((e) => e.detailType === detailType);
      res.end(JSON.stringify({ events }));
      return true;
    }
    if (url.pathname === '/local/bulk-queue/messages' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let messages: unknown[];
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        messages = Array.isArray(parsed) ? parsed : [parsed];
      } catch {
        // Enqueued as is, like SQS would: the consumer reports it as invalid.
        messages = [Buffer.concat(chunks).toString('utf8')];
      }
      const messageIds = messages.map((m) =>
        queue.send(typeof m === 'string' ? m : JSON.stringify(m), req.headers.authorization),
      );
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ messageIds }));
      return true;
    }
    if (url.pathname === '/local/ses-feedback' && req.method === 'POST') {
      await replaySesFeedback(req, res);
      return true;
    }
    if (url.pathname === '/local/ses-inbound' && req.method === 'POST') {
      await replaySesInbound(req, res);
      return true;
    }
    if (url.pathname === '/local/bulk-queue' && req.method === 'GET') {
      if (url.searchParams.has('wait')) {
        await queue.drain();
        // The outcomes are published from the stream: wait until they are out too.
        await eventStream.caughtUp();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          depth: queue.depth,
          batches: queue.batches,
          deadLetters: queue.deadLetters.map((m) => ({
            messageId: m.messageId,
            receiveCount: m.receiveCount,
          })),
          events: localEventBus.events,
        }),
      );
      return true;
    }
    return options.extra ? options.extra(req, res, url) : false;
  };

  let api: LocalApi;
  try {
    api = await startLocalApi({ host, port: options.apiPort ?? 0, extra, throttle: options.throttle });
  } catch (error) {
    await Promise.all([stopStore(), close(ses), sms.close(), outbox.close()]);
    throw error;
  }
  // Links in messages point at the API actually listening.
  process.env[ENV.publicBaseUrl] = api.url;
  if (options.smtp) {
    try {
      const certificate = await localSmtpCertificate(options.dir);
      relay = await startSmtpRelay({
        host,
        port: options.smtp.port,
        tlsPort: options.smtp.tlsPort,
        key: certificate.key,
        cert: certificate.cert,
        name: 'localhost',
        authFailureDelayMs: options.smtp.authFailureDelayMs,
      });
      smtp = {
        port: relay.port,
        tlsPort: relay.tlsPort,
        cert: certificate.cert,
        certFile: certificate.certFile,
      };
    } catch (error) {
      await api.close();
      await Promise.all([stopStore(), close(ses), sms.close(), outbox.close()]);
      throw error;
    }
  }
  objectionQueue.start();

  return {
    apiUrl: api.url,
    sesUrl,
    dynamodbUrl,
    dynamodbEngine: engine && { pid: engine.pid, version: engine.version },
    smsUrl: sms.url,
    sms,
    outbox,
    tableName,
    api,
    queue,
    objectionQueue,
    eventStream,
    smtp,
    counterStream,
    stop: async () => {
      clearInterval(replanTimer);
      await relay?.close();
      await queue.drain();
      await objectionQueue.stop();
      await api.close();
      await Promise.all([close(ses), stopStore(), sms.close(), outbox.close()]);
    },
  };
}
