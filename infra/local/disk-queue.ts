import { mkdirSync, readdirSync } from 'node:fs';
import { readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SQSRecord } from 'aws-lambda';
import { lambdaContext } from './lambda-context';
import type { SqsHandler } from './local-queue';

/**
 * A durable queue on this machine, for the objection queue (R7): the messages are the files
 * `DiskObjectionQueue` writes into one folder under the data directory, so a restart of
 * `npm start` loses none of them. Same contract as SQS for the consumer: batches of up to
 * 10, a message reported as a batch item failure comes back after `retryDelayMs` (SQS's
 * visibility timeout), and goes to `dead/` after `maxReceiveCount` receives. A message is
 * deleted only once the handler has applied it.
 */
export interface DiskQueueOptions {
  readonly batchSize?: number;
  readonly maxReceiveCount?: number;
  /** How often the folder is looked at. */
  readonly pollMs?: number;
  /** How long a failed message waits before it is delivered again. */
  readonly retryDelayMs?: number;
  /** The consuming entry point, for its Lambda context. */
  readonly entryId?: string;
}

export class DiskQueue {
  private readonly receives = new Map<string, number>();
  private readonly notBefore = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** Batch sizes as handed to the consumer, for tests and the local status page. */
  readonly batches: number[] = [];

  constructor(
    readonly dir: string,
    private readonly handler: () => Promise<SqsHandler>,
    private readonly options: DiskQueueOptions = {},
  ) {
    mkdirSync(join(dir, 'dead'), { recursive: true });
  }

  /** Starts polling; messages left by a previous run are delivered first. */
  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.options.pollMs ?? 200);
    void this.poll();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private files(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  }

  /** Messages not yet applied (including those waiting for a redelivery). */
  get depth(): number {
    return this.files().length;
  }

  get deadLetters(): string[] {
    return readdirSync(join(this.dir, 'dead')).filter((f) => f.endsWith('.json'));
  }

  private poll(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves when the queue is empty (every message applied or dead-lettered), or rejects after `timeoutMs`. */
  async drained(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.depth > 0) {
      if (Date.now() > until) throw new Error(`objection queue not drained: ${this.depth} left`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.running;
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 10;
    const maxReceive = this.options.maxReceiveCount ?? 1000;
    for (;;) {
      const now = Date.now();
      const due = this.files().filter((f) => (this.notBefore.get(f) ?? 0) <= now);
      if (due.length === 0) return;
      const handler = await this.handler();
      for (let i = 0; i < due.length; i += batchSize) {
        const batch = due.slice(i, i + batchSize);
        const records: SQSRecord[] = [];
        const fileOf = new Map<string, string>();
        for (const file of batch) {
          const { messageId, body } = JSON.parse(await readFile(join(this.dir, file), 'utf8')) as {
            messageId: string;
            body: string;
          };
          const count = (this.receives.get(file) ?? 0) + 1;
          this.receives.set(file, count);
          fileOf.set(messageId, file);
          records.push(toRecord(messageId, body, count));
        }
        this.batches.push(records.length);
        let failed: Set<string>;
        try {
          const response = await handler(
            { Records: records },
            lambdaContext(this.options.entryId ?? 'ApplyObjections'),
          );
          failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        } catch {
          failed = new Set(records.map((r) => r.messageId));
        }
        for (const [messageId, file] of fileOf) {
          if (!failed.has(messageId)) {
            await unlink(join(this.dir, file));
            this.receives.delete(file);
            this.notBefore.delete(file);
          } else if ((this.receives.get(file) ?? 0) >= maxReceive) {
            await rename(join(this.dir, file), join(this.dir, 'dead', file));
            this.receives.delete(file);
            this.notBefore.delete(file);
          } else {
            this.notBefore.set(file, Date.now() + (this.options.retryDelayMs ?? 500));
          }
        }
      }
    }
  }
}

function toRecord(messageId: string, body: string, receiveCount: number): SQSRecord {
  const now = String(Date.now());
  return {
    messageId,
    receiptHandle: messageId,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: now,
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:consent-gate-objections',
    awsRegion: process.env.AWS_REGION ?? 'eu-west-3',
  };
}
