import { type ExpiryTombstone, expiryTombstoneOf, type RemovedRecordLike } from '../domain/expiry-tombstone';
import { eventsOfStreamRecord, type StreamRecordLike } from '../domain/stream-events';
import { EventPublishError, type EventPublisher, type OutboundEvent } from '../ports/event-publisher';
import type { GatewayStore } from '../ports/gateway-store';
import type { Dependencies } from './dependencies';

/** PutEvents' limit: entries go out in batches of this many, in stream order. */
export const PUT_EVENTS_BATCH = 10;

export interface StreamBatchOutcome {
  /** Events published (at least once: some may have been before, by an earlier attempt). */
  readonly published: number;
  /**
   * The first record not fully published, if any: the consumer reports it and every later
   * record as failures, so the stream hands them again from there, in order (ReportBatchItemFailures).
   */
  readonly failedFrom?: number;
  readonly error?: Error;
}

/**
 * One batch of stream records (a shard's, in order) to the bus: each record's events
 * (shared/domain/stream-events.ts), in PutEvents batches of at most 10, only the failed
 * entries of a partial failure sent again (the adapter does). At the first record that
 * cannot be published (a bus failure, a stored event that breaks its schema), nothing after
 * it is sent: the stream keeps the order of a recipient's events (one partition, one shard)
 * and hands them again from that record. What was published before it may be published
 * again then: delivery is at least once; consumers dedupe on `detail.eventId`.
 */
export async function publishStreamRecords(
  deps: { events: EventPublisher; log: Dependencies['log'] },
  records: readonly StreamRecordLike[],
): Promise<StreamBatchOutcome> {
  const entries: { record: number; event: OutboundEvent }[] = [];
  let unmappable: { record: number; error: Error } | undefined;
  for (let r = 0; r < records.length; r++) {
    try {
      for (const event of eventsOfStreamRecord(records[r]!)) entries.push({ record: r, event });
    } catch (error) {
      unmappable = { record: r, error: error as Error };
      break;
    }
  }
  let published = 0;
  for (let i = 0; i < entries.length; i += PUT_EVENTS_BATCH) {
    const batch = entries.slice(i, i + PUT_EVENTS_BATCH);
    try {
      await deps.events.publish(batch.map((e) => e.event));
      published += batch.length;
    } catch (error) {
      const failed =
        error instanceof EventPublishError && error.failed !== undefined && error.failed.length > 0
          ? Math.min(...error.failed)
          : 0;
      const first = batch[failed] ?? batch[0]!;
      deps.log.error('events not published; the stream hands them again', {
        sequenceNumber: records[first.record]?.dynamodb?.SequenceNumber,
        eventIds: batch.slice(failed).map((e) => e.event.detail.eventId),
        error: (error as Error).name,
      });
      return { published: published + failed, failedFrom: first.record, error: error as Error };
    }
  }
  if (unmappable) {
    deps.log.error('stream record holds an event that breaks the contract', {
      sequenceNumber: records[unmappable.record]?.dynamodb?.SequenceNumber,
      error: unmappable.error.message,
    });
    return { published, failedFrom: unmappable.record, error: unmappable.error };
  }
  return { published };
}

/** Tombstones written at once (a mass expiry hands batches of REMOVEs). */
const TOMBSTONE_CONCURRENCY = 10;

/**
 * R9/R15: for each REMOVE by DynamoDB's TTL of a chained audit event among `records` (up to
 * `upTo`), its tombstone written back (shared/domain/expiry-tombstone.ts), so that expiry
 * leaves the chain verifiable. Returns the first record whose tombstone could not be written
 * (the store failed): the consumer reports it and every later one, and the stream hands them
 * again (a tombstone is written only if its key is absent: redelivery writes it once).
 */
export async function keepExpiredLinks(
  deps: { store: () => Pick<GatewayStore, 'keepExpiredLink'>; now: () => Date; log: Dependencies['log'] },
  records: readonly RemovedRecordLike[],
  upTo: number = records.length,
): Promise<{ readonly written: number; readonly failedFrom?: number; readonly error?: Error }> {
  const due: { record: number; tombstone: ExpiryTombstone }[] = [];
  for (let r = 0; r < upTo; r++) {
    const tombstone = expiryTombstoneOf(records[r]!);
    if (tombstone) due.push({ record: r, tombstone });
  }
  let written = 0;
  for (let i = 0; i < due.length; i += TOMBSTONE_CONCURRENCY) {
    const chunk = due.slice(i, i + TOMBSTONE_CONCURRENCY);
    const outcomes = await Promise.allSettled(
      chunk.map(({ tombstone }) => deps.store().keepExpiredLink(tombstone, deps.now())),
    );
    const failed = outcomes.findIndex((o) => o.status === 'rejected');
    written += outcomes.filter((o) => o.status === 'fulfilled' && o.value === 'written').length;
    if (failed !== -1) {
      const error = (outcomes[failed] as PromiseRejectedResult).reason as Error;
      deps.log.error('expiry tombstone not written; the stream hands the record again', {
        sk: chunk[failed]!.tombstone.sk,
        error: error?.name,
      });
      return { written, failedFrom: chunk[failed]!.record, error };
    }
  }
  return { written };
}
