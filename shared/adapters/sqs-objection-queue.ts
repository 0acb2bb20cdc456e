import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type ObjectionQueue, ObjectionQueueUnavailableError } from '../ports/objection-queue';
import type { QueuedObjection } from '../schemas/queued-objection';

/** The objection queue in AWS: one SQS message per objection (SSE, TLS only; see infra/gateway.ts). */
export class SqsObjectionQueue implements ObjectionQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(objection: QueuedObjection): Promise<void> {
    try {
      await this.client.send(
        new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(objection) }),
      );
    } catch (error) {
      throw new ObjectionQueueUnavailableError(
        `SQS did not take the objection (${(error as Error).name || 'unknown error'})`,
        { cause: error },
      );
    }
  }
}
