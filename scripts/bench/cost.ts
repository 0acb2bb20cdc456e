/**
 * Cost per million messages sent through the gateway's HTTP path on AWS, from what the
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
} as const;

export interface CostInput {
  /** Mean billed duration of one invocation, in ms (Lambda bills per ms, rounded up). */
  readonly handlerMs: number;
  /** The function's configured memory (infra/gateway.ts). */
  readonly memoryMb: number;
  /** Read and write request units per message, as measured. */
  readonly readUnitsPerMessage: number;
  readonly writeUnitsPerMessage: number;
  /** Invocations per message: 1 for POST /v1/messages, 1/10 for the bulk queue's batches of ten. */
  readonly invocationsPerMessage: number;
  /** API Gateway requests per message: 1 over HTTP, 0 on the bulk queue. */
  readonly apiRequestsPerMessage: number;
  /**
   * S3 GETs per message: the pending objections read before every decision (R7,
   * docs/reliability.md), one per recipient key; 1 when absent.
   */
  readonly s3GetsPerMessage?: number;
}

export interface CostLine {
  readonly item: string;
  readonly basis: string;
  readonly usdPerMillion: number;
}

export function costPerMillion(input: CostInput): { lines: CostLine[]; total: number; ratioToSes: number } {
  const million = 1_000_000;
  const gbSeconds =
    (input.memoryMb / 1024) * (input.handlerMs / 1000) * input.invocationsPerMessage * million;
  const lines: CostLine[] = [
    {
      item: 'Lambda duration',
      basis: `${input.handlerMs.toFixed(1)} ms × ${input.memoryMb} MB × ${input.invocationsPerMessage} invocation(s)/message = ${Math.round(gbSeconds).toLocaleString('en-US')} GB-s at $${PRICES.lambdaArmPerGbSecond}/GB-s (arm64)`,
      usdPerMillion: gbSeconds * PRICES.lambdaArmPerGbSecond,
    },
    {
      item: 'Lambda requests',
      basis: `${input.invocationsPerMessage} per message at $${PRICES.lambdaPerMillionRequests}/million`,
      usdPerMillion: input.invocationsPerMessage * PRICES.lambdaPerMillionRequests,
    },
    {
      item: 'API Gateway HTTP API',
      basis: `${input.apiRequestsPerMessage} request(s) per message at $${PRICES.httpApiPerMillionRequests}/million`,
      usdPerMillion: input.apiRequestsPerMessage * PRICES.httpApiPerMillionRequests,
    },
    {
      item: 'DynamoDB reads',
      basis: `${input.readUnitsPerMessage.toFixed(2)} RRU per message (strongly consistent) at $${PRICES.dynamodbPerMillionReadUnits}/million`,
      usdPerMillion: input.readUnitsPerMessage * PRICES.dynamodbPerMillionReadUnits,
    },
    {
      item: 'DynamoDB writes',
      basis: `${input.writeUnitsPerMessage.toFixed(2)} WRU per message at $${PRICES.dynamodbPerMillionWriteUnits}/million`,
      usdPerMillion: input.writeUnitsPerMessage * PRICES.dynamodbPerMillionWriteUnits,
    },
    {
      item: 'S3 GET (pending objections, R7)',
      basis: `${input.s3GetsPerMessage ?? 1} per message (a 404 normally) at $${PRICES.s3PerMillionGets}/million`,
      usdPerMillion: (input.s3GetsPerMessage ?? 1) * PRICES.s3PerMillionGets,
    },
  ];
  const total = lines.reduce((sum, line) => sum + line.usdPerMillion, 0);
  return { lines, total, ratioToSes: total / PRICES.sesPerMillionEmails };
}
