import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { type CfnTopic, Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EntryPoint, entryPoints, routeAccess, routeKey } from '../../infra/entry-points';
import {
  ConsentGateway,
  ConsentGatewayPropsError,
  DEFAULT_AUTHENTICATED_THROTTLE,
  DEFAULT_KEY_RATE_LIMIT,
  DEFAULT_PUBLIC_THROTTLE,
  EVENT_STREAM_RETRY_ATTEMPTS,
} from '../../infra/gateway';
import { ConsentGatewayStack } from '../../infra/gateway-stack';
import { ENV, METRICS } from '../../shared/config';

/** Template tests skip esbuild; the cdk-nag suite at the end bundles for real. */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function synthStack(context: Record<string, unknown> = {}): Template {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  return Template.fromStack(new ConsentGatewayStack(app, 'Test'));
}

/** `{ Fn::Join: ['', ['arn:', { Ref: 'AWS::Partition' }, …]] }` → `arn:<AWS::Partition>…` (cdk-nag's notation). */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, unknown>;
  if ('Ref' in intrinsic) return `<${String(intrinsic.Ref)}>`;
  if ('Fn::GetAtt' in intrinsic) return `<${(intrinsic['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  throw new Error(`Cannot flatten ${JSON.stringify(value)}`);
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

function functionOf(template: Template, entryPoint: EntryPoint): [string, Resource] {
  const found = Object.entries(
    template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: `Test-${entryPoint.id}` },
    }),
  );
  expect(found, `function of ${entryPoint.id}`).toHaveLength(1);
  return found[0] as [string, Resource];
}

/** Every statement of the inline policies attached to the entry point's role. */
function statementsOf(template: Template, entryPoint: EntryPoint): Statement[] {
  const [, fn] = functionOf(template, entryPoint);
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
  return policies
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

function allStatements(template: Template): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
  return policies.flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((statement) => asList(statement.Action));
}

describe('ConsentGatewayStack template', () => {
  const template = synthStack();

  describe('table', () => {
    it('is the only table, keyed pk/sk, with gsi1 on gsi1pk/gsi1sk projecting ALL', () => {
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
      template.resourceCountIs('AWS::DynamoDB::Table', 0);
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayEquals([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ]),
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      });
    });

    it('bills on demand, encrypts with KMS and expires items on ttl', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      });
    });

    it('has point-in-time recovery and deletion protection, and is retained by default', () => {
      template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          Replicas: [
            Match.objectLike({
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              DeletionProtectionEnabled: true,
            }),
          ],
        }),
      });
    });
  });

  describe('secrets', () => {
    it('generates the recipient hash key as {"key": …}', () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: {
          SecretStringTemplate: '{}',
          GenerateStringKey: 'key',
          ExcludePunctuation: true,
          PasswordLength: 64,
        },
      });
    });

    it('generates the token keys as {"activeKeyId": "k1", "k1": …}', () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: {
          SecretStringTemplate: JSON.stringify({ activeKeyId: 'k1' }),
          GenerateStringKey: 'k1',
          ExcludePunctuation: true,
          PasswordLength: 64,
        },
      });
    });

    it('has exactly these two secrets, both retained', () => {
      const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret')) as Resource[];
      expect(secrets).toHaveLength(2);
      for (const secret of secrets) expect(secret.DeletionPolicy).toBe('Retain');
    });
  });

  describe('SES credential secrets key', () => {
    type KeyStatement = {
      Sid?: string;
      Effect: string;
      Principal: { AWS: unknown };
      Action: string | string[];
      Condition?: Record<string, Record<string, string>>;
    };
    const keys = template.findResources('AWS::KMS::Key', {
      Properties: { Description: Match.stringLikeRegexp('SES credential secrets') },
    });
    const [key] = Object.values(keys) as Resource[];
    const statements = () =>
      (key!.Properties.KeyPolicy as { Statement: KeyStatement[] }).Statement.map((st) => ({
        ...st,
        actions: asList(st.Action),
        principal: flatten(st.Principal.AWS),
      }));
    const roleOf = (id: string) => {
      const [, fn] = functionOf(template, entryPoints.find((e) => e.id === id)!);
      return `<${(fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]}.Arn>`;
    };
    const USE = [
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
      'kms:CreateGrant',
      'kms:*',
    ];

    it('is one key, rotated yearly, retained', () => {
      expect(Object.keys(keys)).toHaveLength(1);
      expect(key!.Properties.EnableKeyRotation).toBe(true);
      expect(key!.DeletionPolicy).toBe('Retain');
    });

    it('lets only the SesSendEmail role decrypt, and only the Admin role encrypt, with the purpose as context', () => {
      const using = statements().filter((st) =>
        st.actions.some((a) => USE.includes(a) || a.startsWith('kms:ReEncrypt')),
      );
      expect(using.map((st) => [st.principal, st.actions, st.Effect])).toEqual(
        expect.arrayContaining([
          [roleOf('SesSendEmail'), ['kms:Decrypt'], 'Allow'],
          [roleOf('Admin'), ['kms:Encrypt'], 'Allow'],
        ]),
      );
      expect(using).toHaveLength(2);
      for (const st of using) {
        expect(st.Condition).toEqual({
          StringEquals: { 'kms:EncryptionContext:consent-gate:purpose': 'ses-credential-secret' },
        });
      }
    });

    it('lets the account administer the key without using it or granting its use (no kms:*, Decrypt, CreateGrant)', () => {
      const account = statements().filter((st) => st.principal.includes(':root'));
      expect(account).toHaveLength(1);
      const actions = account[0]!.actions;
      expect(actions).toContain('kms:Put*');
      expect(actions).toContain('kms:ScheduleKeyDeletion');
      for (const use of USE) expect(actions).not.toContain(use);
      // No wildcard that covers a use: Create* would include CreateGrant.
      expect(
        actions.filter(
          (a) => /^kms:(Create|Re|Generate|Decrypt|Encrypt)\*?$/.test(a) && a !== 'kms:CreateAlias',
        ),
      ).toEqual([]);
      expect(actions).not.toContain('kms:Create*');
    });

    it('no IAM policy of the stack grants kms:Decrypt or kms:Encrypt on it', () => {
      const onKey = allStatements(template).filter(
        (st) =>
          actionsOf([st]).some((a) => ['kms:Decrypt', 'kms:Encrypt', 'kms:*'].includes(a)) &&
          asList(st.Resource).some(
            (r) => typeof r !== 'string' && flatten(r).includes('CredentialSecretsKey'),
          ),
      );
      expect(onKey).toEqual([]);
    });
  });

  describe('functions', () => {
    it('has one function per entry point', () => {
      template.resourceCountIs('AWS::Lambda::Function', entryPoints.length);
      for (const entryPoint of entryPoints) functionOf(template, entryPoint);
    });

    it.each(entryPoints.map((entryPoint) => [entryPoint.id, entryPoint] as const))(
      '%s runs on arm64 with Node.js 22 or newer, as an ES module with source maps',
      (_id, entryPoint) => {
        const [, fn] = functionOf(template, entryPoint);
        expect(fn.Properties.Architectures).toEqual(['arm64']);
        const runtime = /^nodejs(\d+)\.x$/.exec(String(fn.Properties.Runtime));
        expect(runtime, String(fn.Properties.Runtime)).not.toBeNull();
        expect(Number(runtime?.[1])).toBeGreaterThanOrEqual(22);
        expect(fn.Properties.Handler).toBe('index.handler');
        expect(fn.Properties.Environment).toMatchObject({
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'consent-gate',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            // The SES-compatible endpoint accepts signatures for the stack's region only.
            [ENV.gatewayRegion]: { Ref: 'AWS::Region' },
          },
        });
      },
    );

    it.each(entryPoints.map((entryPoint) => [entryPoint.id, entryPoint] as const))(
      '%s has its own log group with a retention, and a role without managed policies',
      (_id, entryPoint) => {
        const [, fn] = functionOf(template, entryPoint);
        const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        const logGroup = template.toJSON().Resources[logGroupId] as Resource;
        expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
        expect(logGroup.Properties.RetentionInDays).toBe(90);
        const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        const role = template.toJSON().Resources[roleId] as Resource;
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        const logStatement = statementsOf(template, entryPoint).find((statement) =>
          actionsOf([statement]).includes('logs:PutLogEvents'),
        );
        expect(logStatement?.Resource).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
      },
    );
  });

  describe('environment and grants follow each entry point needs', () => {
    const writeActions = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

    it.each(entryPoints.map((entryPoint) => [entryPoint.id, entryPoint] as const))(
      '%s',
      (_id, entryPoint) => {
        const { needs } = entryPoint;
        const [, fn] = functionOf(template, entryPoint);
        const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        const actions = actionsOf(statementsOf(template, entryPoint));

        const expected = {
          [ENV.tableName]: needs.table !== undefined || needs.expiryTombstones === true,
          [ENV.hashKeySecretArn]: needs.keys === true,
          [ENV.tokenKeysSecretArn]: needs.keys === true,
          [ENV.credentialKeyArn]: needs.credentialSecrets !== undefined,
          [ENV.publicBaseUrl]: needs.publicBaseUrl === true,
          [ENV.eventBusName]: needs.publishEvents === true,
        };
        for (const [name, present] of Object.entries(expected)) {
          expect(name in variables, `${name} present`).toBe(present);
        }
        // Written only when a configuration set is configured (see the SES tests).
        expect(ENV.sesConfigurationSet in variables).toBe(false);

        if (needs.table !== undefined) {
          expect(flatten(variables[ENV.tableName])).toMatch(/^<GatewayTable[0-9A-F]+>$/);
          expect(actions).toContain('dynamodb:GetItem');
          expect(actions).toContain('dynamodb:Query');
        } else if (entryPoint.trigger?.type === 'tableStream') {
          // The stream's reader: its records, and the tombstones of TTL deletions (R9): a
          // Query and a conditional put, never an item read by key, an update or a delete.
          expect(actions.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual([
            'dynamodb:DescribeStream',
            'dynamodb:GetRecords',
            'dynamodb:GetShardIterator',
            'dynamodb:ListStreams',
            'dynamodb:PutItem',
            'dynamodb:Query',
          ]);
        } else {
          expect(actions.filter((action) => action.startsWith('dynamodb:'))).toEqual([]);
        }
        const keyed = entryPoint.routes.some((route) => routeAccess(route) === 'authenticated');
        for (const action of writeActions) {
          // A keyed read-only function still counts its key's requests (RATE#… only, below).
          const counter = action === 'dynamodb:UpdateItem' && keyed && needs.table === 'read';
          // The stream consumer puts tombstones of expired audit events (R9), nothing else.
          const tombstones = action === 'dynamodb:PutItem' && needs.expiryTombstones === true;
          expect(actions.includes(action), action).toBe(needs.table === 'readWrite' || counter || tombstones);
        }
        // The per-key limit, on every function behind a keyed route.
        expect(ENV.keyRateLimit in variables, ENV.keyRateLimit).toBe(keyed);
        if (keyed) expect(JSON.parse(variables[ENV.keyRateLimit] as string)).toEqual(DEFAULT_KEY_RATE_LIMIT);

        expect(actions.includes('secretsmanager:GetSecretValue')).toBe(needs.keys === true);
        if (needs.keys === true) {
          expect(flatten(variables[ENV.hashKeySecretArn])).toMatch(/^<GatewayRecipientHashKey/);
          expect(flatten(variables[ENV.tokenKeysSecretArn])).toMatch(/^<GatewayUnsubscribeTokenKeys/);
        }

        expect(actions.some((action) => action.startsWith('ses:'))).toBe(needs.sendEmail === true);
        // KMS use of the credential key is in its key policy only (below), never in a role's policy.
        expect(actions.filter((action) => action.startsWith('kms:'))).toEqual([]);
        if (needs.credentialSecrets !== undefined) {
          expect(flatten(variables[ENV.credentialKeyArn])).toMatch(
            /^<GatewayCredentialSecretsKey[0-9A-F]+\.Arn>$/,
          );
        }

        // Events out: only the functions that publish may put events, and only on the gateway's bus
        // (and the feedback function, the tenants' own feedback: its own test below).
        expect(actions.includes('events:PutEvents')).toBe(
          needs.publishEvents === true || needs.forwardFeedback === true,
        );
        if (needs.publishEvents === true) {
          expect(flatten(variables[ENV.eventBusName])).toMatch(/^<GatewayEvents[0-9A-F]+>$/);
          const put = statementsOf(template, entryPoint).filter((st) =>
            actionsOf([st]).includes('events:PutEvents'),
          );
          expect(put.flatMap((st) => asList(st.Resource)).map(flatten)).toEqual([
            expect.stringMatching(/^<GatewayEvents[0-9A-F]+\.Arn>$/),
          ]);
        }

        if (needs.publicBaseUrl === true) {
          expect(flatten(variables[ENV.publicBaseUrl])).toMatch(/^<GatewayApi[0-9A-F]+\.ApiEndpoint>$/);
        }
      },
    );

    it('grants nothing on a "*" resource', () => {
      const resources = allStatements(template).flatMap((statement) => asList(statement.Resource));
      expect(resources.map(flatten).filter((resource) => resource === '*')).toEqual([]);
    });
  });

  describe('HTTP API', () => {
    const declared = entryPoints.flatMap((entryPoint) =>
      entryPoint.routes.map((route) => ({ routeKey: `${route.method} ${route.path}`, entryPoint })),
    );

    it('has one route per declared route, and no other', () => {
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Resource[];
      expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(
        declared.map(({ routeKey }) => routeKey).sort(),
      );
    });

    it.each(declared.map(({ routeKey, entryPoint }) => [routeKey, entryPoint.id, entryPoint] as const))(
      '%s goes to %s',
      (routeKey, _id, entryPoint) => {
        const resources = template.toJSON().Resources as Record<string, Resource>;
        const route = Object.values(resources).find(
          (resource) =>
            resource.Type === 'AWS::ApiGatewayV2::Route' && resource.Properties.RouteKey === routeKey,
        );
        const integrationId = /^integrations\/<(.+)>$/.exec(flatten(route?.Properties.Target))?.[1];
        const integration = resources[integrationId ?? ''];
        expect(integration?.Properties.PayloadFormatVersion).toBe('2.0');
        const [functionId] = functionOf(template, entryPoint);
        expect(integration?.Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
      },
    );

    it('has no authorizer: the unsubscribe routes must stay public (RFC 8058)', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
      for (const routeKey of ['GET /u/{token}', 'POST /u/{token}']) {
        const routes = Object.values(
          template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } }),
        ) as Resource[];
        expect(routes, routeKey).toHaveLength(1);
        expect(routes[0]?.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
        expect(routes[0]?.Properties.AuthorizerId).toBeUndefined();
      }
    });

    it('logs access and throttles on the $default stage', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayAccessLogs'), 'Arn'] },
          Format: Match.stringLikeRegexp('\\$context\\.requestId'),
        },
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      });
    });

    it('throttles public and keyed routes separately, one route setting per route key', () => {
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as Resource;
      const settings = stage.Properties.RouteSettings as Record<
        string,
        { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
      >;
      const routes = entryPoints.flatMap((entryPoint) => entryPoint.routes);
      expect(Object.keys(settings).sort()).toEqual(routes.map(routeKey).sort());
      for (const route of routes) {
        const expected =
          routeAccess(route) === 'public' ? DEFAULT_PUBLIC_THROTTLE : DEFAULT_AUTHENTICATED_THROTTLE;
        expect(settings[routeKey(route)], routeKey(route)).toEqual({
          ThrottlingRateLimit: expected.rateLimit,
          ThrottlingBurstLimit: expected.burstLimit,
        });
      }
      for (const key of [
        'GET /u/{token}',
        'POST /u/{token}',
        'GET /p/{token}',
        'GET /c/{token}',
        'GET /docs',
      ]) {
        expect(routeAccess({ method: key.split(' ')[0] as 'GET', path: key.split(' ')[1]! }), key).toBe(
          'public',
        );
      }
      expect(settings['POST /v1/messages']?.ThrottlingRateLimit).toBe(
        DEFAULT_AUTHENTICATED_THROTTLE.rateLimit,
      );
      expect(settings['GET /openapi.json']?.ThrottlingRateLimit).toBe(DEFAULT_PUBLIC_THROTTLE.rateLimit);
      // The route settings name routes: the stage must wait for them.
      const routeIds = Object.keys(template.findResources('AWS::ApiGatewayV2::Route'));
      const stageResource = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as {
        DependsOn?: string[];
      };
      expect(stageResource.DependsOn ?? []).toEqual(expect.arrayContaining(routeIds));
    });

    it('lets the read-only Decide function count its key only (RATE#… partitions)', () => {
      const decide = entryPoints.find((entryPoint) => entryPoint.id === 'Decide');
      if (decide === undefined) throw new Error('no Decide entry point');
      const update = statementsOf(template, decide).filter((st) =>
        actionsOf([st]).includes('dynamodb:UpdateItem'),
      ) as (Statement & { Condition?: unknown })[];
      expect(update).toHaveLength(1);
      expect(update[0]?.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RATE#*'] },
      });
    });

    it('does not log request paths, which carry unsubscribe tokens', () => {
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as Resource;
      const format = (stage.Properties.AccessLogSettings as { Format: string }).Format;
      expect(format).not.toMatch(/\$context\.path/);
    });
  });

  describe('outputs', () => {
    it('outputs the API URL, the table name and the token keys secret', () => {
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(flatten(outputs.ApiUrl?.Value)).toMatch(/^<GatewayApi[0-9A-F]+\.ApiEndpoint>$/);
      expect(flatten(outputs.TableName?.Value)).toMatch(/^<GatewayTable[0-9A-F]+>$/);
      expect(flatten(outputs.TokenKeysSecretArn?.Value)).toMatch(/^<GatewayUnsubscribeTokenKeys/);
      expect(flatten(outputs.EventBusName?.Value)).toMatch(/^<GatewayEvents[0-9A-F]+>$/);
    });

    it('has one event bus, for recipient events', () => {
      template.resourceCountIs('AWS::Events::EventBus', 1);
    });
  });
});

describe('SES permission', () => {
  const sesArnPrefix = 'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:';

  function sesStatements(template: Template): Statement[] {
    return allStatements(template).filter((statement) =>
      actionsOf([statement]).some((action) => action.startsWith('ses:')),
    );
  }

  const senders = entryPoints.filter((entryPoint) => entryPoint.needs.sendEmail === true);

  it('defaults to the identity example.com', () => {
    const statements = sesStatements(synthStack());
    // One statement per function that sends (messages, double opt-in confirmations).
    expect(statements).toHaveLength(senders.length);
    for (const statement of statements) {
      expect(asList(statement.Resource).map(flatten)).toEqual([`${sesArnPrefix}identity/example.com`]);
    }
  });

  it('lists only the identities given in context, and the configuration set', () => {
    const template = synthStack({
      emailIdentities: 'example.com, news@example.org',
      configurationSetName: 'marketing',
    });
    const statements = sesStatements(template);
    expect(statements).toHaveLength(senders.length);
    for (const statement of statements) {
      expect(statement.Action).toBe('ses:SendEmail');
      expect(asList(statement.Resource).map(flatten)).toEqual([
        `${sesArnPrefix}identity/example.com`,
        `${sesArnPrefix}identity/news@example.org`,
        `${sesArnPrefix}configuration-set/marketing`,
      ]);
    }
    expect(senders.length).toBeGreaterThan(0);
    for (const sender of senders) {
      const [, fn] = functionOf(template, sender);
      expect(fn.Properties.Environment).toMatchObject({
        Variables: { [ENV.sesConfigurationSet]: 'marketing' },
      });
    }
  });

  it('accepts identities as a JSON array (cdk.json context)', () => {
    const statements = sesStatements(synthStack({ emailIdentities: ['a.example', 'b.example'] }));
    expect(asList(statements[0]?.Resource).map(flatten)).toEqual([
      `${sesArnPrefix}identity/a.example`,
      `${sesArnPrefix}identity/b.example`,
    ]);
  });
});

describe('SMS', () => {
  const smsArnPrefix = 'arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:';
  const smsStatements = (template: Template) =>
    allStatements(template).filter((statement) =>
      actionsOf([statement]).some((a) => a.startsWith('sms-voice:')),
    );

  it('grants no SMS sending without declared origination identities', () => {
    expect(smsStatements(synthStack())).toEqual([]);
  });

  it('grants SendTextMessage on the declared identities only, to the functions that send SMS', () => {
    const template = synthStack({
      smsOriginationIdentities: 'phone-number/phone-1234,sender-id/ACME/FR',
      smsConfigurationSetName: 'sms-events',
    });
    for (const entryPoint of entryPoints) {
      const statements = statementsOf(template, entryPoint).filter((st) =>
        actionsOf([st]).some((a) => a.startsWith('sms-voice:')),
      );
      if (entryPoint.needs.sendSms !== true) {
        expect(statements, entryPoint.id).toEqual([]);
        continue;
      }
      expect(statements).toHaveLength(1);
      expect(statements[0]?.Action).toBe('sms-voice:SendTextMessage');
      expect(asList(statements[0]?.Resource).map(flatten)).toEqual([
        `${smsArnPrefix}phone-number/phone-1234`,
        `${smsArnPrefix}sender-id/ACME/FR`,
        `${smsArnPrefix}configuration-set/sms-events`,
      ]);
      const [, fn] = functionOf(template, entryPoint);
      expect(fn.Properties.Environment).toMatchObject({
        Variables: { [ENV.smsConfigurationSet]: 'sms-events' },
      });
    }
  });

  it('refuses a wildcard origination identity', () => {
    expect(() => synthStack({ smsOriginationIdentities: 'phone-number/*' })).toThrow(
      ConsentGatewayPropsError,
    );
  });

  it('subscribes the inbound function to an encrypted, TLS-only topic that End User Messaging may publish to', () => {
    const template = synthStack();
    const topics = template.findResources('AWS::SNS::Topic', {
      Properties: { DisplayName: 'consent-gate inbound SMS' },
    });
    expect(Object.keys(topics)).toHaveLength(1);
    const [topicId, topic] = Object.entries(topics)[0] as [string, Resource];
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    const inbound = entryPoints.find((e) => e.trigger?.type === 'inboundSms')!;
    const [fnId] = functionOf(template, inbound);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topicId },
      Endpoint: { 'Fn::GetAtt': [fnId, 'Arn'] },
    });
    const policy = JSON.stringify(
      Object.values(template.findResources('AWS::SNS::TopicPolicy')).filter((p) =>
        JSON.stringify(p).includes(topicId),
      ),
    );
    expect(policy).toContain('sms-voice.amazonaws.com');
    expect(policy).toContain('aws:SecureTransport');
  });

  it('runs the deferred-SMS function on its schedule', () => {
    const template = synthStack();
    const scheduled = entryPoints.filter((e) => e.trigger?.type === 'schedule');
    expect(scheduled.length).toBeGreaterThan(0);
    for (const entryPoint of scheduled) {
      const [fnId] = functionOf(template, entryPoint);
      const minutes = entryPoint.trigger?.type === 'schedule' ? entryPoint.trigger.everyMinutes : 0;
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: `rate(${minutes} minutes)`,
        Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })]),
      });
    }
  });
});

describe('ConsentGateway props', () => {
  function gateway(props: Partial<ConstructorParameters<typeof ConsentGateway>[2]>): ConsentGateway {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'Test');
    return new ConsentGateway(stack, 'Gateway', { emailIdentities: ['example.com'], ...props });
  }

  it('uses publicBaseUrl, without its trailing slash, for PUBLIC_BASE_URL and url', () => {
    const built = gateway({ publicBaseUrl: 'https://consent.example.com/' });
    expect(built.url).toBe('https://consent.example.com');
    const template = Template.fromStack(Stack.of(built));
    const sendMessage = entryPoints.find((entryPoint) => entryPoint.needs.publicBaseUrl === true);
    if (sendMessage === undefined) throw new Error('no entry point needs the public base URL');
    expect(functionOf(template, sendMessage)[1].Properties.Environment).toMatchObject({
      Variables: { [ENV.publicBaseUrl]: 'https://consent.example.com' },
    });
  });

  it('applies removalPolicy, logRetention and memorySize', () => {
    const template = Template.fromStack(
      Stack.of(gateway({ removalPolicy: RemovalPolicy.DESTROY, logRetention: 7, memorySize: 1024 })),
    );
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] }),
    });
    template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    template.allResourcesProperties('AWS::Lambda::Function', { MemorySize: 1024 });
  });

  it('writes legalFloors (defaults filled in) to LEGAL_FLOORS of the functions that write settings only', () => {
    const template = Template.fromStack(Stack.of(gateway({ legalFloors: { maxHoldRate: 0.002 } })));
    for (const entryPoint of entryPoints) {
      const environment = functionOf(template, entryPoint)[1].Properties.Environment as
        | { Variables?: Record<string, string> }
        | undefined;
      const variables = environment?.Variables ?? {};
      if (entryPoint.needs.legalFloors === true) {
        expect(JSON.parse(variables[ENV.legalFloors] ?? 'null')).toEqual({
          smsWindow: { days: [1, 2, 3, 4, 5, 6], start: '08:00', end: '20:00', skipPublicHolidays: true },
          optOutMention: { requireStop: true, requireShortCode: true },
          maxHoldRate: 0.002,
        });
      } else {
        expect(variables[ENV.legalFloors], entryPoint.id).toBeUndefined();
      }
    }
    expect(entryPoints.filter((e) => e.needs.legalFloors === true).map((e) => e.id)).toEqual(['Admin']);
  });

  it('writes consoleKeySignIn to CONSOLE_KEY_SIGN_IN of the console function only: on by default, off when false', () => {
    for (const [props, expected] of [
      [{}, 'on'],
      [{ consoleKeySignIn: false }, 'off'],
    ] as const) {
      const template = Template.fromStack(Stack.of(gateway(props)));
      for (const entryPoint of entryPoints) {
        const environment = functionOf(template, entryPoint)[1].Properties.Environment as
          | { Variables?: Record<string, string> }
          | undefined;
        const value = environment?.Variables?.[ENV.consoleKeySignIn];
        if (entryPoint.id === 'Console') expect(value).toBe(expected);
        else expect(value, entryPoint.id).toBeUndefined();
      }
    }
  });

  it("R10: writes emailIdentities to EMAIL_IDENTITIES of the operator function only, which may not send: a tenant is assigned only the deployment's identities", () => {
    const template = Template.fromStack(
      Stack.of(gateway({ emailIdentities: ['a.example', 'news@b.example'] })),
    );
    for (const entryPoint of entryPoints) {
      const environment = functionOf(template, entryPoint)[1].Properties.Environment as
        | { Variables?: Record<string, string> }
        | undefined;
      const value = environment?.Variables?.[ENV.emailIdentities];
      if (entryPoint.id === 'Operator')
        expect(JSON.parse(value ?? 'null')).toEqual(['a.example', 'news@b.example']);
      else expect(value, entryPoint.id).toBeUndefined();
    }
    const operator = entryPoints.find((e) => e.id === 'Operator')!;
    const actions = statementsOf(template, operator).flatMap((st) => asList(st.Action));
    expect(actions.filter((a) => /^(ses|sms-voice):/.test(String(a)))).toEqual([]);
  });

  it('applies publicThrottle, authenticatedThrottle and keyRateLimit', () => {
    const template = Template.fromStack(
      Stack.of(
        gateway({
          publicThrottle: { rateLimit: 3, burstLimit: 6 },
          authenticatedThrottle: { rateLimit: 300, burstLimit: 600 },
          keyRateLimit: { rateLimit: 7, burstLimit: 14 },
        }),
      ),
    );
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: Match.objectLike({
        'GET /u/{token}': { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 },
        'POST /v1/messages': { ThrottlingRateLimit: 300, ThrottlingBurstLimit: 600 },
      }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'Test-SendMessage',
      Environment: { Variables: Match.objectLike({ [ENV.keyRateLimit]: '{"rateLimit":7,"burstLimit":14}' }) },
    });
  });

  it('turns the per-key limit off with keyRateLimit: false', () => {
    const template = Template.fromStack(Stack.of(gateway({ keyRateLimit: false })));
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]) {
      const variables = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      expect(variables?.[ENV.keyRateLimit]).toBeUndefined();
    }
  });

  it.each([
    ['a zero public rate', { publicThrottle: { rateLimit: 0, burstLimit: 10 } }],
    ['a fractional authenticated burst', { authenticatedThrottle: { rateLimit: 10, burstLimit: 0.5 } }],
    ['a negative key rate', { keyRateLimit: { rateLimit: -1, burstLimit: 10 } }],
    ['a malformed legal floor', { legalFloors: { maxHoldRate: 2 } }],
    ['no identity', { emailIdentities: [] }],
    ['a wildcard identity', { emailIdentities: ['*'] }],
    ['a wildcard inside an identity', { emailIdentities: ['*@example.com'] }],
    ['an identity with a slash', { emailIdentities: ['example.com/x'] }],
    ['a plain http publicBaseUrl', { publicBaseUrl: 'http://consent.example.com' }],
  ])('refuses %s', (_title, props) => {
    expect(() => gateway(props)).toThrow(ConsentGatewayPropsError);
  });
});

describe("the console's user pool", () => {
  const template = synthStack();
  const console_ = entryPoints.find((e) => e.id === 'Console')!;

  it('is one pool: no self sign-up, email as username, the tenant attribute, a password policy, threat protection', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        UsernameAttributes: ['email'],
        Schema: Match.arrayWith([
          Match.objectLike({ Name: 'tenant', AttributeDataType: 'String', Mutable: true }),
        ]),
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        MfaConfiguration: 'OFF',
        UserPoolTier: 'PLUS',
        DeletionProtection: 'ACTIVE',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      }),
    });
  });

  it('has the groups admin and compliance, and no other', () => {
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup')) as Resource[];
    expect(groups.map((g) => g.Properties.GroupName).sort()).toEqual(['admin', 'compliance']);
  });

  it('has one app client: no secret, USER_PASSWORD_AUTH only, no OAuth, reads the tenant and writes nothing', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    const [client] = Object.values(template.findResources('AWS::Cognito::UserPoolClient')) as Resource[];
    const p = client!.Properties;
    expect(p.GenerateSecret).toBe(false);
    expect([...(p.ExplicitAuthFlows as string[])].sort()).toEqual([
      'ALLOW_REFRESH_TOKEN_AUTH',
      'ALLOW_USER_PASSWORD_AUTH',
    ]);
    expect(p.AllowedOAuthFlowsUserPoolClient).toBe(false);
    expect(p.AllowedOAuthFlows).toBeUndefined();
    expect(p.CallbackURLs).toBeUndefined();
    expect(p.PreventUserExistenceErrors).toBe('ENABLED');
    expect(p.ReadAttributes).toContain('custom:tenant');
    expect(p.WriteAttributes).toEqual([]);
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
  });

  it('gives the Console function AdminGetUser and AdminListGroupsForUser on that pool, and its ids; no other function any cognito-idp action', () => {
    for (const entryPoint of entryPoints) {
      const statements = statementsOf(template, entryPoint);
      const cognito = actionsOf(statements).filter((a) => a.startsWith('cognito-idp:'));
      const variables =
        (
          functionOf(template, entryPoint)[1].Properties.Environment as {
            Variables?: Record<string, unknown>;
          }
        )?.Variables ?? {};
      if (entryPoint === console_) {
        expect(cognito.sort()).toEqual(['cognito-idp:AdminGetUser', 'cognito-idp:AdminListGroupsForUser']);
        const resources = statements
          .filter((st) => actionsOf([st]).some((a) => a.startsWith('cognito-idp:')))
          .flatMap((st) => asList(st.Resource))
          .map(flatten);
        expect(resources).toEqual([expect.stringMatching(/^<GatewayConsoleUsers[0-9A-F]+\.Arn>$/)]);
        expect(flatten(variables[ENV.consoleUserPoolId])).toMatch(/^<GatewayConsoleUsers[0-9A-F]+>$/);
        expect(flatten(variables[ENV.consoleUserPoolClientId])).toMatch(/^<GatewayConsoleUsersConsoleClient/);
      } else {
        expect(cognito, entryPoint.id).toEqual([]);
        expect(ENV.consoleUserPoolId in variables, entryPoint.id).toBe(false);
      }
    }
  });

  it('outputs the pool id', () => {
    template.hasOutput('ConsoleUserPoolId', Match.anyValue());
  });

  it('takes a pool of your own: none made, the grant and the ids on that one', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'Test');
    const own = UserPool.fromUserPoolId(stack, 'Own', 'eu-west-3_OwnPool1');
    new ConsentGateway(stack, 'Gateway', {
      emailIdentities: ['example.com'],
      consoleUserPool: { userPool: own, clientId: 'own-client-id' },
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Cognito::UserPool', 0);
    t.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    const variables = (
      functionOf(t, console_)[1].Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(variables[ENV.consoleUserPoolId]).toBe('eu-west-3_OwnPool1');
    expect(variables[ENV.consoleUserPoolClientId]).toBe('own-client-id');
    const resources = statementsOf(t, console_)
      .filter((st) => actionsOf([st]).includes('cognito-idp:AdminGetUser'))
      .flatMap((st) => asList(st.Resource))
      .map(flatten);
    expect(resources).toEqual([expect.stringContaining(':userpool/eu-west-3_OwnPool1')]);
  });
});

describe('cdk-nag AwsSolutionsChecks', () => {
  it('finds nothing unacknowledged, neither error nor warning (fast, without bundling)', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new ConsentGatewayStack(app, 'Test');
    app.synth();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map(
        (resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`,
      ),
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
    // CDK's own warnings and errors (deprecated APIs, bundling, …) count too.
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  describe('through Validations, as infra/app.ts runs it, with esbuild bundling', () => {
    let outdir: string;
    let synthError: Error | undefined;

    beforeAll(() => {
      outdir = mkdtempSync(join(tmpdir(), 'consent-gate-cdk-'));
      const app = new App({ outdir });
      new ConsentGatewayStack(app, 'Test');
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
      try {
        app.synth();
      } catch (error) {
        synthError = error as Error;
      }
      // esbuild bundles every function here: about 20 s alone on 2 cores, more when the machine is shared.
    }, 240_000);

    afterAll(() => {
      rmSync(outdir, { recursive: true, force: true });
    });

    it('synthesizes (any finding, error or warning, throws "Validation failed") and reports no violation', () => {
      // The message carries the report, so a failure names the rule and the construct.
      expect(synthError?.message).toBeUndefined();
      const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: { pluginName: string; violations: unknown[] }[];
      };
      expect(report.pluginReports.flatMap((pluginReport) => pluginReport.violations)).toEqual([]);
    });

    it('bundles every entry point as an ES module with a require shim and a source map', () => {
      const assetDirs = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
      expect(assetDirs).toHaveLength(entryPoints.length);
      for (const dir of assetDirs) {
        const code = readFileSync(join(outdir, dir, 'index.mjs'), 'utf8');
        expect(code.startsWith('import { createRequire')).toBe(true);
        expect(code).toMatch(/export\s*\{[^}]*as handler\s*\}|export\s*\{\s*handler\s*\}/);
        expect(existsSync(join(outdir, dir, 'index.mjs.map'))).toBe(true);
      }
    });

    it("copies each entry point's assets beside its bundle (Redoc's script, the console's chart library, the phone metadata)", () => {
      const bundles = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
      for (const asset of new Set(entryPoints.flatMap((e) => e.assets ?? []))) {
        const copied = bundles.filter((dir) => existsSync(join(outdir, dir, basename(asset))));
        expect(copied, asset).toHaveLength(entryPoints.filter((e) => e.assets?.includes(asset)).length);
      }
      const withAssets = bundles.filter((dir) => existsSync(join(outdir, dir, 'redoc.standalone.js')));
      expect(withAssets).toHaveLength(1);
      const script = readFileSync(join(outdir, withAssets[0]!, 'redoc.standalone.js'), 'utf8');
      expect(script).toContain('export{RedocStandalone,hydrate,init}');
      const [charts] = bundles.filter((dir) => existsSync(join(outdir, dir, 'uPlot.iife.min.js')));
      expect(readFileSync(join(outdir, charts!, 'uPlot.iife.min.js'), 'utf8')).toContain('uPlot');
    });
  });
});

describe('objection queue (R7: unsubscribes the table could not take)', () => {
  const template = synthStack();
  const consumer = entryPoints.find((e) => e.trigger?.type === 'objectionQueue');
  const unsubscribe = entryPoints.find((e) => e.id === 'Unsubscribe')!;

  it('has a consumer entry point that writes to the table', () => {
    expect(consumer?.id).toBe('ApplyObjections');
    expect(consumer?.needs.table).toBe('readWrite');
  });

  it('redelivers after 20 s, dead-letters only after 1,000 receives, keeps messages 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 1000 }),
      VisibilityTimeout: 20,
      MessageRetentionPeriod: 14 * 86_400,
      SqsManagedSseEnabled: true,
    });
  });

  it('feeds the consumer with partial batch failures and no batching window', () => {
    const [fnId] = functionOf(template, consumer!);
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as Resource[];
    const mine = mappings.filter(
      (m) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify({ Ref: fnId }),
    );
    expect(mine).toHaveLength(1);
    expect(mine[0]!.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mine[0]!.Properties.MaximumBatchingWindowInSeconds).toBeUndefined();
  });

  it('lets only the Unsubscribe function send to it, and tells it the queue URL', () => {
    for (const entryPoint of entryPoints) {
      const queues = statementsOf(template, entryPoint)
        .filter((st) => actionsOf([st]).includes('sqs:SendMessage'))
        .flatMap((st) => asList(st.Resource))
        .map(flatten);
      const toObjectionQueue = queues.some((q) => /^<GatewayObjectionQueue[0-9A-F]+\.Arn>$/.test(q));
      expect(toObjectionQueue, entryPoint.id).toBe(entryPoint.needs.enqueueObjections === true);
      // The feedback functions and the stream consumer send to their own dead-letter queue
      // only (their on-failure destination).
      const feedback =
        entryPoint.trigger?.type === 'inboundSms' ||
        entryPoint.trigger?.type === 'sesFeedback' ||
        entryPoint.trigger?.type === 'tableStream' ||
        entryPoint.trigger?.type === 'counterStream';
      expect(queues.length > 0, entryPoint.id).toBe(entryPoint.needs.enqueueObjections === true || feedback);
    }
    const [, fn] = functionOf(template, unsubscribe);
    expect(
      (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables[ENV.objectionQueueUrl],
    ).toBeDefined();
  });
});

describe('pending objections bucket (R7: no send after an accepted unsubscribe)', () => {
  const template = synthStack();
  const buckets = () => Object.entries(template.findResources('AWS::S3::Bucket')) as [string, Resource][];
  const bucketId = () => buckets()[0]![0];
  /** The entry points that decide a send: each reads the pending objections before the table. */
  const DECIDERS = ['SendMessage', 'SesSendEmail', 'BulkSend', 'Decide', 'SendDeferredSms'];

  it('is one bucket, encrypted, unversioned, closed to the public, ACLs off', () => {
    expect(buckets()).toHaveLength(1);
    const [, bucket] = buckets()[0]!;
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.OwnershipControls).toEqual({
      Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('refuses transport without TLS, and TLS below 1.2', () => {
    const [policy] = Object.values(template.findResources('AWS::S3::BucketPolicy')) as Resource[];
    const statements = (policy!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const denies = statements.filter((st) => st.Effect === 'Deny').map((st) => JSON.stringify(st));
    expect(denies.some((d) => d.includes('"aws:SecureTransport":"false"'))).toBe(true);
    expect(denies.some((d) => d.includes('"s3:TlsVersion":1.2'))).toBe(true);
  });

  it('grants read to every decider, write to Unsubscribe, UnsubscribeMail and ApplyObjections only, under pending/ only', () => {
    const expected: Record<string, string[]> = Object.fromEntries(
      entryPoints.map((e) => [
        e.id,
        DECIDERS.includes(e.id)
          ? ['s3:GetObject', 's3:ListBucket']
          : e.id === 'Unsubscribe' || e.id === 'UnsubscribeMail' || e.id === 'ApplyObjections'
            ? ['s3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']
            : [],
      ]),
    );
    for (const entryPoint of entryPoints) {
      const s3 = statementsOf(template, entryPoint).filter((st) =>
        actionsOf([st]).some((a) => a.startsWith('s3:')),
      );
      expect(actionsOf(s3).sort(), entryPoint.id).toEqual(expected[entryPoint.id]);
      for (const st of s3) {
        const resources = asList(st.Resource).map(flatten);
        const list = actionsOf([st]).includes('s3:ListBucket');
        expect(resources, entryPoint.id).toEqual([
          list ? `<${bucketId()}.Arn>` : `<${bucketId()}.Arn>/pending/*`,
        ]);
      }
      const [, fn] = functionOf(template, entryPoint);
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> } | undefined)
        ?.Variables;
      expect(env?.[ENV.pendingObjectionsBucket] !== undefined, entryPoint.id).toBe(
        expected[entryPoint.id]!.length > 0,
      );
    }
  });
});

describe('bulk queue and event bus', () => {
  const template = synthStack();
  const bulk = entryPoints.find((e) => e.trigger?.type === 'bulkQueue');

  it('has a consumer entry point', () => {
    expect(bulk?.id).toBe('BulkSend');
  });

  it('dead-letters a message after three receives, every queue encrypted', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    // The bulk queue, the objection queue, their dead-letter queues, the two feedback functions'
    // ones, and the two table stream consumers' on-failure queues.
    expect(Object.keys(queues)).toHaveLength(8);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
      VisibilityTimeout: 60,
      SqsManagedSseEnabled: true,
    });
    for (const queue of Object.values(queues) as Resource[]) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
  });

  it('refuses unencrypted transport to every queue', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as Resource[];
    expect(policies).toHaveLength(8);
    for (const policy of policies) {
      const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
      expect(
        statements.some((s) => s.Effect === 'Deny' && JSON.stringify(s).includes('aws:SecureTransport')),
      ).toBe(true);
    }
  });

  it('feeds the consumer in batches with partial batch failures', () => {
    const [fnId] = functionOf(template, bulk!);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('lets only the stream consumer put events (no request-path publish), and tells it the bus', () => {
    for (const entryPoint of entryPoints) {
      const puts = actionsOf(statementsOf(template, entryPoint)).includes('events:PutEvents');
      // SesFeedback forwards a tenant's own feedback to the bus the tenant set (this account
      // and region only: its own test below); no other function publishes.
      expect(puts, entryPoint.id).toBe(
        entryPoint.id === 'PublishEvents' || entryPoint.needs.forwardFeedback === true,
      );
    }
    const variables = (entry: EntryPoint) =>
      (functionOf(template, entry)[1].Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
    expect(variables(entryPoints.find((e) => e.id === 'PublishEvents')!)[ENV.eventBusName]).toBeDefined();
    expect(variables(bulk!)[ENV.eventBusName]).toBeUndefined();
    template.resourceCountIs('AWS::Events::EventBus', 1);
  });

  it('routes the SES v2 paths and SES v1 (POST /) to their own function, every other /v2/email/ path too (SES-shaped errors)', () => {
    const ses = entryPoints.find((e) => e.id === 'SesSendEmail')!;
    expect(ses.routes).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/v2/email/outbound-emails' },
        { method: 'POST', path: '/v2/email/outbound-bulk-emails' },
        { method: 'GET', path: '/v2/email/account' },
        { method: 'DELETE', path: '/v2/email/templates/{TemplateName}' },
      ]),
    );
    for (const key of [
      'POST /v2/email/outbound-emails',
      'POST /v2/email/outbound-bulk-emails',
      'GET /v2/email/{proxy+}',
      'POST /v2/email/{proxy+}',
      'PUT /v2/email/{proxy+}',
      'DELETE /v2/email/{proxy+}',
      // SES v1's Query API: a form POST to the root.
      'POST /',
    ]) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key });
    }
  });
});

describe('SES feedback', () => {
  const feedback = entryPoints.find((e) => e.trigger?.type === 'sesFeedback')!;

  it('subscribes SesFeedback to an encrypted (rotating customer managed key), TLS-only topic only SES of this account may publish to', () => {
    const template = synthStack();
    const topics = template.findResources('AWS::SNS::Topic', {
      Properties: { DisplayName: 'consent-gate SES feedback' },
    });
    expect(Object.keys(topics)).toHaveLength(1);
    const [topicId, topic] = Object.entries(topics)[0] as [string, Resource];
    const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const key = template.toJSON().Resources[keyId] as Resource;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key.Properties.KeyPolicy)).toContain('ses.amazonaws.com');
    const [fnId] = functionOf(template, feedback);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topicId },
      Endpoint: { 'Fn::GetAtt': [fnId, 'Arn'] },
    });
    const policy = JSON.stringify(
      Object.values(template.findResources('AWS::SNS::TopicPolicy')).filter((p) =>
        JSON.stringify(p).includes(topicId),
      ),
    );
    expect(policy).toContain('ses.amazonaws.com');
    expect(policy).toContain('aws:SourceAccount');
    expect(policy).toContain('aws:SecureTransport');
    expect(policy).not.toContain('sms-voice.amazonaws.com');
  });

  it('grants the feedback function the table and keys, and neither sending email nor SMS', () => {
    const actions = actionsOf(statementsOf(synthStack(), feedback));
    expect(actions).toContain('dynamodb:PutItem');
    expect(actions.some((a) => a.startsWith('ses:') || a.startsWith('sms-voice:'))).toBe(false);
  });

  it("lets only the feedback function forward tenants' feedback, to topics and buses of this account and region, never to the gateway's own topics", () => {
    const template = synthStack();
    const statements = statementsOf(template, feedback);
    const allowed = (action: string) =>
      statements
        .filter((s) => s.Effect !== 'Deny' && asList(s.Action).includes(action))
        .flatMap((s) => asList(s.Resource).map(flatten));
    expect(allowed('sns:Publish')).toEqual(['arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:*']);
    expect(allowed('events:PutEvents')).toEqual([
      'arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/*',
    ]);
    const denied = statements
      .filter((s) => s.Effect === 'Deny' && asList(s.Action).includes('sns:Publish'))
      .flatMap((s) => asList(s.Resource).map(flatten));
    const topicIds = Object.keys(template.findResources('AWS::SNS::Topic')).filter(
      (id) => id.includes('SesFeedbackTopic') || id.includes('InboundSms'),
    );
    expect(denied.sort()).toEqual(topicIds.map((id) => `<${id}>`).sort());
    const [, fn] = functionOf(template, feedback);
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables[ENV.feedbackBusName]).toBeDefined();
    expect(variables[ENV.gatewayAccount]).toEqual({ Ref: 'AWS::AccountId' });
    for (const entryPoint of entryPoints.filter((e) => e !== feedback)) {
      const actions = actionsOf(statementsOf(template, entryPoint));
      expect(actions.includes('sns:Publish'), entryPoint.id).toBe(false);
    }
  });

  it('adds an event destination to the configuration set only when one is given', () => {
    expect(
      Object.keys(synthStack().findResources('AWS::SES::ConfigurationSetEventDestination')),
    ).toHaveLength(0);
    const template = synthStack({ configurationSetName: 'marketing' });
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: 'marketing',
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint', 'delivery'],
        SnsDestination: { TopicARN: Match.anyValue() },
      }),
    });
  });
});

describe('configuration sets senders may name on the SES v2 endpoint', () => {
  it('grants ses:SendEmail on them to the SES function only, tells it which, and keeps the feedback', () => {
    const ses = entryPoints.find((e) => e.id === 'SesSendEmail')!;
    const template = synthStack({ senderConfigurationSets: 'app-events' });
    const [, fn] = functionOf(template, ses);
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables[ENV.sesSenderConfigurationSets]).toBe('["app-events"]');
    const send = entryPoints.find((e) => e.id === 'SendMessage')!;
    const other = (
      functionOf(template, send)[1].Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(other[ENV.sesSenderConfigurationSets]).toBeUndefined();
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(':configuration-set/app-events');
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: 'app-events',
      EventDestination: Match.objectLike({ MatchingEventTypes: ['bounce', 'complaint', 'delivery'] }),
    });
  });
});

describe('events out from the table stream', () => {
  const template = synthStack();
  const publisher = entryPoints.find((e) => e.trigger?.type === 'tableStream')!;
  const queueId = () =>
    Object.keys(template.findResources('AWS::SQS::Queue')).find((id) =>
      id.includes('EventStreamDeadLetterQueue'),
    )!;

  it('streams the new and the old image of every item of the table (the old one: a TTL deletion, R9)', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('feeds PublishEvents from the stream: partial batch failures, bisection, bounded retries, an on-failure queue, one batch per shard', () => {
    expect(publisher.id).toBe('PublishEvents');
    const [fnId] = functionOf(template, publisher);
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::GlobalTable'))[0]!;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: EVENT_STREAM_RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(), 'Arn'] } } },
    });
  });

  it('gives PublishEvents the stream and the bus, and of the table only what tombstones need (R9): Query and PutItem on the table, not its index', () => {
    const statements = statementsOf(template, publisher);
    const actions = actionsOf(statements);
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'events:PutEvents']),
    );
    expect(
      actions
        .filter((a) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|Query|GetItem|Scan|Batch)/.test(a))
        .sort(),
    ).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::GlobalTable'))[0]!;
    const tableStatements = statements.filter((st) => actionsOf([st]).includes('dynamodb:PutItem'));
    expect(tableStatements).toHaveLength(1);
    expect(asList(tableStatements[0]!.Resource)).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    expect(actionsOf(tableStatements).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
  });

  it("feeds CountEvents (the console's counters) from the same stream through its own mapping and on-failure queue, alarmed", () => {
    const counters = entryPoints.find((e) => e.trigger?.type === 'counterStream')!;
    expect(counters.id).toBe('CountEvents');
    expect(counters.needs).toEqual({ table: 'readWrite' });
    const [fnId] = functionOf(template, counters);
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::GlobalTable'))[0]!;
    const counterQueueId = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) =>
      id.includes('CounterStreamDeadLetterQueue'),
    )!;
    expect(counterQueueId).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [counterQueueId, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [counterQueueId, 'QueueName'] } }],
      Threshold: 1,
    });
    expect(actionsOf(statementsOf(template, counters))).not.toContain('events:PutEvents');
  });

  it('alarms on the first batch in the on-failure queue and on an iterator age over a minute', () => {
    const [topicId] = Object.keys(
      template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'consent-gate alarms' } }),
    ) as [string];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId(), 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [{ Ref: topicId }],
    });
    const [fnId] = functionOf(template, publisher);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
      Statistic: 'Maximum',
      Threshold: 60_000,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
    template.hasOutput('EventStreamDeadLetterQueueUrl', Match.anyValue());
  });
});

describe('dead-letter alarms', () => {
  it('alarm on the first message in the objection and bulk dead-letter queues, notifying the alarm topic', () => {
    const template = synthStack();
    const [topicId] = Object.keys(
      template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'consent-gate alarms' } }),
    ) as [string];
    const queues = template.findResources('AWS::SQS::Queue');
    for (const logicalPrefix of ['ObjectionDeadLetterQueue', 'BulkDeadLetterQueue']) {
      const queueId = Object.keys(queues).find((id) => id.includes(logicalPrefix));
      expect(queueId, logicalPrefix).toBeDefined();
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topicId }],
      });
    }
  });
});

describe('lost feedback: SNS-fed functions have a dead-letter queue', () => {
  const template = synthStack();
  const queues = template.findResources('AWS::SQS::Queue');
  const cases = [
    ['SmsInbound', 'InboundSms', 'InboundSmsDeadLetterQueue'],
    ['SesFeedback', 'SesFeedbackTopic', 'SesFeedbackDeadLetterQueue'],
  ] as const;
  const queueIdOf = (prefix: string) => {
    const id = Object.keys(queues).find((q) => q.startsWith(`Gateway${prefix}`));
    expect(id, prefix).toBeDefined();
    return id!;
  };

  it.each(cases)(
    '%s: after Lambda retries twice (6 h at most), the event goes to its encrypted, TLS-only dead-letter queue',
    (fnIdSuffix, _topic, queuePrefix) => {
      const entryPoint = entryPoints.find((e) => e.id === fnIdSuffix)!;
      const [fnId] = functionOf(template, entryPoint);
      const queueId = queueIdOf(queuePrefix);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fnId },
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
      const queue = queues[queueId] as Resource;
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 86_400);
      const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p) =>
        JSON.stringify(p).includes(queueId),
      );
      expect(JSON.stringify(policy)).toContain('aws:SecureTransport');
      // The function may send to its destination, and to no other queue.
      const sends = statementsOf(template, entryPoint)
        .filter((st) => actionsOf([st]).includes('sqs:SendMessage'))
        .flatMap((st) => asList(st.Resource))
        .map(flatten);
      expect(sends).toEqual([`<${queueId}.Arn>`]);
    },
  );

  it.each(cases)(
    '%s: SNS deliveries that fail go to the same queue (subscription redrive policy), SNS of that topic only',
    (fnIdSuffix, topicPrefix, queuePrefix) => {
      const [fnId] = functionOf(template, entryPoints.find((e) => e.id === fnIdSuffix)!);
      const queueId = queueIdOf(queuePrefix);
      const topicId = Object.keys(template.findResources('AWS::SNS::Topic')).find((t) =>
        t.startsWith(`Gateway${topicPrefix}`),
      )!;
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': [fnId, 'Arn'] },
        TopicArn: { Ref: topicId },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      });
      const policy = JSON.stringify(
        Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p) =>
          JSON.stringify(p).includes(queueId),
        ),
      );
      expect(policy).toContain('sns.amazonaws.com');
      expect(policy).toContain(topicId);
    },
  );

  it.each(cases)(
    '%s: its first dead letter raises an alarm on the alarm topic',
    (_fn, _topic, queuePrefix) => {
      const [topicId] = Object.keys(
        template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'consent-gate alarms' } }),
      ) as [string];
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueIdOf(queuePrefix), 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId }],
        AlarmDescription: Match.stringLikeRegexp('npm run redrive'),
      });
    },
  );

  it('outputs both dead-letter queue URLs, for the redrive command', () => {
    template.hasOutput('InboundSmsDeadLetterQueueUrl', Match.anyValue());
    template.hasOutput('SesFeedbackDeadLetterQueueUrl', Match.anyValue());
  });
});

describe('complaint-rate alarm (mailbox provider thresholds)', () => {
  it('fires when any tenant reaches its warning level (ComplaintRateLevel >= 1), notifying the alarm topic', () => {
    const template = synthStack();
    const topics = template.findResources('AWS::SNS::Topic', {
      Properties: { DisplayName: 'consent-gate alarms' },
    });
    expect(Object.keys(topics)).toHaveLength(1);
    const [topicId] = Object.keys(topics) as [string];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS.namespace,
      MetricName: METRICS.complaintRateLevel,
      Dimensions: [{ Name: 'service', Value: METRICS.service }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
    });
    expect(
      flatten((template.toJSON().Outputs as Record<string, { Value: unknown }>).AlarmTopicArn?.Value),
    ).toBe(`<${topicId}>`);
  });

  it('encrypts the alarm topic with a rotating key CloudWatch may use, TLS only, published to by CloudWatch of this account', () => {
    const template = synthStack();
    const [topicId, topic] = Object.entries(
      template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'consent-gate alarms' } }),
    )[0] as [string, Resource];
    const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const key = template.toJSON().Resources[keyId] as Resource;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key.Properties.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    const policy = JSON.stringify(
      Object.values(template.findResources('AWS::SNS::TopicPolicy')).filter((p) =>
        JSON.stringify(p).includes(topicId),
      ),
    );
    expect(policy).toContain('cloudwatch.amazonaws.com');
    expect(policy).toContain('aws:SourceAccount');
    expect(policy).toContain('aws:SecureTransport');
  });

  it('notifies a given alarmTopic instead of creating one', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'Test');
    const own = new Topic(stack, 'OnCall', { enforceSSL: true });
    const gateway = new ConsentGateway(stack, 'Gateway', {
      emailIdentities: ['example.com'],
      alarmTopic: own,
    });
    expect(gateway.alarmTopic).toBe(own);
    const template = Template.fromStack(stack);
    expect(
      Object.keys(
        template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'consent-gate alarms' } }),
      ),
    ).toEqual([]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: stack.getLogicalId(own.node.defaultChild as CfnTopic) }],
    });
  });
});
