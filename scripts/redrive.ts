import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { SNSEvent } from 'aws-lambda';
import type { DeadLetterQueue } from '../shared/ports/dead-letter-queue';
import { snsEventOfDeadLetter, UnreadableDeadLetterError } from '../shared/schemas/dead-letter';

/**
 * Redrives a feedback function's dead-letter queue (no lost feedback): every message
 * (a Lambda on-failure record or an SNS dead letter: shared/schemas/dead-letter.ts) is turned
 * back into the SNS event the function missed and delivered again; it is deleted only once that
 * delivery succeeded. A message that fails again stays (SQS shows it again after its visibility
 * timeout, for the next run); one that cannot be read stays too, for a person. Delivering twice
 * is safe: the functions derive every id from the source event (SES feedback id, inbound SMS id).
 *
 *   npx consent-gate redrive --queue-url <InboundSmsDeadLetterQueueUrl> --function-name <stack>-SmsInbound
 *   npx consent-gate redrive --queue-url <SesFeedbackDeadLetterQueueUrl> --function-name <stack>-SesFeedback
 */
export interface RedriveReport {
  /** Messages read from the queue. */
  readonly received: number;
  /** Delivered again and deleted. */
  readonly redriven: number;
  /** Delivered again, failed again: kept in the queue. */
  readonly failed: number;
  /** Neither shape of dead letter: kept in the queue, never delivered. */
  readonly unreadable: number;
  readonly problems: readonly { readonly messageId: string; readonly error: string }[];
}

export interface RedriveOptions {
  readonly queue: DeadLetterQueue;
  /** Delivers the event to the function's logic; throws when it was not recorded. */
  readonly deliver: (event: SNSEvent) => Promise<void>;
  /** Stops after this many messages (default 1,000). */
  readonly maxMessages?: number;
}

export async function redrive(options: RedriveOptions): Promise<RedriveReport> {
  const max = options.maxMessages ?? 1_000;
  let received = 0;
  let redriven = 0;
  let failed = 0;
  let unreadable = 0;
  const problems: { messageId: string; error: string }[] = [];
  while (received < max) {
    const letters = await options.queue.receive(Math.min(10, max - received));
    if (letters.length === 0) break;
    received += letters.length;
    for (const letter of letters) {
      let event: SNSEvent;
      try {
        event = snsEventOfDeadLetter(letter.body);
      } catch (error) {
        if (!(error instanceof UnreadableDeadLetterError)) throw error;
        unreadable++;
        problems.push({ messageId: letter.id, error: `unreadable: ${error.message}` });
        continue;
      }
      try {
        await options.deliver(event);
      } catch (error) {
        failed++;
        problems.push({
          messageId: letter.id,
          error: `${(error as Error).name}: ${(error as Error).message}`,
        });
        continue;
      }
      // Only now: the event is recorded (or was already: the delivery is idempotent).
      await options.queue.delete(letter);
      redriven++;
    }
  }
  return { received, redriven, failed, unreadable, problems };
}

/**
 * Delivers through the deployed function itself (synchronous invocation): its own role,
 * configuration and code version, its logs in its log group.
 */
export function invokeFunction(client: LambdaClient, functionName: string): RedriveOptions['deliver'] {
  return async (event) => {
    const answer = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    if (answer.FunctionError) {
      const payload = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
      throw new Error(`${functionName} failed (${answer.FunctionError}): ${payload.slice(0, 500)}`);
    }
  };
}
