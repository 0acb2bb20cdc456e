import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BenchGateway,
  benchMessage,
  observeDependencies,
  recordSendIo,
  sameIoHandler,
  startBenchGateway,
  throughGateway,
  throughSameIo,
} from '../../scripts/bench/local-gateway-bench';
import { type CommandCount, createStoreRequestCounter } from '../../scripts/bench/store-request-counter';
import { releaseDynamoDb, sharedDynamoDb } from '../support/local-gateway';
import { NEWSLETTER_HTML } from '../support/newsletter-fixture';

/**
 * The bench's same-I/O pipeline (npm run bench, section 2: the baseline of the headline
 * ratio) asks the store, the pending objections and SES exactly what the real sends it
 * recorded asked, on the same table, and changes no recipient. Counted, not timed.
 */
let gw: BenchGateway;
let endpoint: string | undefined;

beforeAll(async () => {
  endpoint = await sharedDynamoDb();
  gw = await startBenchGateway(12, { dynamodbEndpoint: endpoint });
  // The template's counts are the sends' own requests: the console's counters (CountEvents,
  // a second stream consumer whose transactions land whenever its poller runs) are stopped.
  await gw.stack.counterStream.stop();
});
afterAll(async () => {
  await gw?.stop();
  await releaseDynamoDb(endpoint);
});

// Items written must match; items read may not: the reads are replayed on the recorded
// recipients' partitions, which now also hold what the recorded sends wrote there.
const only = (counts: CommandCount[]) =>
  counts.map(({ command, kind, requests, items, units }) => ({
    command,
    kind,
    requests,
    units,
    ...(kind === 'write' ? { items } : {}),
  }));

describe('bench same-I/O pipeline', () => {
  it('makes the same DynamoDB requests, pending reads and SES calls as the real sends it replays', async () => {
    const template = await recordSendIo(gw, 5, 'newsletter');
    expect(template.sends).toHaveLength(5);
    // Not vacuous: a real send reads and writes the store, reads the pending objections, sends once.
    expect(template.counts.some((c) => c.kind === 'read' && c.requests > 0)).toBe(true);
    expect(template.counts.some((c) => c.kind === 'write' && c.requests > 0)).toBe(true);
    const pendingRecorded = template.sends.reduce((n, s) => n + s.pendingReads.length, 0);
    expect(pendingRecorded).toBeGreaterThanOrEqual(5);
    expect(template.sends.every((s) => s.emails.length === 1)).toBe(true);

    const counter = createStoreRequestCounter();
    const pipeline = sameIoHandler(template.sends, { counter });
    gw.serveSameIo(pipeline.handler);
    const observed = observeDependencies(gw);
    const outboxBefore = gw.stack.outbox.emails.length;
    try {
      const run = await throughSameIo(gw, 5, 1, 0, 'newsletter');
      expect(run.failures).toBe(0);
      expect(observed.pendingReads()).toBe(pendingRecorded);
    } finally {
      observed.restore();
      gw.serveSameIo(undefined);
      pipeline.close();
    }
    // The same commands, requests and request units, the same items written (of the same size).
    expect(only(counter.snapshot())).toEqual(only(template.counts));
    for (const c of counter.snapshot().filter((c) => c.kind === 'read')) {
      expect(c.items).toBeGreaterThanOrEqual(template.counts.find((t) => t.command === c.command)!.items);
    }
    // The same email handed to SES, to the request's recipient: the gateway's injected body.
    const handed = gw.stack.outbox.emails.slice(outboxBefore);
    expect(handed).toHaveLength(5);
    for (const [i, email] of handed.entries()) {
      const recorded = template.sends[i]!.emails[0]!.email;
      expect(email.request.Content?.Simple?.Body?.Html?.Data).toBe(recorded.html);
      expect(email.request.Destination?.ToAddresses).toEqual([benchMessage(gw.recipients[i]!).to]);
    }
    expect(handed[0]!.request.Content?.Simple?.Body?.Html?.Data?.length).toBeGreaterThan(
      NEWSLETTER_HTML.length,
    );
  });

  it('leaves the recipients as they were: their next real send goes out', async () => {
    const run = await throughGateway(gw, 6, 2, 0, 'newsletter');
    expect(run.failures).toBe(0);
  });
});
