import {
  type _Record,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import * as z from 'zod';
import { lambdaContext } from '../infra/local/lambda-context';
import { lambdaEvent, type StreamHandler } from '../infra/local/stream-poller';
import type { DeadLetterQueue } from '../shared/ports/dead-letter-queue';

/**
 * Redrives the table stream consumer's on-failure queue (events out): each message is
 * Lambda's description of a stream batch PublishEvents could not publish (stream, shard,
 * first and last sequence numbers; not the records). The records are read again from the
 * stream (it keeps them 24 hours) and handed to the same handler; the message is deleted
 * only once every record was published. Publishing again what went out before is safe:
 * consumers dedupe on `eventId`. Past 24 hours the records are gone: the message stays,
 * and the events are re-published from their items (`out`; docs/recipients.md).
 *
 *   npx consent-gate redrive-events --queue-url <EventStreamDeadLetterQueueUrl> --event-bus-name <EventBusName>
 */
export const streamBatchLetterSchema = z.looseObject({
  DDBStreamBatchInfo: z.looseObject({
    streamArn: z.string(),
    shardId: z.string(),
    startSequenceNumber: z.string().regex(/^\d+$/),
    endSequenceNumber: z.string().regex(/^\d+$/),
  }),
});
export type StreamBatchInfo = z.infer<typeof streamBatchLetterSchema>['DDBStreamBatchInfo'];

export interface EventRedriveReport {
  readonly received: number;
  readonly redriven: number;
  /** Records published again, over all batches redriven. */
  readonly records: number;
  /** Kept in the queue: unreadable, records gone, or failing again. */
  readonly kept: number;
  readonly problems: readonly { readonly messageId: string; readonly error: string }[];
}

/** Empty pages tolerated while reading a range (a shard may answer empty pages before its records). */
const EMPTY_PAGES = 20;

/** The batch's records, from its first sequence number to its last, as the stream still holds them. */
export async function recordsOfBatch(
  client: DynamoDBStreamsClient,
  info: StreamBatchInfo,
): Promise<_Record[]> {
  const end = BigInt(info.endSequenceNumber);
  let iterator = (
    await client.send(
      new GetShardIteratorCommand({
        StreamArn: info.streamArn,
        ShardId: info.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: info.startSequenceNumber,
      }),
    )
  ).ShardIterator;
  const records: _Record[] = [];
  for (let empty = 0; iterator && empty < EMPTY_PAGES; ) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const got = page.Records ?? [];
    if (got.length === 0) empty++;
    for (const record of got) {
      if (BigInt(record.dynamodb?.SequenceNumber ?? '0') > end) return records;
      records.push(record);
    }
    if (records.length > 0 && BigInt(records.at(-1)!.dynamodb!.SequenceNumber!) >= end) return records;
    iterator = page.NextShardIterator;
  }
  return records;
}

export async function redriveEventBatches(options: {
  readonly queue: DeadLetterQueue;
  readonly streams: DynamoDBStreamsClient;
  readonly handler: StreamHandler;
  readonly maxMessages?: number;
}): Promise<EventRedriveReport> {
  const max = options.maxMessages ?? 1_000;
  let received = 0;
  let redriven = 0;
  let records = 0;
  const problems: { messageId: string; error: string }[] = [];
  while (received < max) {
    const letters = await options.queue.receive(Math.min(10, max - received));
    if (letters.length === 0) break;
    received += letters.length;
    for (const letter of letters) {
      try {
        let body: unknown;
        try {
          body = JSON.parse(letter.body);
        } catch {
          throw new Error('unreadable: not JSON');
        }
        const parsed = streamBatchLetterSchema.safeParse(body);
        if (!parsed.success)
          throw new Error(`unreadable: ${parsed.error.issues[0]?.message ?? 'no DDBStreamBatchInfo'}`);
        const batch = await recordsOfBatch(options.streams, parsed.data.DDBStreamBatchInfo);
        if (batch.length === 0)
          throw new Error('the stream no longer holds these records (over 24 h): re-publish from the items');
        const response = await options.handler(lambdaEvent(batch), lambdaContext('PublishEvents'));
        if (response.batchItemFailures.length > 0)
          throw new Error(
            `${response.batchItemFailures.length} of ${batch.length} records still not published`,
          );
        await options.queue.delete(letter);
        redriven++;
        records += batch.length;
      } catch (error) {
        problems.push({ messageId: letter.id, error: (error as Error).message });
      }
    }
  }
  return { received, redriven, records, kept: problems.length, problems };
}
