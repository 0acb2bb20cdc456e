import type { Command } from 'commander';
import { CliError } from '../errors';
import { positiveInt } from '../options';

/** Redrives a feedback function's dead-letter queue (scripts/redrive.ts says how). */
export function register(program: Command): void {
  program
    .command('redrive')
    .description(
      'deliver again what a feedback function (SmsInbound, SesFeedback) left in its dead-letter queue',
    )
    .requiredOption(
      '--queue-url <url>',
      'InboundSmsDeadLetterQueueUrl or SesFeedbackDeadLetterQueueUrl (stack outputs)',
    )
    .requiredOption('--function-name <name>', '<stack>-SmsInbound or <stack>-SesFeedback')
    .option('--max <n>', 'stop after this many messages', positiveInt, 1000)
    .addHelpText(
      'after',
      '\nExample:\n  npx consent-gate redrive --queue-url <SesFeedbackDeadLetterQueueUrl> --function-name <stack>-SesFeedback',
    )
    .action(async (opts: { queueUrl: string; functionName: string; max: number }) => {
      const [{ redrive, invokeFunction }, { SQSClient }, { LambdaClient }, { SqsDeadLetterQueue }] =
        await Promise.all([
          import('../../scripts/redrive'),
          import('@aws-sdk/client-sqs'),
          import('@aws-sdk/client-lambda'),
          import('../../shared/adapters/sqs-dead-letter-queue'),
        ]);
      const report = await redrive({
        queue: new SqsDeadLetterQueue(new SQSClient({}), opts.queueUrl),
        deliver: invokeFunction(new LambdaClient({}), opts.functionName),
        maxMessages: opts.max,
      });
      console.log(JSON.stringify(report, null, 2));
      if (report.failed > 0 || report.unreadable > 0) {
        throw new CliError(
          `${report.failed + report.unreadable} message(s) kept in the queue: see "problems", fix the cause and run again.`,
        );
      }
    });
}
