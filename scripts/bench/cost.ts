/**
 * Cost per million messages on each of the gateway's send paths on AWS, from what the
 * bench measured, against SES's own price for the same million emails.
 *
 * List prices, region eu-west-1 (Ireland), on-demand, no free tier, first pricing tier,
 * as published in 2025 and written here from the public pricing pages; this machine has no
 * internet access, so they were not re-read on the day of the run: check them before
 * quoting. DynamoDB's are the pre-November-2024 Ireland prices ($1.4135 per million WRU,
 * $0.283 per million RRU) with the 50 % on-demand reduction of 1 November 2024 applied.
 */
export const PRICES = {
  region: 'eu-west-1 (Ireland)',
  asOf: '2025 list prices (not re-checked online on the day of the run)',
  /** Lambda, arm64, per GB-second (first 7.5 billion GB-s a month). */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** API Gateway HTTP API, per million requests (first 300 million a month; us-east-1 is $1.00). */
  httpApiPerMillionRequests: 1.11,
  dynamodbPerMillionWriteUnits: 0.70675,
  dynamodbPerMillionReadUnits: 0.1415,
  /** S3 Standard GET, $0.0004 per 1,000 (the same in us-east-1): the pending objections' read (R7). */
  s3PerMillionGets: 0.4,

  /** SES outbound email, $0.10 per 1,000. */
  sesPerMillionEmails: 100,
  /** SQS standard queue, per million requests (after the first million a month); each 64 KB chunk of a payload is one request. */
  sqsPerMillionRequests: 0.4,
  /** CloudWatch Logs, standard class, ingestion per GB (us-east-1 is $0.50). */
  cloudWatchLogsPerGbIngested: 0.57,
  /** EventBridge custom events (PutEvents), per million; each 64 KB chunk of an entry is one event. */
  eventBridgePerMillionEvents: 1,
} as const;

/**
 * The Lambda duration model: on AWS a function's billed duration is its own CPU time plus
 * the time it waits for each call, one after the other. Assumed latencies per call from
 * inside the region (not measured here: the bench has no network to AWS), named so that a
 * reader can change them.
 */
export const AWS_LATENCY_MS = {
  /** DynamoDB GetItem/Query/PutItem/BatchGetItem, in-region: "single-digit milliseconds" (AWS), assumed 5. */
  dynamodbRequest: 5,
  /** A TransactWriteItems takes two phases: assumed twice a single write. */
  dynamodbTransaction: 10,
  /** SES v2 SendEmail: assumed 30 ms. */
  sesSendEmail: 30,
  /** S3 GET of a small object (a 404 normally), in-region: assumed 15 ms. */
  s3Get: 15,
  /** EventBridge PutEvents of up to 10 entries (PublishEvents): assumed 20 ms. */
  eventBridgePutEvents: 20,
} as const;

/** infra/gateway.ts: `memorySize: props.memorySize ?? 512`, arm64, what infra/app.ts deploys. */
export const LAMBDA_MEMORY_MB = 512;

/**
 * Lambda's own log lines per invocation: START (about 70 bytes), END (about 50) and REPORT
 * (about 180 without X-Ray) in the text format: assumed 300 bytes, 3 lines.
 */
export const LAMBDA_PLATFORM_LOG = { bytes: 300, lines: 3 } as const;

/** CloudWatch Logs counts 26 bytes of metadata with every log event it ingests. */
export const LOG_EVENT_OVERHEAD_BYTES = 26;

/** infra/gateway.ts: the table stream's batch size for PublishEvents (full batches under load). */
export const STREAM_BATCH_SIZE = 100;
/** PutEvents takes at most 10 entries (shared/adapters/eventbridge-publisher.ts). */
export const PUT_EVENTS_ENTRIES = 10;
/** infra/gateway.ts: the bulk queue's batch size for BulkSend. */
export const BULK_BATCH_SIZE = 10;

const KIB_64 = 64 * 1024;
const KIB_512 = 512 * 1024;

export interface PathCostInput {
  /** What the path is, for the report. */
  readonly path: string;
  /** Messages per invocation of the function that sends: 1 over HTTP, BULK_BATCH_SIZE on the queue. */
  readonly messagesPerInvocation: number;
  /** The function's CPU per message, as measured locally. */
  readonly cpuMsPerMessage: number;
  /**
   * Calls made one after the other in one invocation (the latency chain): for a batch whose
   * records run in parallel, the batch's own calls plus one record's.
   */
  readonly serialCallsPerInvocation: {
    readonly dynamodb: number;
    readonly dynamodbTransactions: number;
    readonly s3Gets: number;
    readonly ses: number;
  };
  /** Per message, as counted. */
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly s3Gets: number;
  readonly events: number;
  readonly logBytes: number;
  readonly logLines: number;
  /** Size of one request as the sender sends it (API Gateway bills per 512 KB, SQS per 64 KB). */
  readonly requestBytes: number;
  readonly apiGateway: boolean;
  /** The bulk queue: a batch sent (SendMessageBatch), received and deleted per BULK_BATCH_SIZE messages. */
  readonly sqs: boolean;
  /**
   * The console's counters (CountEvents, the table stream's second consumer), per message as
   * counted: the stream records it was handed, its store requests (transactions among them)
   * and their units.
   */
  readonly countEvents: {
    readonly records: number;
    readonly requests: number;
    readonly transactions: number;
    readonly readUnits: number;
    readonly writeUnits: number;
  };
}

export interface CostLine {
  readonly item: string;
  readonly basis: string;
  readonly usdPerMillion: number;
}

export interface PathCost {
  readonly path: string;
  readonly lines: CostLine[];
  readonly total: number;
  readonly ratioToSes: number;
  /** The modelled billed duration of one invocation of the sending function, ms. */
  readonly billedMs: number;
}

const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** Per million messages on one path, from the measured figures and the model above. */
export function pathCostPerMillion(input: PathCostInput): PathCost {
  const million = 1_000_000;
  const invocationsPerMessage = 1 / input.messagesPerInvocation;
  const calls = input.serialCallsPerInvocation;
  const waitMs =
    calls.dynamodb * AWS_LATENCY_MS.dynamodbRequest +
    calls.dynamodbTransactions * AWS_LATENCY_MS.dynamodbTransaction +
    calls.s3Gets * AWS_LATENCY_MS.s3Get +
    calls.ses * AWS_LATENCY_MS.sesSendEmail;
  const cpuMs = input.cpuMsPerMessage * input.messagesPerInvocation;
  // Lambda bills each invocation rounded up to the next millisecond.
  const billedMs = Math.ceil(cpuMs + waitMs);
  const gbSeconds = (LAMBDA_MEMORY_MB / 1024) * (billedMs / 1000) * invocationsPerMessage * million;
  // PublishEvents: one invocation per full stream batch, PutEvents of 10 entries each; its
  // CPU is in the measured figure (the stream poller runs in the bench's process).
  const publishInvocations = input.events / STREAM_BATCH_SIZE;
  const publishMs = Math.ceil((STREAM_BATCH_SIZE / PUT_EVENTS_ENTRIES) * AWS_LATENCY_MS.eventBridgePutEvents);
  const publishGbSeconds = (LAMBDA_MEMORY_MB / 1024) * (publishMs / 1000) * publishInvocations * million;
  // CountEvents: one invocation per full stream batch (the same batch size); it waits for its
  // store requests one after the other. Its CPU too is in the measured figure.
  const counting = input.countEvents;
  const countInvocations = counting.records / STREAM_BATCH_SIZE;
  const countWaitMs =
    (counting.requests - counting.transactions) * AWS_LATENCY_MS.dynamodbRequest +
    counting.transactions * AWS_LATENCY_MS.dynamodbTransaction;
  const countGbSeconds = (LAMBDA_MEMORY_MB / 1024) * (countWaitMs / 1000) * million;
  // SQS bills a batch request per 64 KB chunk of its payload: the send and the receive carry
  // the messages, the delete does not.
  const sqsRequests = input.sqs
    ? (2 * Math.ceil((BULK_BATCH_SIZE * input.requestBytes) / KIB_64) + 1) / BULK_BATCH_SIZE
    : 0;
  const apiRequests = input.apiGateway ? Math.ceil(input.requestBytes / KIB_512) : 0;
  const invocations = invocationsPerMessage + publishInvocations + countInvocations;
  const logBytes =
    input.logBytes +
    input.logLines * LOG_EVENT_OVERHEAD_BYTES +
    invocations * (LAMBDA_PLATFORM_LOG.bytes + LAMBDA_PLATFORM_LOG.lines * LOG_EVENT_OVERHEAD_BYTES);
  const lines: CostLine[] = [
    {
      item: 'Lambda duration',
      basis: `${fmt(cpuMs)} ms CPU + ${fmt(waitMs)} ms waiting = ${billedMs} ms billed × ${LAMBDA_MEMORY_MB} MB per ${input.messagesPerInvocation} message(s), at $${PRICES.lambdaArmPerGbSecond}/GB-s (arm64)`,
      usdPerMillion: gbSeconds * PRICES.lambdaArmPerGbSecond,
    },
    {
      item: 'PublishEvents duration',
      basis: `${fmt(publishInvocations, 4)} invocations per message × ${publishMs} ms (${STREAM_BATCH_SIZE / PUT_EVENTS_ENTRIES} PutEvents per full stream batch of ${STREAM_BATCH_SIZE})`,
      usdPerMillion: publishGbSeconds * PRICES.lambdaArmPerGbSecond,
    },
    {
      item: 'CountEvents duration',
      basis: `${fmt(countInvocations, 4)} invocations per message (${fmt(counting.records)} stream records per message, batches of ${STREAM_BATCH_SIZE}), waiting ${fmt(countWaitMs)} ms per message for its ${fmt(counting.requests)} store requests (${fmt(counting.transactions)} transactions)`,
      usdPerMillion: countGbSeconds * PRICES.lambdaArmPerGbSecond,
    },
    {
      item: 'Lambda requests',
      basis: `${fmt(invocations, 4)} per message at $${PRICES.lambdaPerMillionRequests}/million`,
      usdPerMillion: invocations * PRICES.lambdaPerMillionRequests,
    },
    {
      item: 'API Gateway HTTP API',
      basis: `${apiRequests} request(s) per message (one per 512 KB) at $${PRICES.httpApiPerMillionRequests}/million`,
      usdPerMillion: apiRequests * PRICES.httpApiPerMillionRequests,
    },
    {
      item: 'SQS',
      basis: input.sqs
        ? `${fmt(sqsRequests, 3)} requests per message: per ${BULK_BATCH_SIZE}, a SendMessageBatch and a receive of ${BULK_BATCH_SIZE} × ${fmt(input.requestBytes / 1024, 1)} KB (one request per 64 KB each) and a DeleteMessageBatch, at $${PRICES.sqsPerMillionRequests}/million`
        : 'not on this path',
      usdPerMillion: sqsRequests * PRICES.sqsPerMillionRequests,
    },
    {
      item: 'DynamoDB reads',
      basis: `${fmt(input.readUnits)} RRU per message at $${PRICES.dynamodbPerMillionReadUnits}/million`,
      usdPerMillion: input.readUnits * PRICES.dynamodbPerMillionReadUnits,
    },
    {
      item: 'DynamoDB writes',
      basis: `${fmt(input.writeUnits)} WRU per message at $${PRICES.dynamodbPerMillionWriteUnits}/million`,
      usdPerMillion: input.writeUnits * PRICES.dynamodbPerMillionWriteUnits,
    },
    {
      item: 'CountEvents reads and writes (console counters)',
      basis: `${fmt(counting.readUnits)} RRU and ${fmt(counting.writeUnits)} WRU per message`,
      usdPerMillion:
        counting.readUnits * PRICES.dynamodbPerMillionReadUnits +
        counting.writeUnits * PRICES.dynamodbPerMillionWriteUnits,
    },
    {
      item: 'S3 GET (pending objections, R7)',
      basis: `${fmt(input.s3Gets)} per message (a 404 normally) at $${PRICES.s3PerMillionGets}/million`,
      usdPerMillion: input.s3Gets * PRICES.s3PerMillionGets,
    },
    {
      item: 'EventBridge',
      basis: `${fmt(input.events)} event(s) per message at $${PRICES.eventBridgePerMillionEvents}/million`,
      usdPerMillion: input.events * PRICES.eventBridgePerMillionEvents,
    },
    {
      item: 'CloudWatch Logs',
      basis: `${fmt(logBytes, 0)} bytes per message (${fmt(input.logBytes, 0)} logged by the handlers in ${fmt(input.logLines)} lines, ${LOG_EVENT_OVERHEAD_BYTES} per log event, Lambda's START/END/REPORT ${LAMBDA_PLATFORM_LOG.bytes} per invocation) at $${PRICES.cloudWatchLogsPerGbIngested}/GB`,
      usdPerMillion: ((logBytes * million) / 1024 ** 3) * PRICES.cloudWatchLogsPerGbIngested,
    },
  ];
  const total = lines.reduce((sum, line) => sum + line.usdPerMillion, 0);
  return { path: input.path, lines, total, ratioToSes: total / PRICES.sesPerMillionEmails, billedMs };
}

/** The targets: the bulk path at most 1 % of SES's own price per message, the HTTP path at most 2 %. */
export const COST_TARGETS = { bulk: 0.01, http: 0.02 } as const;
