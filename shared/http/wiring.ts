import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbIdempotencyStore } from '../adapters/dynamodb-idempotency-store';
import { createDynamoDbStores } from '../adapters/dynamodb-stores';
import { createDocumentClient } from '../adapters/dynamodb-table';
import { EndUserMessagingSmsSender } from '../adapters/end-user-messaging-sms-sender';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { AwsFeedbackForwarder } from '../adapters/feedback-forwarders';
import { KmsCredentialSecrets, SecretsManagerKeyRing } from '../adapters/key-rings';
import { S3PendingObjections } from '../adapters/s3-pending-objections';
import { SesEmailSender } from '../adapters/ses-email-sender';
import { SqsObjectionQueue } from '../adapters/sqs-objection-queue';
import { requestHandler, type Wiring } from './runtime';

/**
 * The SDK clients, one wiring per AWS service. An entry point wires those its `needs` in
 * infra/entry-points.ts grant (`wire(table, secretsManager, …)`): esbuild keeps the
 * ones it references and drops the others (the SDK packages declare no side effects), so
 * each bundle holds only the clients its function calls. test/infra/bundle-size.test.ts
 * checks that the SDK packages in each bundle are exactly those its `needs` imply.
 */
export const table: Wiring = {
  table: (tableName) => ({
    ...createDynamoDbStores(
      createDocumentClient(new DynamoDBClient({ requestHandler, maxAttempts: 3 }), {
        // A send's own calls, on a raw client with cacheMiddleware (lib-dynamodb refuses one):
        // shared/adapters/dynamodb-table.ts. Nothing adds middleware to it later.
        hot: new DynamoDBClient({ requestHandler, maxAttempts: 3, cacheMiddleware: true }),
      }),
      tableName,
    ),
    idempotency: new DynamoDbIdempotencyStore(
      createDocumentClient(new DynamoDBClient({ requestHandler, maxAttempts: 3 })),
      tableName,
    ),
  }),
};

// cacheMiddleware: the middleware stack built once per client, not per call (about a fifth of
// each call's CPU: scripts/cache-middleware-bench.ts). Nothing adds middleware to these later.
export const ses: Wiring = {
  email: (configurationSet) =>
    new SesEmailSender(
      new SESv2Client({ requestHandler, maxAttempts: 2, cacheMiddleware: true }),
      configurationSet,
    ),
};

export const endUserMessaging: Wiring = {
  sms: (configurationSet) =>
    new EndUserMessagingSmsSender(
      new PinpointSMSVoiceV2Client({ requestHandler, maxAttempts: 2, cacheMiddleware: true }),
      configurationSet,
    ),
};

export const eventBridge: Wiring = {
  eventBus: (bus) => new EventBridgePublisher(new EventBridgeClient({ requestHandler, maxAttempts: 3 }), bus),
};

/** SNS and EventBridge for the tenants' own feedback: SesFeedback only (its `forwardFeedback` need). */
export const feedbackForwarding: Wiring = {
  feedbackForwarder: (gatewayBusName) =>
    new AwsFeedbackForwarder(
      new SNSClient({ requestHandler, maxAttempts: 3 }),
      new EventBridgeClient({ requestHandler, maxAttempts: 3 }),
      gatewayBusName,
    ),
};

export const sqs: Wiring = {
  objectionQueue: (url) => new SqsObjectionQueue(new SQSClient({ requestHandler, maxAttempts: 3 }), url),
};

export const s3: Wiring = {
  pendingObjections: (bucket) =>
    // A GET (a 404 normally) on every decision: cacheMiddleware as for SES above (16 % of the call's CPU).
    new S3PendingObjections(new S3Client({ requestHandler, maxAttempts: 3, cacheMiddleware: true }), bucket),
};

export const secretsManager: Wiring = {
  keyRing: (hashKeySecretArn, tokenKeysSecretArn, credentialSecrets) =>
    new SecretsManagerKeyRing(
      hashKeySecretArn,
      tokenKeysSecretArn,
      new SecretsManagerClient({}),
      credentialSecrets,
    ),
};

export const kms: Wiring = {
  credentialSecrets: (keyArn) =>
    new KmsCredentialSecrets(new KMSClient({ requestHandler, maxAttempts: 3 }), keyArn),
};

/**
 * Every client but Cognito's (./wiring-cognito.ts: aws-jwt-verify has module side effects, so
 * importing it here would put it in every bundle): the local runner, which serves every entry point in one process, and the tests. */
export const allWiring: readonly Wiring[] = [
  table,
  ses,
  endUserMessaging,
  eventBridge,
  feedbackForwarding,
  sqs,
  s3,
  secretsManager,
  kms,
];
