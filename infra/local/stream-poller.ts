import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { lambdaContext } from './lambda-context';

/**
 * The table's stream, locally: what Lambda's event source mapping does in AWS, for DynamoDB
 * Local's stream (DescribeStream, GetShardIterator, GetRecords), feeding the same handler
 * (functions/publish-events.ts) onto the local bus. Per shard, in order: a batch of records
 * goes to the handler; the records it reports as failed are read again from the first one
 * (ReportBatchItemFailures), after a pause; the last sequence number published is the
 * checkpoint, kept in memory (tests) or in a file (npm start, under `.consent-gate/`), so
 * that a poller started again resumes after it. Delivery is at least once, like Lambda's:
 * a batch published but not yet checkpointed when the poller stops is published again.
 */
export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

/** The last sequence number published, per shard. */
export interface Checkpoints {
  load(): Record<string, string>;
  save(shards: Record<string, string>): void;
}

export function memoryCheckpoints(): Checkpoints {
  let saved: Record<string, string> = {};
  return { load: () => ({ ...saved }), save: (shards) => (saved = { ...shards }) };
}

/** A JSON file, replaced atomically (written beside it, then renamed): a crash leaves the old or the new one. */
export function fileCheckpoints(file: string, streamArn: () => string | undefined): Checkpoints {
  return {
    load: () => {
      if (!existsSync(file)) return {};
      const saved = JSON.parse(readFileSync(file, 'utf8')) as {
        streamArn?: string;
        shards?: Record<string, string>;
      };
      // Another stream (the table was made again): its sequence numbers mean nothing here.
      return saved.streamArn === streamArn() ? (saved.shards ?? {}) : {};
    },
    save: (shards) => {
      writeFileSync(`${file}.tmp`, JSON.stringify({ streamArn: streamArn(), shards }));
      renameSync(`${file}.tmp`, file);
    },
  };
}

export interface StreamPollerOptions {
  readonly endpoint: string;
  readonly streamArn: string;
  readonly handler: () => Promise<StreamHandler>;
  /** The consumer's function name, in its Lambda context (PublishEvents unless told). */
  readonly name?: string;
  readonly checkpoints: Checkpoints;
  /** Pause between polls of an idle stream; a waiter (caughtUp) wakes it at once. */
  readonly idleMs?: number;
  /** Records per GetRecords (Lambda's batch size). */
  readonly batchSize?: number;
  readonly log?: (message: string, error?: unknown) => void;
}

export class StreamPoller {
  private readonly client: DynamoDBStreamsClient;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly iterators = new Map<string, string>();
  private readonly finished = new Set<string>();
  private checkpoint: Record<string, string> = {};
  /** Rounds begun so far; a waiter is satisfied by an idle round begun after it came. */
  private rounds = 0;
  private waiters: { after: number; resolve: () => void }[] = [];
  private failures = 0;
  /** Records handed to the handler, and batches (tests and /local/events show them). */
  handled = 0;

  constructor(private readonly options: StreamPollerOptions) {
    this.client = new DynamoDBStreamsClient({ endpoint: options.endpoint, maxAttempts: 2 });
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.checkpoint = this.options.checkpoints.load();
    this.iterators.clear();
    this.loop = this.run();
  }

  /** Stops after the batch in flight (its checkpoint saved), as a killed consumer between batches. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  /** Close for good (the stack stops). */
  async close(): Promise<void> {
    await this.stop();
    this.client.destroy();
  }

  /**
   * Resolves once everything written before the call has been handed to the handler and
   * published: a round begun after the call found nothing new. At once when stopped.
   */
  caughtUp(timeoutMs = 30_000): Promise<void> {
    if (!this.running) return Promise.resolve();
    const after = this.rounds;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`The stream poller did not catch up within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ after, resolve: done });
      this.wake?.();
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.rounds += 1;
      const round = this.rounds;
      let progressed = false;
      let failed = false;
      try {
        for (const shard of await this.shards()) {
          if (!this.running) break;
          const outcome = await this.pollShard(shard);
          if (outcome === 'records') progressed = true;
          if (outcome === 'failed') failed = true;
        }
      } catch (error) {
        failed = true;
        // Iterators may have expired or the engine restarted: read again from the checkpoints.
        this.iterators.clear();
        this.known = undefined;
        // DynamoDB Local answers TrimmedDataAccessException to an iterator taken on a shard
        // that was still empty once the first record lands (aws/aws-sdk-java#2923): nothing
        // was trimmed, a new iterator from the checkpoint reads it. Not worth a log line.
        if ((error as { name?: string }).name !== 'TrimmedDataAccessException')
          this.options.log?.('local: stream poll failed', error);
      }
      this.failures = failed ? this.failures + 1 : 0;
      if (!progressed && !failed) {
        const ready = this.waiters.filter((w) => w.after < round);
        this.waiters = this.waiters.filter((w) => w.after >= round);
        for (const waiter of ready) waiter.resolve();
      }
      if (progressed && !failed) continue;
      // Lambda retries a failed batch after a pause too; growing, at most 2 s.
      const pause = failed ? Math.min(100 * 2 ** this.failures, 2_000) : (this.options.idleMs ?? 250);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private known: { shards: Shard[]; round: number } | undefined;

  /**
   * The stream's shards, parents before children (a child's records come after its parent's).
   * Described again every 25 rounds (about 5 s idle) or when a shard was read to its end, not
   * on every poll: the tests run many pollers against one engine.
   */
  private async shards(): Promise<Shard[]> {
    const fresh =
      this.known !== undefined &&
      this.rounds - this.known.round < 25 &&
      this.known.shards.every((s) => !this.finished.has(s.ShardId!));
    if (!fresh) this.known = { shards: await this.describe(), round: this.rounds };
    return this.known!.shards.filter((s) => !this.finished.has(s.ShardId!));
  }

  private async describe(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const page = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.options.streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(page.StreamDescription?.Shards ?? []));
      start = page.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    const ids = new Set(shards.map((s) => s.ShardId));
    const ordered: Shard[] = [];
    const visit = (shard: Shard) => {
      if (ordered.includes(shard)) return;
      const parent = shards.find((s) => s.ShardId === shard.ParentShardId);
      if (parent && ids.has(parent.ShardId)) visit(parent);
      ordered.push(shard);
    };
    for (const shard of shards) visit(shard);
    return ordered;
  }

  private async iterator(shardId: string): Promise<string | undefined> {
    const cached = this.iterators.get(shardId);
    if (cached) return cached;
    const after = this.checkpoint[shardId];
    const { ShardIterator } = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.options.streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator;
  }

  private async pollShard(shard: Shard): Promise<'idle' | 'records' | 'failed'> {
    const shardId = shard.ShardId!;
    const iterator = await this.iterator(shardId);
    if (iterator === undefined) {
      this.finished.add(shardId);
      return 'idle';
    }
    const page = await this.client.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.batchSize ?? 100 }),
    );
    const records = page.Records ?? [];
    if (page.NextShardIterator) this.iterators.set(shardId, page.NextShardIterator);
    else {
      // A closed shard, read to its end: its children follow.
      this.iterators.delete(shardId);
      if (records.length === 0) this.finished.add(shardId);
    }
    if (records.length === 0) return 'idle';
    const handler = await this.options.handler();
    let failedFrom: number | undefined;
    try {
      const response = await handler(
        lambdaEvent(records),
        lambdaContext(this.options.name ?? 'PublishEvents'),
      );
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      const index = records.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
      failedFrom = index === -1 ? undefined : index;
    } catch (error) {
      this.options.log?.('local: stream handler failed', error);
      failedFrom = 0;
    }
    this.handled += failedFrom ?? records.length;
    const last = records[(failedFrom ?? records.length) - 1]?.dynamodb?.SequenceNumber;
    if (last !== undefined) {
      this.checkpoint[shardId] = last;
      this.options.checkpoints.save(this.checkpoint);
    }
    if (failedFrom === undefined) return 'records';
    // Read again from the first failed record, as Lambda does with ReportBatchItemFailures.
    this.iterators.delete(shardId);
    if (!page.NextShardIterator) this.finished.delete(shardId);
    return 'failed';
  }
}

/** GetRecords' records as Lambda hands them to the function. */
export function lambdaEvent(records: readonly _Record[]): DynamoDBStreamEvent {
  return {
    Records: records.map((r) => ({
      eventID: r.eventID,
      eventName: r.eventName,
      eventVersion: r.eventVersion,
      eventSource: 'aws:dynamodb',
      awsRegion: r.awsRegion,
      // Who removed an item: DynamoDB's TTL names itself (R9 tombstones, functions/publish-events.ts).
      ...(r.userIdentity
        ? { userIdentity: { type: r.userIdentity.Type, principalId: r.userIdentity.PrincipalId } }
        : {}),
      dynamodb: {
        Keys: r.dynamodb?.Keys,
        NewImage: r.dynamodb?.NewImage,
        OldImage: r.dynamodb?.OldImage,
        SequenceNumber: r.dynamodb?.SequenceNumber,
        SizeBytes: r.dynamodb?.SizeBytes,
        StreamViewType: r.dynamodb?.StreamViewType,
        ApproximateCreationDateTime:
          r.dynamodb?.ApproximateCreationDateTime && r.dynamodb.ApproximateCreationDateTime.getTime() / 1000,
      },
    })) as DynamoDBStreamEvent['Records'],
  };
}
