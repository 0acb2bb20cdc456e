import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DiskObjectionQueue } from '../adapters/disk-objection-queue';
import { DiskPendingObjections } from '../adapters/disk-pending-objections';
import { DynamoDbIdempotencyStore } from '../adapters/dynamodb-idempotency-store';
import { createDynamoDbStores } from '../adapters/dynamodb-stores';
import { createDocumentClient } from '../adapters/dynamodb-table';
import { EndUserMessagingSmsSender } from '../adapters/end-user-messaging-sms-sender';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { KmsCredentialSecrets, SecretsManagerKeyRing, StaticKeyRing } from '../adapters/key-rings';
import { localEventBus } from '../adapters/memory-event-publisher';
import { S3PendingObjections } from '../adapters/s3-pending-objections';
import { SesEmailSender } from '../adapters/ses-email-sender';
import { SqsObjectionQueue } from '../adapters/sqs-objection-queue';
import { withTenantCache } from '../adapters/tenant-cache';
import { ConfigurationError, ENV, legalFloors, optionalEnv, requireEnv } from '../config';
import { systemClock } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import { type ObjectionQueue, ObjectionQueueUnavailableError } from '../ports/objection-queue';
import { type PendingObjections, PendingObjectionsUnavailableError } from '../ports/pending-objections';
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

let dependencies: Dependencies | undefined;

/**
 * EventBridge where the construct granted events:PutEvents (it writes EVENT_BUS_NAME with
 * the grant), the in-process bus in the local runner, and otherwise a publisher that
 * refuses: a function without the grant must not believe it published.
 */
export function eventPublisher(): EventPublisher {
  const bus = optionalEnv(ENV.eventBusName);
  if (bus) return new EventBridgePublisher(new EventBridgeClient({ requestHandler, maxAttempts: 3 }), bus);
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
 * SQS where the construct granted sqs:SendMessage (it writes OBJECTION_QUEUE_URL with the
 * grant), the disk-backed queue in the local runner, and otherwise a queue that refuses: a
 * function without the grant must not tell a person their objection is queued.
 */
function objectionQueue(): ObjectionQueue {
  const url = optionalEnv(ENV.objectionQueueUrl);
  if (url) return new SqsObjectionQueue(new SQSClient({ requestHandler, maxAttempts: 3 }), url);
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
  if (bucket) return new S3PendingObjections(new S3Client({ requestHandler, maxAttempts: 3 }), bucket);
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
  return keyArn === undefined
    ? undefined
    : new KmsCredentialSecrets(new KMSClient({ requestHandler, maxAttempts: 3 }), keyArn);
}

export function runtimeDependencies(): Dependencies {
  dependencies ??= {
    // API keys and tenants are kept 5 s per instance (one read per send); recipients never.
    ...withTenantCache(
      createDynamoDbStores(
        createDocumentClient(new DynamoDBClient({ requestHandler, maxAttempts: 3 })),
        requireEnv(ENV.tableName),
      ),
    ),
    // cacheMiddleware: the middleware stack built once per client, not per call (about a fifth
    // of each call's CPU: scripts/cache-middleware-bench.ts). Nothing adds middleware to these later.
    email: new SesEmailSender(
      new SESv2Client({ requestHandler, maxAttempts: 2, cacheMiddleware: true }),
      optionalEnv(ENV.sesConfigurationSet),
    ),
    sms: new EndUserMessagingSmsSender(
      new PinpointSMSVoiceV2Client({ requestHandler, maxAttempts: 2, cacheMiddleware: true }),
      optionalEnv(ENV.smsConfigurationSet),
    ),
    idempotency: new DynamoDbIdempotencyStore(
      createDocumentClient(new DynamoDBClient({ requestHandler, maxAttempts: 3 })),
      requireEnv(ENV.tableName),
    ),
    events: eventPublisher(),
    objectionQueue: objectionQueue(),
    pendingObjections: pendingObjections(),
    keys: optionalEnv(ENV.keyRingJson)
      ? new StaticKeyRing(requireEnv(ENV.keyRingJson))
      : new SecretsManagerKeyRing(
          requireEnv(ENV.hashKeySecretArn),
          requireEnv(ENV.tokenKeysSecretArn),
          undefined,
          credentialSecrets(),
        ),
    clock: systemClock,
    publicBaseUrl: optionalEnv(ENV.publicBaseUrl) ?? '',
    legalFloors: legalFloors(),
    log: {
      info: (message, data) => logger.info(message, data ?? {}),
      warn: (message, data) => logger.warn(message, data ?? {}),
      error: (message, data) => logger.error(message, data ?? {}),
    },
  };
  return dependencies;
}

/** Tests and the local runner replace the adapters (fault injection, fakes). */
export function setDependencies(next: Dependencies | undefined): void {
  dependencies = next;
}
