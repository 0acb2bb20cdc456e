import { Logger } from '@aws-lambda-powertools/logger';
import { DiskObjectionQueue } from '../adapters/disk-objection-queue';
import { DiskPendingObjections } from '../adapters/disk-pending-objections';
import type { KmsCredentialSecrets } from '../adapters/key-rings';
import { StaticKeyRing } from '../adapters/key-rings';
import { LocalFeedbackForwarder } from '../adapters/local-feedback-forwarder';
import { localEventBus } from '../adapters/memory-event-publisher';
import { withTenantCache } from '../adapters/tenant-cache';
import { ConfigurationError, ENV, legalFloors, optionalEnv, requireEnv } from '../config';
import { cognitoIssuer } from '../domain/console-user';
import { systemClock } from '../ports/clock';
import type { ConsoleUserDirectory, UserPoolConfig } from '../ports/console-user-directory';
import type { EmailSender } from '../ports/email-sender';
import type { EventPublisher } from '../ports/event-publisher';
import type { FeedbackForwarder } from '../ports/feedback-forwarder';
import type { IdempotencyStore } from '../ports/idempotency-store';
import type { KeyRing } from '../ports/key-ring';
import { type ObjectionQueue, ObjectionQueueUnavailableError } from '../ports/objection-queue';
import { type PendingObjections, PendingObjectionsUnavailableError } from '../ports/pending-objections';
import type { SmsSender } from '../ports/sms-sender';
import type { Stores } from '../ports/stores';
import type { Dependencies } from '../services/dependencies';

/**
 * Composition root: real adapters from the environment, built once per execution
 * environment on first use (so that a function that needs no store never reads
 * TABLE_NAME). Endpoints for the local runner come from the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> variables: no code path differs locally.
 */
export const logger = new Logger({ serviceName: 'consent-gate' });

// Short timeouts: a decision waits for the store, and failing closed fast beats hanging.
// throwOnRequestTimeout: without it the SDK only logs a warning when requestTimeout passes
// and keeps waiting, so a store that accepts connections but never answers held a request
// until the function's own timeout (found by test/reliability/fail-closed.test.ts).
export const requestHandler = {
  connectionTimeout: 1_000,
  requestTimeout: 3_000,
  throwOnRequestTimeout: true,
};

/**
 * How a function reaches the AWS services it calls: one entry per SDK client, each built from
 * the environment the construct wrote with the grant. Each entry point wires only what its
 * `needs` in infra/entry-points.ts grants (`wire(...)` beside its handler, from ./wiring), so
 * esbuild leaves every other SDK package out of its bundle and its cold start does not pay for
 * them; the local runner and the tests wire them all (./wiring's `allWiring`).
 */
export interface Wiring {
  /** DynamoDB: every store port and the idempotency records, on TABLE_NAME. */
  readonly table?: (tableName: string) => Stores & { readonly idempotency: IdempotencyStore };
  readonly email?: (configurationSet: string | undefined) => EmailSender;
  readonly sms?: (configurationSet: string | undefined) => SmsSender;
  readonly eventBus?: (busName: string) => EventPublisher;
  /** SNS and EventBridge: the tenants' own SES feedback, to their destination (or the gateway's bus). */
  readonly feedbackForwarder?: (gatewayBusName: string | undefined) => FeedbackForwarder;
  readonly objectionQueue?: (queueUrl: string) => ObjectionQueue;
  readonly pendingObjections?: (bucket: string) => PendingObjections;
  /** Secrets Manager: the recipient hash key and the unsubscribe token keys. */
  readonly keyRing?: (
    hashKeySecretArn: string,
    tokenKeysSecretArn: string,
    credentialSecrets: KmsCredentialSecrets | undefined,
  ) => KeyRing;
  /** KMS: credential secrets sealed (Admin) or opened (SesSendEmail). */
  readonly credentialSecrets?: (keyArn: string) => KmsCredentialSecrets;
  /** Cognito: the console's user pool (Console only). */
  readonly consoleUsers?: (config: UserPoolConfig) => ConsoleUserDirectory;
}

let wiring: Wiring = {};
let dependencies: Dependencies | undefined;
/** Whether `dependencies` came from the wiring (and may be rebuilt) or from setDependencies. */
let fromWiring = false;

/** The entry point's SDK wiring; several calls add up (the local runner imports every entry point). */
export function wire(...parts: readonly Wiring[]): void {
  const next = Object.assign({}, wiring, ...parts) as Wiring;
  const added = (Object.keys(next) as (keyof Wiring)[]).some((k) => next[k] !== wiring[k]);
  wiring = next;
  // Built before this part was wired: built again on next use, with it.
  if (added && fromWiring) dependencies = undefined;
}

/** A port this function was not wired for: every call refuses, as a missing grant would. */
function notWired<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: (_target, property) =>
      property === 'then'
        ? undefined
        : () => Promise.reject(new ConfigurationError(`this function may not use ${what} (not wired)`)),
  });
}

/** Built where the function is wired for it, else refused: its `needs` did not grant it. */
function wired<K extends keyof Wiring>(key: K, what: string): NonNullable<Wiring[K]> {
  const factory = wiring[key];
  if (factory === undefined) throw new ConfigurationError(`this function may not use ${what} (not wired)`);
  return factory;
}

/**
 * EventBridge where the construct granted events:PutEvents (it writes EVENT_BUS_NAME with
 * the grant), the in-process bus in the local runner, and otherwise a publisher that
 * refuses: a function without the grant must not believe it published.
 */
export function eventPublisher(): EventPublisher {
  const bus = optionalEnv(ENV.eventBusName);
  if (bus) return wired('eventBus', 'EventBridge')(bus);
  if (optionalEnv(ENV.localEvents) === 'memory') return localEventBus;
  return {
    publish: (events) =>
      events.length === 0
        ? Promise.resolve()
        : Promise.reject(
            new ConfigurationError(`${ENV.eventBusName} is not set: this function may not publish`),
          ),
  };
}

/**
 * The tenants' own SES feedback: the in-process bus in the local runner (shown at
 * /local/events), SNS and EventBridge where the function is wired for them (SesFeedback),
 * and otherwise absent: no other function forwards feedback.
 */
function feedbackForwarder(): FeedbackForwarder | undefined {
  if (optionalEnv(ENV.localEvents) === 'memory') return new LocalFeedbackForwarder(localEventBus);
  return wiring.feedbackForwarder?.(optionalEnv(ENV.feedbackBusName));
}

/**
 * SQS where the construct granted sqs:SendMessage (it writes OBJECTION_QUEUE_URL with the
 * grant), the disk-backed queue in the local runner, and otherwise a queue that refuses: a
 * function without the grant must not tell a person their objection is queued.
 */
function objectionQueue(): ObjectionQueue {
  const url = optionalEnv(ENV.objectionQueueUrl);
  if (url) return wired('objectionQueue', 'SQS')(url);
  const dir = optionalEnv(ENV.localObjectionQueueDir);
  if (dir) return new DiskObjectionQueue(dir);
  return {
    enqueue: () =>
      Promise.reject(
        new ObjectionQueueUnavailableError(
          `${ENV.objectionQueueUrl} is not set: this function may not queue`,
        ),
      ),
  };
}

/**
 * S3 where the construct granted access (it writes PENDING_OBJECTIONS_BUCKET with the grant),
 * files in the local runner, and otherwise pending objections that cannot be read: a function
 * without the grant that decides a send fails closed rather than decide without knowing (R7).
 */
function pendingObjections(): PendingObjections {
  const bucket = optionalEnv(ENV.pendingObjectionsBucket);
  if (bucket) return wired('pendingObjections', 'S3')(bucket);
  const dir = optionalEnv(ENV.localPendingObjectionsDir);
  if (dir) return new DiskPendingObjections(dir);
  const refuse = () =>
    Promise.reject(
      new PendingObjectionsUnavailableError(
        `${ENV.pendingObjectionsBucket} is not set: this function may not read or write pending objections`,
      ),
    );
  return { add: refuse, list: refuse, remove: refuse };
}

/** KMS for SES credential secrets where the construct wrote the key (Admin seals, SesSendEmail opens). */
function credentialSecrets(): KmsCredentialSecrets | undefined {
  const keyArn = optionalEnv(ENV.credentialKeyArn);
  return keyArn === undefined ? undefined : wired('credentialSecrets', 'KMS')(keyArn);
}

/**
 * The static ring of the local runner, Secrets Manager where the function needs the keys
 * (the construct writes both secret ARNs with the grant: missing, a ConfigurationError), and
 * otherwise a ring that refuses: a function without `keys` (CancelMessage) still starts.
 */
function keyRing(): KeyRing {
  const json = optionalEnv(ENV.keyRingJson);
  if (json) return new StaticKeyRing(json);
  if (wiring.keyRing === undefined) return notWired<KeyRing>('the keys (Secrets Manager)');
  return wiring.keyRing(
    requireEnv(ENV.hashKeySecretArn),
    requireEnv(ENV.tokenKeysSecretArn),
    credentialSecrets(),
  );
}

/**
 * The console's user pool where the construct wrote it (with the cognito-idp grant), else
 * none: the console then signs in with keys only.
 */
function consoleUsers(): ConsoleUserDirectory | undefined {
  const userPoolId = optionalEnv(ENV.consoleUserPoolId);
  if (userPoolId === undefined) return undefined;
  const issuer = optionalEnv(ENV.consoleUserPoolIssuer) ?? cognitoIssuer(userPoolId);
  return wired(
    'consoleUsers',
    'the user pool (Cognito)',
  )({
    userPoolId,
    clientId: requireEnv(ENV.consoleUserPoolClientId),
    issuer,
    jwksUri: optionalEnv(ENV.consoleUserPoolJwksUri) ?? `${issuer}/.well-known/jwks.json`,
  });
}

export function runtimeDependencies(): Dependencies {
  if (dependencies === undefined) {
    const { idempotency, ...stores } = wired('table', 'the table')(requireEnv(ENV.tableName));
    dependencies = {
      // API keys and tenants are kept 5 s per instance (one read per send); recipients never.
      ...withTenantCache(stores),
      email: wiring.email ? wiring.email(optionalEnv(ENV.sesConfigurationSet)) : notWired<EmailSender>('SES'),
      sms: wiring.sms
        ? wiring.sms(optionalEnv(ENV.smsConfigurationSet))
        : notWired<SmsSender>('End User Messaging'),
      idempotency,
      events: eventPublisher(),
      feedback: feedbackForwarder(),
      objectionQueue: objectionQueue(),
      pendingObjections: pendingObjections(),
      keys: keyRing(),
      clock: systemClock,
      consoleUsers: consoleUsers(),
      publicBaseUrl: optionalEnv(ENV.publicBaseUrl) ?? '',
      unsubscribeMailDomain: optionalEnv(ENV.unsubscribeMailDomain),
      legalFloors: legalFloors(),
      log: {
        info: (message, data) => logger.info(message, data ?? {}),
        warn: (message, data) => logger.warn(message, data ?? {}),
        error: (message, data) => logger.error(message, data ?? {}),
      },
    };
    fromWiring = true;
  }
  return dependencies;
}

/** Tests and the local runner replace the adapters (fault injection, fakes). */
export function setDependencies(next: Dependencies | undefined): void {
  dependencies = next;
  fromWiring = false;
}
