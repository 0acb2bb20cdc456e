import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ConsentGateway, type ConsentGatewayProps } from './gateway';

/** Used when `-c emailIdentities=…` is not given, so that `cdk synth` works out of the box. */
export const DEFAULT_EMAIL_IDENTITIES = ['example.com'] as const;

/**
 * The deployable gateway. Configuration comes from CDK context, so a deployment needs no code:
 *
 * - `emailIdentities`: SES identities to send from, comma-separated
 *   (`-c emailIdentities=example.com,news@example.org`), or a JSON array in cdk.json;
 *   default `example.com`.
 * - `configurationSetName`: SES configuration set (optional).
 * - `senderConfigurationSets`: SES configuration sets senders may name on the SES v2 endpoint (optional, comma-separated).
 * - `publicBaseUrl`: custom domain in front of the API (optional), e.g. `https://consent.example.com`.
 * - `smsOriginationIdentities`: End User Messaging phone numbers, sender ids or pools to send SMS
 *   from, comma-separated (`-c smsOriginationIdentities=phone-number/phone-1234,sender-id/ACME/FR`);
 *   default none (the SMS channel is off).
 * - `smsConfigurationSetName`: End User Messaging configuration set (optional).
 * - `unsubscribeMailDomain`: inbound domain of the List-Unsubscribe mailto: addresses (optional),
 *   e.g. `unsubscribe.example.com`; creates the SES receipt rule set (activate it, MX record: docs/deploy.md).
 * - `smtpRelayCertificateSecretArn`: turns the SMTP relay on (optional): the complete ARN of the
 *   Secrets Manager secret holding its TLS certificate, `{"key":"<PEM>","cert":"<PEM>"}`.
 * - `smtpRelayAllowedCidrs`: IPv4 ranges that may reach the relay's ports, comma-separated
 *   (optional; default anywhere).
 */
export class ConsentGatewayStack extends Stack {
  public readonly gateway: ConsentGateway;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.gateway = new ConsentGateway(this, 'Gateway', {
      emailIdentities: listContext(this, 'emailIdentities') ?? [...DEFAULT_EMAIL_IDENTITIES],
      configurationSetName: stringContext(this, 'configurationSetName'),
      publicBaseUrl: stringContext(this, 'publicBaseUrl'),
      smsOriginationIdentities: listContext(this, 'smsOriginationIdentities'),
      smsConfigurationSetName: stringContext(this, 'smsConfigurationSetName'),
      senderConfigurationSets: listContext(this, 'senderConfigurationSets'),
      unsubscribeMailDomain: stringContext(this, 'unsubscribeMailDomain'),
      smtpRelay: smtpRelayContext(this),
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Public base URL of the gateway',
      value: this.gateway.url,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table holding tenants, keys, recipients, consents and suppressions',
      value: this.gateway.table.tableName,
    });
    new CfnOutput(this, 'ConsoleUserPoolId', {
      description:
        "The console's user pool: add a person with npx consent-gate console-user add --user-pool <this> …",
      value: this.gateway.consoleUserPool.userPoolId,
    });
    new CfnOutput(this, 'InboundSmsTopicArn', {
      description:
        'Set as the two-way SMS destination of each number or short code: replies (STOP, START) arrive here',
      value: this.gateway.inboundSmsTopic.topicArn,
    });
    new CfnOutput(this, 'TokenKeysSecretArn', {
      description: 'Unsubscribe token keys; rotate by adding a key and moving activeKeyId',
      value: this.gateway.tokenKeysSecret.secretArn,
    });
    new CfnOutput(this, 'BulkQueueUrl', {
      description: 'Bulk queue: POST /v1/messages JSON, sender key in the Authorization message attribute',
      value: this.gateway.bulkQueue.queueUrl,
    });
    new CfnOutput(this, 'InboundSmsDeadLetterQueueUrl', {
      description:
        'SMS replies (STOP…) not recorded after retries: npm run redrive -- --queue-url <this> --function-name <stack>-SmsInbound',
      value: this.gateway.inboundSmsDeadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'SesFeedbackDeadLetterQueueUrl', {
      description:
        'Bounces and complaints not recorded after retries: npm run redrive -- --queue-url <this> --function-name <stack>-SesFeedback',
      value: this.gateway.sesFeedbackDeadLetterQueue.queueUrl,
    });
    if (this.gateway.unsubscribeMailRuleSet !== undefined) {
      new CfnOutput(this, 'UnsubscribeMailRuleSetName', {
        description:
          'SES receipt rule set of mailto: unsubscribes: activate it (aws ses set-active-receipt-rule-set --rule-set-name <this>) and point the domain MX at SES inbound',
        value: this.gateway.unsubscribeMailRuleSet.receiptRuleSetName,
      });
    }
    if (this.gateway.unsubscribeMailDeadLetterQueue !== undefined) {
      new CfnOutput(this, 'UnsubscribeMailDeadLetterQueueUrl', {
        description:
          'Unsubscribe mails not recorded after retries: npm run redrive -- --queue-url <this> --function-name <stack>-UnsubscribeMail',
        value: this.gateway.unsubscribeMailDeadLetterQueue.queueUrl,
      });
    }
    if (this.gateway.smtpRelay !== undefined) {
      new CfnOutput(this, 'SmtpRelayHost', {
        description:
          "SMTP relay host (ports 587 STARTTLS, 465 TLS): point your relay's host name at it with a CNAME record; its certificate must name that host",
        value: this.gateway.smtpRelay.loadBalancer.loadBalancerDnsName,
      });
      new CfnOutput(this, 'SmtpRelayCluster', {
        description: "SMTP relay's ECS cluster (aws ecs update-service --cluster <this> …)",
        value: this.gateway.smtpRelay.cluster.clusterName,
      });
      new CfnOutput(this, 'SmtpRelayService', {
        description:
          "SMTP relay's ECS service: after renewing the certificate, aws ecs update-service --cluster <SmtpRelayCluster> --service <this> --force-new-deployment",
        value: this.gateway.smtpRelay.service.serviceName,
      });
    }
    new CfnOutput(this, 'EventStreamDeadLetterQueueUrl', {
      description:
        'Stream batches whose events out PublishEvents could not publish after retries: npx consent-gate redrive-events --queue-url <this> --event-bus-name <EventBusName>',
      value: this.gateway.eventStreamDeadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description:
        'Complaint-rate alarm (a tenant reached its warning or hold rate): subscribe an email address or your on-call tool',
      value: this.gateway.alarmTopic.topicArn,
    });
    new CfnOutput(this, 'EventBusName', {
      description:
        'EventBridge bus of recipient events and bulk-send outcomes (source consent-gate); add rules to feed a CRM',
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

/** The relay's props from context: on only with a certificate secret. */
function smtpRelayContext(scope: Construct): ConsentGatewayProps['smtpRelay'] {
  const secretArn = stringContext(scope, 'smtpRelayCertificateSecretArn');
  const allowedCidrs = listContext(scope, 'smtpRelayAllowedCidrs');
  if (secretArn === undefined) {
    if (allowedCidrs !== undefined) {
      throw new Error('Context smtpRelayAllowedCidrs needs smtpRelayCertificateSecretArn (the relay is off)');
    }
    return undefined;
  }
  return {
    certificateSecret: Secret.fromSecretCompleteArn(scope, 'SmtpRelayCertificate', secretArn),
    allowedCidrs,
  };
}
