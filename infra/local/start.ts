import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ENV } from '../../shared/config';
import { runtimeDependencies } from '../../shared/http/runtime';
import { DYNAMODB_DATA, startLocalStack } from './local-stack';
import { DEMO_IDENTITY, DEMO_SENDER_ID, DEMO_SHORT_CODE, localDescription, seedDemo } from './seed';
import { acquireStackLock } from './stack-lock';

/**
 * `npm start` (`consent-gate start`): the gateway on this machine with embedded defaults.
 * Ports come from PORT (API, default 3000), SES_PORT (8005), SMS_PORT (8006) and
 * DYNAMODB_PORT (8000); 0 picks a free one. `.consent-gate/local.json` always holds the
 * URLs actually in use and the keys.
 */
export interface StartOptions {
  readonly dir: string;
  readonly host: string;
  readonly apiPort: number;
  readonly sesPort: number;
  readonly smsPort: number;
  readonly dynamodbPort: number;
  /** The AWS schedule runs every 5 minutes; locally every 30 s (DEFERRED_SMS_INTERVAL_MS). */
  readonly deferredEveryMs: number;
  /** R9: the retention re-plan, every 5 minutes on AWS; locally every 30 s (RETENTION_REPLAN_INTERVAL_MS). */
  readonly retentionReplanEveryMs: number;
}

/** A start that cannot go on, said in one sentence with its fix (the CLI shows it as it is). */
export class StartError extends Error {
  override name = 'StartError';
}

/** The options from the environment, as `npm start` has always read them. */
export function startOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): StartOptions {
  const port = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65535)
      throw new StartError(`${name} must be a port number (0-65535), not "${raw}".`);
    return value;
  };
  return {
    dir: resolve(env.CONSENT_GATE_DIR ?? '.consent-gate'),
    host: env.HOST ?? '127.0.0.1',
    apiPort: port('PORT', 3000),
    sesPort: port('SES_PORT', 8005),
    dynamodbPort: port('DYNAMODB_PORT', 8000),
    smsPort: port('SMS_PORT', 8006),
    deferredEveryMs: Number(env.DEFERRED_SMS_INTERVAL_MS ?? 30_000),
    retentionReplanEveryMs: Number(env.RETENTION_REPLAN_INTERVAL_MS ?? 30_000),
  };
}

/** Starts the stack, seeds the demo tenant, writes local.json, prints the URLs; resolves to a stop function. */
export async function startLocal(options: StartOptions): Promise<() => Promise<void>> {
  const { dir } = options;
  const localFile = join(dir, 'local.json');
  mkdirSync(dir, { recursive: true });
  const lock = acquireStackLock(dir, (message) => console.log(message));
  const previous = existsSync(localFile)
    ? (JSON.parse(readFileSync(localFile, 'utf8')) as Record<string, string>)
    : {};
  // dynalite (the engine before DynamoDB Local) kept LevelDB files here, which DynamoDB Local cannot read.
  if (existsSync(join(dir, 'dynamodb')))
    console.log(
      `${join(dir, 'dynamodb')} holds data of the previous local engine (dynalite), not read by DynamoDB Local: the demo tenant is seeded again in ${join(dir, DYNAMODB_DATA)}; delete the old folder when you no longer need it.`,
    );
  const stack = await startLocalStack({
    dir,
    persist: true,
    host: options.host,
    apiPort: options.apiPort,
    sesPort: options.sesPort,
    dynamodbPort: options.dynamodbPort,
    smsPort: options.smsPort,
    deferredSmsEveryMs: options.deferredEveryMs,
    retentionReplanEveryMs: options.retentionReplanEveryMs,
    // R10 / RFC 2369: `UNSUBSCRIBE_MAIL_DOMAIN=unsubscribe.localhost npm start` adds the mailto: address.
    unsubscribeMailDomain: process.env[ENV.unsubscribeMailDomain] || undefined,
  }).catch((error: NodeJS.ErrnoException) => {
    lock.release();
    if (error.code === 'EADDRINUSE') {
      throw new StartError(
        `A port is already in use (${error.message}): choose others, e.g. PORT=3100 SES_PORT=8105 SMS_PORT=8106 DYNAMODB_PORT=8100 npm start.`,
      );
    }
    throw error;
  });
  const keys = await seedDemo(runtimeDependencies(), previous);
  const local = localDescription(stack, keys);
  writeFileSync(localFile, `${JSON.stringify(local, null, 2)}\n`, { mode: 0o600 });
  lock.update(local.apiUrl);

  console.log(`
consent-gate is running locally.

  Start here     ${local.apiUrl}/   (links to everything below)
  API            ${local.apiUrl}
  OpenAPI        ${local.openapiUrl}
  Events         ${local.eventsUrl}   (what EventBridge would receive; also logged here)
  Mail viewer    ${local.sesUrl}   (local SES: every email sent shows up here)
  Outbox         ${local.apiUrl}/local/outbox   (each email as handed to SES: headers, parts, raw source)
  SMS outbox     ${local.smsUrl}   (local End User Messaging: every SMS sent, and a reply form)
  DynamoDB       ${local.dynamodbUrl}   (DynamoDB Local ${stack.dynamodbEngine?.version ?? ''}, pid ${stack.dynamodbEngine?.pid}, data in ${join(dir, DYNAMODB_DATA)})
  Bulk queue     POST ${local.apiUrl}/local/bulk-queue/messages, status at GET ${local.apiUrl}/local/bulk-queue
  SES v2         ${local.apiUrl} as the SDK's endpoint, credentials from POST /v1/credentials
  Console        ${local.consoleUrl}   (compliance console: sign in with the admin or the compliance key)

  Tenant         ${local.tenant}  (From identity: *@${DEMO_IDENTITY}; SMS senders ${DEMO_SHORT_CODE}, ${DEMO_SENDER_ID})
  Admin key      ${local.adminKey}
  Sender key     ${local.senderKey}
  Compliance key ${local.complianceKey}   (reads only: the console, the GET routes)
  Operator key   ${local.operatorKey}   (creates tenants, assigns identities: /v1/operator/…)

Written to ${localFile}. Stop with Ctrl-C.
`);

  return async () => {
    await stack.stop();
    lock.release();
  };
}
