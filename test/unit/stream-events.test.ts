import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createStreamHandler } from '../../functions/publish-events';
import { lambdaContext } from '../../infra/local/lambda-context';
import { MemoryEventPublisher } from '../../shared/adapters/memory-event-publisher';
import { eventsOfStreamRecord, StreamRecordError } from '../../shared/domain/stream-events';
import {
  EventPublishError,
  type EventPublisher,
  type OutboundEvent,
} from '../../shared/ports/event-publisher';
import { publishStreamRecords } from '../../shared/services/stream-events';

/** A stream record as Lambda and GetRecords hand it (AttributeValue images). */
function record(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  item: Record<string, unknown> | undefined,
  seq: number,
  old?: Record<string, unknown>,
) {
  return {
    eventID: `e${seq}`,
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      SequenceNumber: String(seq).padStart(21, '0'),
      ...(item ? { NewImage: marshall(item, { removeUndefinedValues: true }) } : {}),
      ...(old ? { OldImage: marshall(old, { removeUndefinedValues: true }) } : {}),
    },
  } as const;
}

const objection = (eventId: string) => ({
  detailType: 'Objection Recorded',
  detail: {
    version: 1,
    eventId,
    tenant: 'demo',
    channel: 'email',
    recipientKey: 'K'.repeat(43),
    at: '2026-12-02T02:00:00.000Z',
    objectionId: `o-${eventId}`,
    scope: { type: 'channel' },
    method: 'unsubscribe_link',
  },
});
const auditItem = (eventId: string) => ({
  pk: `TENANT#demo#R#${'K'.repeat(43)}`,
  sk: `A#2026-12-02T02:00:00.000Z#${eventId}`,
  entity: 'audit',
  data: { id: eventId, type: 'objection.recorded' },
  out: objection(eventId),
});
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('eventsOfStreamRecord (stream record → events out)', () => {
  it('an inserted audit event publishes the event it holds, with its stable id', () => {
    expect(eventsOfStreamRecord(record('INSERT', auditItem('ev-1'), 1))).toEqual([objection('ev-1')]);
  });

  it('a bulk outcome item publishes its Message Outcome; a tenant hold event its own', () => {
    const outcome = {
      detailType: 'Message Outcome',
      detail: { version: 1, eventId: 'sqs:m1', sqsMessageId: 'm1', outcome: 'invalid', problem: 'no key' },
    };
    expect(
      eventsOfStreamRecord(record('INSERT', { pk: 'OUTCOME#m1', sk: 'OUTCOME', out: outcome }, 2)),
    ).toEqual([outcome]);
    const hold = {
      detailType: 'Complaint Hold Set',
      detail: {
        version: 1,
        eventId: 'h1',
        tenant: 'demo',
        at: '2026-12-02T02:00:00.000Z',
        rate: 0.004,
        sends: 1000,
        complaints: 4,
        windowDays: 30,
        holdRate: 0.003,
      },
    };
    expect(
      eventsOfStreamRecord(record('INSERT', { pk: 'TENANT#demo#AUDIT', sk: 'A#…', out: hold }, 3)),
    ).toEqual([hold]);
  });

  it('publishes an `out` on its INSERT only, never on an update (a TTL set keeps it)', () => {
    const outcome = {
      detailType: 'Message Outcome',
      detail: {
        version: 1,
        eventId: 'sqs:m2',
        sqsMessageId: 'm2',
        outcome: 'invalid',
        problem: 'The message body is not valid JSON',
      },
    };
    const item = { pk: 'OUTCOME#m2', sk: 'OUTCOME', out: outcome };
    expect(eventsOfStreamRecord(record('INSERT', item, 9))).toEqual([outcome]);
    // Even an update whose old image had no `out`: no writer adds one by an update.
    expect(eventsOfStreamRecord(record('MODIFY', item, 10, { pk: 'OUTCOME#m2', sk: 'OUTCOME' }))).toEqual([]);
    expect(eventsOfStreamRecord(record('MODIFY', { ...item, ttl: 1 }, 11, item))).toEqual([]);
  });

  it('publishes nothing for state items, MODIFY, REMOVE, or a record without an image', () => {
    const state = { pk: 'TENANT#demo#R#k', sk: 'S#CONSENT#newsletter', entity: 'consent', data: {} };
    expect(eventsOfStreamRecord(record('INSERT', state, 4))).toEqual([]);
    // A TTL re-plan modifies an audit event in place: it was published on its INSERT already.
    expect(eventsOfStreamRecord(record('MODIFY', auditItem('ev-1'), 5))).toEqual([]);
    expect(eventsOfStreamRecord(record('REMOVE', undefined, 6))).toEqual([]);
    expect(eventsOfStreamRecord(record('INSERT', undefined, 7))).toEqual([]);
    expect(eventsOfStreamRecord({})).toEqual([]);
  });

  it('refuses a stored event that breaks its schema or names an unknown type (the record fails, never sent half-right)', () => {
    const broken = { ...auditItem('ev-2'), out: { ...objection('ev-2'), detail: { eventId: 'ev-2' } } };
    expect(() => eventsOfStreamRecord(record('INSERT', broken, 8))).toThrow(StreamRecordError);
    const unknown = { ...auditItem('ev-3'), out: { detailType: 'Nope', detail: {} } };
    expect(() => eventsOfStreamRecord(record('INSERT', unknown, 9))).toThrow(/unknown detail type: Nope/);
    expect(() => eventsOfStreamRecord(record('INSERT', { ...auditItem('x'), out: 'text' }, 10))).toThrow(
      /not a map/,
    );
  });
});

/** A bus that refuses the events whose ids are listed, as a partial PutEvents failure does. */
class RefusingBus implements EventPublisher {
  readonly calls: OutboundEvent[][] = [];
  constructor(private readonly refuse: (e: OutboundEvent) => boolean) {}
  publish(events: readonly OutboundEvent[]): Promise<void> {
    this.calls.push([...events]);
    const failed = events.flatMap((e, i) => (this.refuse(e) ? [i] : []));
    if (failed.length > 0) return Promise.reject(new EventPublishError('refused', { failed }));
    return Promise.resolve();
  }
}

describe('publishStreamRecords', () => {
  const records = (n: number) =>
    Array.from({ length: n }, (_, i) => record('INSERT', auditItem(`ev-${i}`), i + 1));

  it('publishes in stream order in batches of at most 10', async () => {
    const bus = new RefusingBus(() => false);
    const outcome = await publishStreamRecords({ events: bus, log }, [
      ...records(23),
      record('MODIFY', auditItem('x'), 99),
    ]);
    expect(outcome).toEqual({ published: 23 });
    expect(bus.calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(bus.calls.flat().map((e) => e.detail.eventId)).toEqual(
      Array.from({ length: 23 }, (_, i) => `ev-${i}`),
    );
  });

  it('stops at the first record not published: nothing after it is sent, it is reported from there', async () => {
    const bus = new RefusingBus((e) => e.detail.eventId === 'ev-13');
    const outcome = await publishStreamRecords({ events: bus, log }, records(25));
    expect(outcome.failedFrom).toBe(13);
    expect(outcome.published).toBe(13);
    // The third batch (ev-20…) is never sent while ev-13 has not gone out.
    expect(bus.calls.map((c) => c.length)).toEqual([10, 10]);
  });

  it('a record whose stored event breaks the contract fails, and the records before it are published', async () => {
    const bus = new RefusingBus(() => false);
    const broken = record('INSERT', { ...auditItem('bad'), out: { detailType: 'Nope', detail: {} } }, 4);
    const outcome = await publishStreamRecords({ events: bus, log }, [...records(3), broken, ...records(2)]);
    expect(outcome.failedFrom).toBe(3);
    expect(bus.calls.flat().map((e) => e.detail.eventId)).toEqual(['ev-0', 'ev-1', 'ev-2']);
  });
});

describe('the stream consumer handler (Powertools batch, partial batch failures)', () => {
  it('reports the first failed record and every later one by sequence number', async () => {
    const bus = new RefusingBus((e) => e.detail.eventId === 'ev-2');
    const event = {
      Records: Array.from({ length: 5 }, (_, i) => record('INSERT', auditItem(`ev-${i}`), i + 1)),
    } as unknown as DynamoDBStreamEvent;
    const response = await createStreamHandler(() => bus)(event, lambdaContext('PublishEvents'));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      '000000000000000000003',
      '000000000000000000004',
      '000000000000000000005',
    ]);
  });

  it('reports nothing when every event went out, and publishes onto the bus given', async () => {
    const bus = new MemoryEventPublisher();
    const event = {
      Records: [record('INSERT', auditItem('ev-a'), 1), record('REMOVE', undefined, 2)],
    } as unknown as DynamoDBStreamEvent;
    const response = await createStreamHandler(() => bus)(event, lambdaContext('PublishEvents'));
    expect(response.batchItemFailures).toEqual([]);
    expect(bus.events.map((e) => e.detail.eventId)).toEqual(['ev-a']);
  });
});
