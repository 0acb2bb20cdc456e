import type { Command } from 'commander';
import { CliError } from '../errors';
import { positiveInt } from '../options';

/** Redrives the table stream consumer's on-failure queue (scripts/redrive-events.ts says how). */
export function register(program: Command): void {
  program
    .command('redrive-events')
    .description(
      'publish again the stream batches PublishEvents left in its on-failure queue (events out to CRMs)',
    )
    .requiredOption('--queue-url <url>', 'EventStreamDeadLetterQueueUrl (stack output)')
    .requiredOption('--event-bus-name <name>', 'EventBusName (stack output)')
    .option('--max <n>', 'stop after this many messages', positiveInt, 1000)
    .addHelpText(
      'after',
      '\nExample:\n  npx consent-gate redrive-events --queue-url <EventStreamDeadLetterQueueUrl> --event-bus-name <EventBusName>',
    )
    .action(async (opts: { queueUrl: string; eventBusName: string; max: number }) => {
      const [
        { redriveEventBatches },
        { createStreamHandler },
        { EventBridgePublisher },
        { EventBridgeClient },
        { DynamoDBStreamsClient },
        { SQSClient },
        { SqsDeadLetterQueue },
      ] = await Promise.all([
        import('../../scripts/redrive-events'),
        import('../../functions/publish-events'),
        import('../../shared/adapters/eventbridge-publisher'),
        import('@aws-sdk/client-eventbridge'),
        import('@aws-sdk/client-dynamodb-streams'),
        import('@aws-sdk/client-sqs'),
        import('../../shared/adapters/sqs-dead-letter-queue'),
      ]);
      const publisher = new EventBridgePublisher(new EventBridgeClient({}), opts.eventBusName);
      const report = await redriveEventBatches({
        queue: new SqsDeadLetterQueue(new SQSClient({}), opts.queueUrl),
        streams: new DynamoDBStreamsClient({}),
        handler: createStreamHandler(() => publisher),
        maxMessages: opts.max,
      });
      console.log(JSON.stringify(report, null, 2));
      if (report.kept > 0)
        throw new CliError(
          `${report.kept} message(s) kept in the queue: see "problems", fix the cause and run again.`,
        );
    });
}
