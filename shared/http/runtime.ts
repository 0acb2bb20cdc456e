import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDbIdempotencyStore } from '../adapters/dynamodb-idempotency-store';
import { createDocumentClient, DynamoDbGatewayStore } from '../adapters/dynamodb-store';
import { EventBridgeEventPublisher, InMemoryEventPublisher } from '../adapters/eventbridge-event-publisher';
import { SecretsManagerKeyRing, StaticKeyRing } from '../adapters/key-rings';
import { SesEmailSender } from '../adapters/ses-email-sender';
import { ENV, optionalEnv, requireEnv } from '../config';
import { systemClock } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { Dependencies } from '../services/dependencies';

/**
 * Composition root: real adapters from the environment, built once per execution
 * environment on first use (so that a function that needs no store never reads
 * TABLE_NAME). Endpoints for the local runner come from the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> variables: no code path differs locally.
 */
export const logger = new Logger({ serviceName: 'consent-gate' });

// Short timeouts: a decision waits for the store, and failing closed fast beats hanging.
const requestHandler = { connectionTimeout: 1_000, requestTimeout: 3_000 };

let dependencies: Dependencies | undefined;

/** The local runner's bus (LOCAL_EVENTS=memory): the runner shows what was published. */
export const localEvents = new InMemoryEventPublisher();

let publisher: EventPublisher | undefined;
/** Built on first publish: only the functions that publish have EVENT_BUS_NAME. */
const lazyPublisher: EventPublisher = {
  publish(events) {
    publisher ??=
      optionalEnv(ENV.localEvents) === 'memory'
        ? localEvents
        : new EventBridgeEventPublisher(
            requireEnv(ENV.eventBusName),
            new EventBridgeClient({ requestHandler, maxAttempts: 3 }),
          );
    return publisher.publish(events);
  },
};

export function runtimeDependencies(): Dependencies {
  const doc = () => createDocumentClient(new DynamoDBClient({ requestHandler, maxAttempts: 3 }));
  dependencies ??= {
    store: new DynamoDbGatewayStore(doc(), requireEnv(ENV.tableName)),
    idempotency: new DynamoDbIdempotencyStore(doc(), requireEnv(ENV.tableName)),
    events: lazyPublisher,
    email: new SesEmailSender(
      new SESv2Client({ requestHandler, maxAttempts: 2 }),
      optionalEnv(ENV.sesConfigurationSet),
    ),
    keys: optionalEnv(ENV.keyRingJson)
      ? new StaticKeyRing(requireEnv(ENV.keyRingJson))
      : new SecretsManagerKeyRing(requireEnv(ENV.hashKeySecretArn), requireEnv(ENV.tokenKeysSecretArn)),
    clock: systemClock,
    publicBaseUrl: optionalEnv(ENV.publicBaseUrl) ?? '',
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
