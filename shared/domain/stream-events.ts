import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type OutboundDetailType, outboundSchemas } from '../schemas/events';

/**
 * Events out come from the table's stream, not from the request path: the item that
 * records a change (a recipient's audit event, a tenant's audit event, a bulk message's
 * outcome item) carries, in the attribute `out`, the event CRMs receive for it, written in
 * the same put as the item (and so in the same transaction as the change, where the change
 * is one). Whatever happens to the request afterwards, the stored fact holds its event, and
 * the stream publishes it (at least once; consumers dedupe on `detail.eventId`, the audit
 * event's id: R15 accountability towards the CRMs that act on objections, R7).
 */
export const OUTBOUND_ATTRIBUTE = 'out';

/** An event to publish: the shape of the EventPublisher port's events. */
export interface StreamEvent {
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
}

/** The fields of a stream record the mapping reads (Lambda's DynamoDBRecord and GetRecords' Record alike). */
export interface StreamRecordLike {
  readonly eventName?: string;
  readonly dynamodb?: {
    readonly NewImage?: Record<string, unknown>;
    readonly OldImage?: Record<string, unknown>;
    readonly SequenceNumber?: string;
  };
}

/** A stored `out` that breaks the contract: a bug to look at, never an event to send (the record fails, then goes to the DLQ). */
export class StreamRecordError extends Error {
  override name = 'StreamRecordError';
}

/**
 * The events one stream record publishes: the `out` of an item just inserted, checked
 * against its schema; nothing for any other record (a state item, an item modified in
 * place such as a TTL update, a REMOVE by TTL or erasure). An item gets its event once, by
 * a conditional put, so that INSERT is the record that publishes it.
 */
export function eventsOfStreamRecord(record: StreamRecordLike): StreamEvent[] {
  const added = record.eventName === 'INSERT';
  if (!added) return [];
  const image = record.dynamodb?.NewImage;
  if (image === undefined || image[OUTBOUND_ATTRIBUTE] === undefined) return [];
  // The attribute alone, so that no other attribute of the item (ttl, data) is read.
  const { [OUTBOUND_ATTRIBUTE]: out } = unmarshall({
    [OUTBOUND_ATTRIBUTE]: image[OUTBOUND_ATTRIBUTE] as AttributeValue,
  }) as { out: unknown };
  if (typeof out !== 'object' || out === null) throw new StreamRecordError('`out` is not a map');
  const { detailType, detail } = out as { detailType?: unknown; detail?: unknown };
  if (typeof detailType !== 'string' || !Object.hasOwn(outboundSchemas, detailType))
    throw new StreamRecordError(`\`out\` has an unknown detail type: ${String(detailType)}`);
  const parsed = outboundSchemas[detailType as OutboundDetailType].safeParse(detail);
  if (!parsed.success)
    throw new StreamRecordError(`\`out\` (${detailType}) breaks its schema: ${parsed.error.message}`);
  return [{ detailType, detail: parsed.data as Record<string, unknown> }];
}
