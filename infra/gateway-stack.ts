import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ConsentGateway } from './gateway';

/** Used when `-c emailIdentities=…` is not given, so that `cdk synth` works out of the box. */
export const DEFAULT_EMAIL_IDENTITIES = ['example.com'] as const;

/**
 * The deployable gateway. Configuration comes from CDK context, so a deployment needs no code:
 *
 * - `emailIdentities`: SES identities to send from, comma-separated
 *   (`-c emailIdentities=example.com,news@example.org`), or a JSON array in cdk.json;
 *   default `example.com`.
 * - `configurationSetName`: SES configuration set (optional).
 * - `publicBaseUrl`: custom domain in front of the API (optional), e.g. `https://consent.example.com`.
 */
export class ConsentGatewayStack extends Stack {
  public readonly gateway: ConsentGateway;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.gateway = new ConsentGateway(this, 'Gateway', {
      emailIdentities: listContext(this, 'emailIdentities') ?? [...DEFAULT_EMAIL_IDENTITIES],
      configurationSetName: stringContext(this, 'configurationSetName'),
      publicBaseUrl: stringContext(this, 'publicBaseUrl'),
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Public base URL of the gateway',
      value: this.gateway.url,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table holding tenants, keys, recipients, consents and suppressions',
      value: this.gateway.table.tableName,
    });
    new CfnOutput(this, 'TokenKeysSecretArn', {
      description: 'Unsubscribe token keys; rotate by adding a key and moving activeKeyId',
      value: this.gateway.tokenKeysSecret.secretArn,
    });
    new CfnOutput(this, 'BulkQueueUrl', {
      description: 'Bulk queue: POST /v1/messages JSON, sender key in the Authorization message attribute',
      value: this.gateway.bulkQueue.queueUrl,
    });
    new CfnOutput(this, 'EventBusName', {
      description: 'Event bus of message outcomes (source consent-gate)',
      value: this.gateway.eventBus.eventBusName,
    });
  }
}

function stringContext(scope: Construct, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`Context ${key} must be a string`);
  return value.trim();
}

function listContext(scope: Construct, key: string): string[] | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const items = Array.isArray(value) ? value : String(value).split(',');
  const list = items.map((item) => String(item).trim()).filter((item) => item !== '');
  return list.length === 0 ? undefined : list;
}
