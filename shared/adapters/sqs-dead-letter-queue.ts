import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterQueue } from '../ports/dead-letter-queue';

/**
 * A dead-letter queue in AWS. A received message is hidden for `visibilitySeconds`: long
 * enough to redeliver it; one that failed comes back after that for the next run.
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly visibilitySeconds = 120,
  ) {}

  async receive(max: number): Promise<DeadLetter[]> {
    const { Messages = [] } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
        VisibilityTimeout: this.visibilitySeconds,
        // Short polling would miss messages held by other SQS hosts: wait a little.
        WaitTimeSeconds: 2,
      }),
    );
    return Messages.flatMap((m) =>
      m.MessageId && m.ReceiptHandle
        ? [{ id: m.MessageId, handle: m.ReceiptHandle, body: m.Body ?? '' }]
        : [],
    );
  }

  async delete(letter: DeadLetter): Promise<void> {
    await this.client.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: letter.handle }),
    );
  }
}
