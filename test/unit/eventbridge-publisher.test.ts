import type { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge-publisher';
import { EventPublishError } from '../../shared/ports/event-publisher';

/** The EventBridge adapter against a recording client: batching, source and bus, failures. */
function client(
  answer: (entries: { Detail: string }[]) => {
    FailedEntryCount?: number;
    Entries?: { EventId?: string; ErrorCode?: string }[];
  },
) {
  const calls: { Entries: { EventBusName: string; Source: string; DetailType: string; Detail: string }[] }[] =
    [];
  const fake = {
    send: async (command: PutEventsCommand) => {
      calls.push(command.input as (typeof calls)[number]);
      return answer((command.input.Entries ?? []) as { Detail: string }[]);
    },
  } as unknown as EventBridgeClient;
  return { fake, calls };
}

const events = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ detailType: 'Objection Recorded', detail: { i } }));

describe('EventBridgePublisher', () => {
  it('sends at most 10 entries per PutEvents, on the bus, with source consent-gate', async () => {
    const { fake, calls } = client(() => ({ FailedEntryCount: 0 }));
    await new EventBridgePublisher(fake, 'bus-1').publish(events(23));
    expect(calls.map((c) => c.Entries.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.Entries[0]).toEqual({
      EventBusName: 'bus-1',
      Source: 'consent-gate',
      DetailType: 'Objection Recorded',
      Detail: '{"i":0}',
    });
  });

  it('throws an EventPublishError naming the events refused, after re-sending them', async () => {
    const { fake, calls } = client((entries) => ({
      FailedEntryCount: 1,
      Entries: entries.map((e) =>
        e.Detail === '{"i":1}' ? { ErrorCode: 'InternalFailure' } : { EventId: 'x' },
      ),
    }));
    const error = await new EventBridgePublisher(fake, 'bus-1', undefined, () => 0)
      .publish(events(12))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventPublishError);
    // Event 1 failed three times; the second batch (10, 11) was never sent.
    expect((error as EventPublishError).failed).toEqual([1, 10, 11]);
    expect(calls.map((c) => c.Entries.length)).toEqual([10, 1, 1]);
  });

  it('re-sends only the failed entries of a partial PutEvents failure', async () => {
    let attempt = 0;
    const { fake, calls } = client((entries) => {
      attempt += 1;
      // First call: entries 2 and 7 throttled; the re-send of those two succeeds.
      if (attempt > 1) return { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: 'x' })) };
      return {
        FailedEntryCount: 2,
        Entries: entries.map((_, k) =>
          k === 2 || k === 7 ? { ErrorCode: 'ThrottlingException' } : { EventId: 'x' },
        ),
      };
    });
    await new EventBridgePublisher(fake, 'bus-1', undefined, () => 0).publish(events(10));
    expect(calls.map((c) => c.Entries.map((e) => JSON.parse(e.Detail).i))).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [2, 7],
    ]);
  });

  it('throws an EventPublishError when EventBridge cannot be reached', async () => {
    const fake = {
      send: () => Promise.reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' })),
    } as unknown as EventBridgeClient;
    await expect(new EventBridgePublisher(fake, 'bus-1').publish(events(1))).rejects.toThrow(
      /EventBridge unavailable \(TimeoutError\)/,
    );
  });
});
