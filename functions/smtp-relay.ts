import { pathToFileURL } from 'node:url';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadTlsCertificate } from '../shared/adapters/tls-certificate-secret';
import { ConfigurationError, ENV, optionalEnv, requireEnv, senderConfigurationSets } from '../shared/config';
import { keyRateLimit, requestCounter } from '../shared/http/api-handler';
import { logger, runtimeDependencies, wire } from '../shared/http/runtime';
import { kms, s3, secretsManager, ses, table } from '../shared/http/wiring';
import { MAX_SES_RAW_MESSAGE_BYTES } from '../shared/schemas/ses';
import { type SmtpRelay, type SmtpRelayOptions, startSmtpRelay as startRelay } from '../shared/smtp/relay';

/**
 * The SMTP submission relay: a long-running Node process (an ECS Fargate task behind a Network
 * Load Balancer; locally, part of `npm start`), not a Lambda handler. Campaign tools, CMSs and
 * CRMs that send by SMTP log in with a sender credential and every message goes through the
 * SES endpoint's gate (shared/services/smtp-submission.ts, sendSesEmail).
 *
 * Health: a plain TCP connect on SMTP_PORT is enough for the NLB's health check (the relay
 * greets and the check closes; nothing is logged as an error for it).
 */

// The SDK clients the SES endpoint's `needs` grant (infra/entry-points.ts `smtpRelay`), and no others.
wire(table, secretsManager, ses, kms, s3);

export type { SmtpRelay };

/** Starts both listeners with this process's dependencies unless told otherwise (tests, the local stack). */
export function startSmtpRelay(
  options: Omit<SmtpRelayOptions, 'deps' | 'log' | 'settings' | 'region'> &
    Partial<Pick<SmtpRelayOptions, 'deps' | 'log' | 'settings' | 'region'>>,
): Promise<SmtpRelay> {
  return startRelay({
    deps: runtimeDependencies,
    settings: () => ({ allowedConfigurationSets: senderConfigurationSets() }),
    region: options.region ?? requireEnv(ENV.gatewayRegion),
    // The SES endpoint's per-key limit (KEY_RATE_LIMIT), one count per message.
    keyLimit: { limit: keyRateLimit, counter: requestCounter },
    log: {
      info: (message, data) => logger.info(message, data ?? {}),
      warn: (message, data) => logger.warn(message, data ?? {}),
      error: (message, data) => logger.error(message, data ?? {}),
    },
    ...options,
  });
}

function portOf(name: string, fallback: number): number {
  const raw = optionalEnv(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new ConfigurationError(
      `Environment variable ${name} must be a port number (0-65535), not "${raw}"`,
    );
  return value;
}

function maxBytes(): number {
  const raw = optionalEnv(ENV.smtpMaxMessageBytes);
  if (raw === undefined) return MAX_SES_RAW_MESSAGE_BYTES;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigurationError(
      `Environment variable ${ENV.smtpMaxMessageBytes} must be a positive integer`,
    );
  return value;
}

/** The container's process: the certificate from Secrets Manager, both ports, stop on SIGTERM (ECS). */
export async function main(): Promise<void> {
  const certificate = await loadTlsCertificate(
    new SecretsManagerClient({}),
    requireEnv(ENV.smtpTlsCertSecretArn),
  );
  // Built now: a missing TABLE_NAME or key secret stops the task at start, not at the first message.
  runtimeDependencies();
  const relay = await startSmtpRelay({
    host: '0.0.0.0',
    port: portOf(ENV.smtpPort, 587),
    tlsPort: portOf(ENV.smtpTlsPort, 465),
    maxMessageBytes: maxBytes(),
    key: certificate.key,
    cert: certificate.cert,
  });
  logger.info('smtp relay listening', { port: relay.port, tlsPort: relay.tlsPort });
  process.on('unhandledRejection', (reason) => {
    logger.error('smtp relay: unhandled rejection', { error: (reason as Error)?.name });
  });
  process.once('SIGTERM', () => {
    logger.info('smtp relay stopping');
    relay.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

/**
 * Main when the container says so (SMTP_RELAY_MAIN=1: esbuild's ESM bundle may be loaded by a
 * wrapper) or when this file is node's entry script; never when imported (tests, local stack).
 */
const isMain =
  optionalEnv(ENV.smtpRelayMain) === '1' ||
  (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href);
if (isMain) {
  main().catch((error: unknown) => {
    logger.error('smtp relay did not start', {
      error: (error as Error)?.name,
      errorMessage: (error as Error)?.message,
      cause: ((error as Error)?.cause as Error | undefined)?.name,
    });
    process.exit(1);
  });
}
