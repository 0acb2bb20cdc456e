import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from './lambda-context';

/**
 * The bulk queue on this machine: an in-process stand-in for SQS with the same contract
 * the deployed queue has (batches of up to 10, partial batch failures delivered again,
 * dead-lettered after `maxReceiveCount` receives), invoking the real consumer handler.
 */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

interface Pending {
  readonly messageId: string;
  readonly body: string;
  readonly authorization?: string;
  receiveCount: number;
}

export interface LocalQueueOptions {
  readonly batchSize?: number;
  /** Same as the deployed queue's redrive policy. */
  readonly maxReceiveCount?: number;
  /** How long a batch waits to fill up, like SQS's batching window. */
  readonly batchWindowMs?: number;
}

export class LocalQueue {
  private readonly pending: Pending[] = [];
  readonly deadLetters: Pending[] = [];
  /** Batch sizes as handed to the consumer, for tests and the local status page. */
  readonly batches: number[] = [];
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly handler: () => Promise<SqsHandler>,
    private readonly options: LocalQueueOptions = {},
  ) {}

  send(body: string, authorization?: string): string {
    const messageId = randomUUID();
    this.pending.push({ messageId, body, authorization, receiveCount: 0 });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, this.options.batchWindowMs ?? 20);
    return messageId;
  }

  get depth(): number {
    return this.pending.length;
  }

  /** Delivers until the queue is empty (failed messages go back, then to the dead-letter list). */
  drain(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    const handler = await this.handler();
    const maxReceive = this.options.maxReceiveCount ?? 3;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.batchSize ?? 10);
      for (const m of batch) m.receiveCount++;
      this.batches.push(batch.length);
      let failed: Set<string>;
      try {
        const response = await handler({ Records: batch.map(toRecord) }, lambdaContext('BulkSend'));
        failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      } catch {
        // The whole invocation failed (Powertools throws when every record failed).
        failed = new Set(batch.map((m) => m.messageId));
      }
      for (const m of batch) {
        if (!failed.has(m.messageId)) continue;
        if (m.receiveCount >= maxReceive) this.deadLetters.push(m);
        else this.pending.push(m);
      }
    }
  }
}

function toRecord(m: Pending): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: m.messageId,
    receiptHandle: m.messageId,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: now,
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes:
      m.authorization === undefined
        ? {}
        : {
            Authorization: {
              stringValue: m.authorization,
              dataType: 'String',
              stringListValues: [],
              binaryListValues: [],
            },
          },
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:consent-gate-bulk',
    awsRegion: process.env.AWS_REGION ?? 'eu-west-3',
  };
}
