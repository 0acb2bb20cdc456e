import type { Command } from 'commander';
import { ensurePrerequisites } from '../prerequisites';

export function register(program: Command): void {
  program
    .command('start')
    .description(
      'run the gateway on this machine (local DynamoDB, SES, SMS and the real handlers); npm start',
    )
    .addHelpText(
      'after',
      `
Environment (unchanged from npm start):
  PORT, SES_PORT, SMS_PORT, DYNAMODB_PORT  ports (defaults 3000, 8005, 8006, 8000; 0 picks a free one)
  SMTP_PORT, SMTP_TLS_PORT                 the SMTP relay: STARTTLS and implicit TLS (defaults 2587, 2465)
  HOST                                     the address to listen on (default 127.0.0.1)
  CONSENT_GATE_DIR                         the stack's folder (default .consent-gate): data, keys.json, local.json
  DEFERRED_SMS_INTERVAL_MS                 how often due deferred and scheduled messages go (default 30000)
  RETENTION_REPLAN_INTERVAL_MS             how often the retention re-plan runs (default 30000)`,
    )
    .action(async () => {
      ensurePrerequisites('start');
      const { startLocal, startOptionsFromEnv } = await import('../../infra/local/start');
      // The handlers are in place before the banner ("Stop with Ctrl-C") is printed: a signal
      // that follows it at once still stops the stack (its engine included) and exits 0.
      const started = startLocal(startOptionsFromEnv());
      const shutdown = async () => {
        await started.then(
          (stop) => stop(),
          () => undefined,
        );
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      await started;
    });
}
