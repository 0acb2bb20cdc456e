import type { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge-publisher';
import { EventPublishError } from '../../shared/ports/event-publisher';

/** The EventBridge adapter against a recording client: batching, source and bus, failures. */
function client(answer: (entries: unknown[]) => { FailedEntryCount?: number }) {
  const calls: { Entries: { EventBusName: string; Source: string; DetailType: string; Detail: string }[] }[] =
    [];
  const fake = {
    send: async (command: PutEventsCommand) => {
      calls.push(command.input as (typeof calls)[number]);
      return answer(command.input.Entries ?? []);
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

  it('throws an EventPublishError when EventBridge refuses entries', async () => {
    const { fake } = client(() => ({ FailedEntryCount: 1 }));
    await expect(new EventBridgePublisher(fake, 'bus-1').publish(events(2))).rejects.toBeInstanceOf(
      EventPublishError,
    );
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
