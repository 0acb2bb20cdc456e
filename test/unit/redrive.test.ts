import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { invokeFunction } from '../../scripts/redrive';
import { SqsDeadLetterQueue } from '../../shared/adapters/sqs-dead-letter-queue';
import { snsEventOfDeadLetter, UnreadableDeadLetterError } from '../../shared/schemas/dead-letter';

/** The AWS side of the redrive, against fakes of the SDK clients (no SQS or Lambda offline). */
function fakeClient<T>(answer: (command: unknown) => unknown): { client: T; sent: unknown[] } {
  const sent: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      sent.push(command);
      return answer(command);
    },
  } as unknown as T;
  return { client, sent };
}

describe('SqsDeadLetterQueue', () => {
  it('receives at most 10 with a visibility timeout, and deletes by receipt handle', async () => {
    const { client, sent } = fakeClient<SQSClient>((c) =>
      c instanceof ReceiveMessageCommand
        ? { Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: '{}' }, { Body: 'no id' }] }
        : {},
    );
    const queue = new SqsDeadLetterQueue(client, 'https://sqs/q', 90);
    const letters = await queue.receive(50);
    expect(letters).toEqual([{ id: 'm1', handle: 'r1', body: '{}' }]);
    await queue.delete(letters[0]!);
    const [receive, remove] = sent as [ReceiveMessageCommand, DeleteMessageCommand];
    expect(receive.input).toMatchObject({
      QueueUrl: 'https://sqs/q',
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 90,
    });
    expect(remove).toBeInstanceOf(DeleteMessageCommand);
    expect(remove.input).toEqual({ QueueUrl: 'https://sqs/q', ReceiptHandle: 'r1' });
  });
});

describe('invokeFunction', () => {
  const event = { Records: [] };
  it('invokes the function synchronously with the SNS event', async () => {
    const { client, sent } = fakeClient<LambdaClient>(() => ({ StatusCode: 200 }));
    await invokeFunction(client, 'Gateway-SmsInbound')(event);
    const [invoke] = sent as [InvokeCommand];
    expect(invoke).toBeInstanceOf(InvokeCommand);
    expect(invoke.input.InvocationType).toBe('RequestResponse');
    expect(JSON.parse(new TextDecoder().decode(invoke.input.Payload as Uint8Array))).toEqual(event);
  });
  it('fails when the function failed (200 with FunctionError), so the message is kept', async () => {
    const { client } = fakeClient<LambdaClient>(() => ({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: new TextEncoder().encode('{"errorType":"StoreUnavailableError"}'),
    }));
    await expect(invokeFunction(client, 'Gateway-SmsInbound')(event)).rejects.toThrow(
      /StoreUnavailableError/,
    );
  });
});

describe('dead letters in both shapes', () => {
  it('refuses what is neither a Lambda on-failure record nor an SNS notification', () => {
    for (const body of [
      'not json',
      '{}',
      '{"requestPayload":{"Records":[]}}',
      '{"Type":"SubscriptionConfirmation"}',
    ]) {
      expect(() => snsEventOfDeadLetter(body), body).toThrow(UnreadableDeadLetterError);
    }
  });
  it('rebuilds the SNS record from an SNS dead letter', () => {
    const event = snsEventOfDeadLetter(
      JSON.stringify({
        Type: 'Notification',
        MessageId: 'sns-1',
        TopicArn: 'arn:aws:sns:eu-west-3:1:InboundSms',
        Message: '{"a":1}',
        Timestamp: '2026-11-30T10:00:00.000Z',
        SigningCertURL: 'https://cert',
      }),
    );
    expect(event.Records[0]).toMatchObject({
      EventSource: 'aws:sns',
      Sns: {
        MessageId: 'sns-1',
        Message: '{"a":1}',
        Timestamp: '2026-11-30T10:00:00.000Z',
        SigningCertUrl: 'https://cert',
      },
    });
  });
});
