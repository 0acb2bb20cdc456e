import { describe, expect, it } from 'vitest';
import { COST_TARGETS, type PathCostInput, pathCostPerMillion } from '../../scripts/bench/cost';

/**
 * The bench's pricing (npm run bench, section "AWS cost per million messages"): the
 * arithmetic of each line against figures worked out by hand here. No timing.
 */
const http: PathCostInput = {
  path: 'http',
  messagesPerInvocation: 1,
  cpuMsPerMessage: 4.5,
  serialCallsPerInvocation: { dynamodb: 2, dynamodbTransactions: 0, s3Gets: 1, ses: 1 },
  readUnits: 1,
  writeUnits: 2,
  s3Gets: 1,
  events: 1,
  logBytes: 400,
  logLines: 1,
  requestBytes: 47_000,
  apiGateway: true,
  sqs: false,
  countEvents: { records: 0, requests: 0, transactions: 0, readUnits: 0, writeUnits: 0 },
};

const line = (cost: ReturnType<typeof pathCostPerMillion>, item: string) =>
  cost.lines.find((l) => l.item === item)!.usdPerMillion;

describe('bench pricing', () => {
  it('prices the HTTP path line by line: duration model, requests, units, S3, events, logs', () => {
    const cost = pathCostPerMillion(http);
    // 4.5 ms CPU + 2 × 5 ms DynamoDB + 15 ms S3 + 30 ms SES = 59.5 → 60 ms billed.
    expect(cost.billedMs).toBe(60);
    // 0.5 GB × 0.060 s × 1e6 invocations = 30,000 GB-s.
    expect(line(cost, 'Lambda duration')).toBeCloseTo(30_000 * 0.0000133334, 6);
    // One event: 0.01 PublishEvents invocation of 10 PutEvents × 20 ms = 200 ms.
    expect(line(cost, 'PublishEvents duration')).toBeCloseTo(0.5 * 0.2 * 0.01 * 1e6 * 0.0000133334, 6);
    expect(line(cost, 'Lambda requests')).toBeCloseTo(1.01 * 0.2, 6);
    expect(line(cost, 'API Gateway HTTP API')).toBeCloseTo(1.11, 6);
    expect(line(cost, 'SQS')).toBe(0);
    expect(line(cost, 'DynamoDB reads')).toBeCloseTo(0.1415, 6);
    expect(line(cost, 'DynamoDB writes')).toBeCloseTo(2 * 0.70675, 6);
    expect(line(cost, 'S3 GET (pending objections, R7)')).toBeCloseTo(0.4, 6);
    expect(line(cost, 'EventBridge')).toBeCloseTo(1, 6);
    // 400 logged + 26 for its one line + 1.01 invocations × (300 + 3 × 26) platform bytes.
    const logBytes = 400 + 26 + 1.01 * 378;
    expect(line(cost, 'CloudWatch Logs')).toBeCloseTo(((logBytes * 1e6) / 1024 ** 3) * 0.57, 6);
    const sum = cost.lines.reduce((n, l) => n + l.usdPerMillion, 0);
    expect(cost.total).toBeCloseTo(sum, 9);
    expect(cost.total).toBeCloseTo(5.1092, 3);
    expect(cost.ratioToSes).toBeCloseTo(cost.total / 100, 9);
  });

  it('prices the bulk path per batch of ten: SQS per 64 KB chunk, one invocation per ten, no API Gateway', () => {
    const cost = pathCostPerMillion({
      ...http,
      path: 'bulk',
      messagesPerInvocation: 10,
      cpuMsPerMessage: 3,
      serialCallsPerInvocation: { dynamodb: 12, dynamodbTransactions: 1, s3Gets: 1, ses: 1 },
      apiGateway: false,
      sqs: true,
    });
    // 30 ms CPU + 12 × 5 + 10 (transaction) + 15 + 30 = 145 ms per invocation of ten.
    expect(cost.billedMs).toBe(145);
    expect(line(cost, 'Lambda duration')).toBeCloseTo(0.5 * 0.145 * 0.1 * 1e6 * 0.0000133334, 6);
    expect(line(cost, 'Lambda requests')).toBeCloseTo(0.11 * 0.2, 6);
    expect(line(cost, 'API Gateway HTTP API')).toBe(0);
    // 10 × 47,000 bytes = 8 chunks of 64 KB for the send and again for the receive, one delete: 17 per 10.
    expect(line(cost, 'SQS')).toBeCloseTo(1.7 * 0.4, 6);
  });

  it("prices the console's counters (CountEvents): its invocations per stream batch, its waits and its units", () => {
    const base = pathCostPerMillion(http);
    const cost = pathCostPerMillion({
      ...http,
      countEvents: { records: 4, requests: 1.5, transactions: 0.5, readUnits: 0.5, writeUnits: 3 },
    });
    // 4 records per message in batches of 100: 0.04 invocations; 1 request × 5 ms + 0.5 × 10 ms = 10 ms per message.
    expect(line(cost, 'CountEvents duration')).toBeCloseTo(0.5 * 0.01 * 1e6 * 0.0000133334, 6);
    expect(line(cost, 'Lambda requests')).toBeCloseTo((1.01 + 0.04) * 0.2, 6);
    expect(line(cost, 'CountEvents reads and writes (console counters)')).toBeCloseTo(
      0.5 * 0.1415 + 3 * 0.70675,
      6,
    );
    expect(line(base, 'CountEvents duration')).toBe(0);
    // The platform's log lines of 0.04 more invocations.
    const moreLogs = ((0.04 * 378 * 1e6) / 1024 ** 3) * 0.57;
    expect(line(cost, 'CloudWatch Logs') - line(base, 'CloudWatch Logs')).toBeCloseTo(moreLogs, 6);
    expect(cost.total - base.total).toBeCloseTo(
      0.5 * 0.01 * 1e6 * 0.0000133334 + 0.04 * 0.2 + 0.5 * 0.1415 + 3 * 0.70675 + moreLogs,
      6,
    );
  });

  it('rounds the billed duration up to the millisecond and API Gateway up to 512 KB', () => {
    const cost = pathCostPerMillion({ ...http, cpuMsPerMessage: 0.01, requestBytes: 600 * 1024 });
    expect(cost.billedMs).toBe(56);
    expect(line(cost, 'API Gateway HTTP API')).toBeCloseTo(2 * 1.11, 6);
  });

  it('states the targets: bulk at most 1 % of SES, HTTP at most 2 %', () => {
    expect(COST_TARGETS).toEqual({ bulk: 0.01, http: 0.02 });
  });
});
