import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runtimeDependencies } from '../../shared/http/runtime';
import { startLocalStack } from './local-stack';
import { DEMO_IDENTITY, DEMO_SENDER_ID, DEMO_SHORT_CODE, localDescription, seedDemo } from './seed';

/**
 * `npm start`: the gateway on this machine with embedded defaults. Ports come from
 * PORT (API, default 3000), SES_PORT (8005), SMS_PORT (8006) and DYNAMODB_PORT (8000); 0 picks a free
 * one. `.consent-gate/local.json` always holds the URLs actually in use and the keys.
 */
const dir = resolve(process.env.CONSENT_GATE_DIR ?? '.consent-gate');
const localFile = join(dir, 'local.json');

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be a port number (0-65535), not "${raw}"`);
    process.exit(2);
  }
  return value;
}

async function main() {
  const previous = existsSync(localFile)
    ? (JSON.parse(readFileSync(localFile, 'utf8')) as Record<string, string>)
    : {};
  const stack = await startLocalStack({
    dir,
    persist: true,
    host: process.env.HOST ?? '127.0.0.1',
    apiPort: port('PORT', 3000),
    sesPort: port('SES_PORT', 8005),
    dynamodbPort: port('DYNAMODB_PORT', 8000),
    smsPort: port('SMS_PORT', 8006),
    // The AWS schedule runs every 5 minutes; locally every 30 s (DEFERRED_SMS_INTERVAL_MS).
    deferredSmsEveryMs: Number(process.env.DEFERRED_SMS_INTERVAL_MS ?? 30_000),
    // R9: the retention re-plan, every 5 minutes on AWS; locally every 30 s too.
    retentionReplanEveryMs: Number(process.env.RETENTION_REPLAN_INTERVAL_MS ?? 30_000),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') {
      console.error(
        `A port is already in use (${error.message}). Choose others: PORT=3100 SES_PORT=8105 SMS_PORT=8106 DYNAMODB_PORT=8100 npm start`,
      );
      process.exit(1);
    }
    throw error;
  });
  const keys = await seedDemo(runtimeDependencies(), previous);
  const local = localDescription(stack, keys);
  writeFileSync(localFile, `${JSON.stringify(local, null, 2)}\n`, { mode: 0o600 });

  console.log(`
consent-gate is running locally.

  API            ${local.apiUrl}
  OpenAPI        ${local.openapiUrl}
  Events         ${local.eventsUrl}   (what EventBridge would receive; also logged here)
  Mail viewer    ${local.sesUrl}   (local SES: every email sent shows up here)
  SMS outbox     ${local.smsUrl}   (local End User Messaging: every SMS sent, and a reply form)
  DynamoDB       ${local.dynamodbUrl}   (data in ${join(dir, 'dynamodb')})
  Bulk queue     POST ${local.apiUrl}/local/bulk-queue/messages, status at GET ${local.apiUrl}/local/bulk-queue
  SES v2         ${local.apiUrl} as the SDK's endpoint, credentials from POST /v1/credentials

  Tenant         ${local.tenant}  (From identity: *@${DEMO_IDENTITY}; SMS senders ${DEMO_SHORT_CODE}, ${DEMO_SENDER_ID})
  Admin key      ${local.adminKey}
  Sender key     ${local.senderKey}

Written to ${localFile}. Stop with Ctrl-C.
`);

  const shutdown = async () => {
    await stack.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
