import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, RUNTIME } from '../../infra/bundling';
import { smtpRelay } from '../../infra/entry-points';
import { ConsentGateway, type ConsentGatewayProps, ConsentGatewayPropsError } from '../../infra/gateway';
import { ConsentGatewayStack } from '../../infra/gateway-stack';
import {
  type ConsentGatewaySmtpRelayProps,
  SMTP_RELAY_ENV,
  SMTP_RELAY_IMAGE_DIR,
} from '../../infra/smtp-relay-service';

/** The entry point whose grants the relay's task must equal: it sends as that function does (the same `needs`). */
const SMTP_RELAY_GRANTS_OF = 'SesSendEmail';

/** Template tests skip esbuild (the functions' and the relay image's); the last suite bundles. */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const CERTIFICATE_ARN = 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:smtp-relay-certificate-AbCdEf';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Principal?: unknown;
};
type TemplateJson = { Resources: Record<string, Resource>; Outputs?: Record<string, unknown> };

function synthStack(context: Record<string, unknown> = {}): { stack: Stack; template: Template } {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  const stack = new ConsentGatewayStack(app, 'Test');
  return { stack, template: Template.fromStack(stack) };
}

function gatewayTemplate(
  props: Omit<Partial<ConsentGatewayProps>, 'smtpRelay'> & {
    relay?: Partial<ConsentGatewaySmtpRelayProps>;
  } = {},
): Template {
  const { relay, ...rest } = props;
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'Test');
  new ConsentGateway(stack, 'Gateway', {
    emailIdentities: ['example.com'],
    ...rest,
    smtpRelay: {
      certificateSecret: Secret.fromSecretCompleteArn(stack, 'Certificate', CERTIFICATE_ARN),
      ...relay,
    },
  });
  return Template.fromStack(stack);
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

function only(template: Template, type: string, props: Record<string, unknown> = {}): [string, Resource] {
  const found = Object.entries(template.findResources(type, props ? { Properties: props } : undefined));
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Resource];
}

const relayOn = { smtpRelayCertificateSecretArn: CERTIFICATE_ARN };

function roleOfFunction(template: Template, id: string): string {
  const [, fn] = only(template, 'AWS::Lambda::Function', { FunctionName: `Test-${id}` });
  return (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

function taskRoleOf(template: Template): string {
  const [, taskDefinition] = only(template, 'AWS::ECS::TaskDefinition');
  return (taskDefinition.Properties.TaskRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

function executionRoleOf(template: Template): string {
  const [, taskDefinition] = only(template, 'AWS::ECS::TaskDefinition');
  return (taskDefinition.Properties.ExecutionRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

function statementsOfRole(template: Template, roleId: string): Statement[] {
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

type ContainerDefinition = {
  Environment: { Name: string; Value: unknown }[];
  PortMappings: { ContainerPort: number; Protocol: string }[];
  Image: unknown;
  LogConfiguration: { LogDriver: string; Options: Record<string, unknown> };
  HealthCheck: { Command: string[] };
};

function containerOf(template: Template): ContainerDefinition {
  const [, taskDefinition] = only(template, 'AWS::ECS::TaskDefinition');
  const containers = taskDefinition.Properties.ContainerDefinitions as ContainerDefinition[];
  expect(containers).toHaveLength(1);
  return containers[0]!;
}

function containerEnvironment(template: Template): Record<string, unknown> {
  return Object.fromEntries(containerOf(template).Environment.map(({ Name, Value }) => [Name, Value]));
}

describe('SMTP relay: off by default', () => {
  const off = synthStack().template;
  const on = synthStack(relayOn).template;

  it('creates nothing of EC2, ECS or Elastic Load Balancing, and no SmtpRelayHost output', () => {
    const types = Object.values(off.toJSON().Resources as Record<string, Resource>).map((r) => r.Type);
    expect(types.filter((type) => /^AWS::(EC2|ECS|ElasticLoadBalancingV2|ECR)::/.test(type))).toEqual([]);
    expect(Object.keys(off.toJSON().Outputs ?? {})).not.toContain('SmtpRelayHost');
  });

  it('turned on, only adds its own resources: every other resource is unchanged but the credential key, which lets the task decrypt', () => {
    const offJson = off.toJSON() as TemplateJson;
    const onJson = structuredClone(on.toJSON()) as TemplateJson;
    const added = Object.keys(onJson.Resources).filter((id) => !(id in offJson.Resources));
    expect(added.length).toBeGreaterThan(20);
    expect(added.filter((id) => !id.startsWith('GatewaySmtpRelay'))).toEqual([]);
    for (const id of added) delete onJson.Resources[id];

    // The one change elsewhere: the credential key's policy and description name the relay.
    const [keyId] = only(on, 'AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('SES credential secrets'),
    });
    const key = onJson.Resources[keyId]!.Properties;
    const policy = key.KeyPolicy as { Statement: Statement[] };
    const relayStatements = policy.Statement.filter((st) => st.Sid === 'DecryptCredentialSecretsSmtpRelay');
    expect(relayStatements).toHaveLength(1);
    policy.Statement = policy.Statement.filter((st) => st.Sid !== 'DecryptCredentialSecretsSmtpRelay');
    expect(key.Description).toMatch(/SMTP relay decrypt/);
    key.Description = (offJson.Resources[keyId]!.Properties as { Description: string }).Description;

    expect(onJson.Resources).toEqual(offJson.Resources);
    const outputs = onJson.Outputs ?? {};
    const relayOutputs = Object.keys(outputs).filter((name) => name.startsWith('SmtpRelay'));
    expect(relayOutputs.sort()).toEqual(['SmtpRelayCluster', 'SmtpRelayHost', 'SmtpRelayService']);
    for (const name of relayOutputs) delete outputs[name];
    expect(outputs).toEqual(offJson.Outputs);
  });

  it('refuses smtpRelayAllowedCidrs without the certificate (the relay would silently stay off)', () => {
    expect(() => synthStack({ smtpRelayAllowedCidrs: '203.0.113.0/24' })).toThrow(
      /smtpRelayAllowedCidrs needs smtpRelayCertificateSecretArn/,
    );
  });
});

describe('SMTP relay: turned on by context smtpRelayCertificateSecretArn', () => {
  const { template } = synthStack(relayOn);

  it('has an internet-facing Network Load Balancer with TCP listeners 587 and 465, each forwarding to a TCP target group of the container port', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    const [lbId, lb] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(lb.Properties).toMatchObject({ Type: 'network', Scheme: 'internet-facing' });
    const listeners = Object.values(
      template.findResources('AWS::ElasticLoadBalancingV2::Listener'),
    ) as Resource[];
    expect(listeners.map((l) => [l.Properties.Port, l.Properties.Protocol]).sort()).toEqual([
      [465, 'TCP'],
      [587, 'TCP'],
    ]);
    const groups = template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup') as Record<
      string,
      Resource
    >;
    const forwardedTo = Object.fromEntries(
      listeners.map((l) => {
        expect(l.Properties.LoadBalancerArn).toEqual({ Ref: lbId });
        const [action] = l.Properties.DefaultActions as { Type: string; TargetGroupArn: { Ref: string } }[];
        expect(action!.Type).toBe('forward');
        return [l.Properties.Port, groups[action!.TargetGroupArn.Ref]!.Properties];
      }),
    );
    for (const [listener, container] of [
      [587, 2587],
      [465, 2465],
    ] as const) {
      expect(forwardedTo[listener], `listener ${listener}`).toMatchObject({
        Port: container,
        Protocol: 'TCP',
        TargetType: 'ip',
        HealthCheckProtocol: 'TCP',
      });
      // The health check is the traffic port: a TCP connect on the relay's port.
      expect(forwardedTo[listener]).not.toHaveProperty('HealthCheckPort');
    }
  });

  it('runs the relay as a Fargate task on ARM64 Linux, 0.25 vCPU and 512 MiB, from an image asset', () => {
    const [, taskDefinition] = only(template, 'AWS::ECS::TaskDefinition');
    expect(taskDefinition.Properties).toMatchObject({
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      Cpu: '256',
      Memory: '512',
    });
    const container = containerOf(template);
    expect(JSON.stringify(container.Image)).toMatch(/container-assets/);
    expect(container.PortMappings).toEqual([
      { ContainerPort: 2587, Protocol: 'tcp' },
      { ContainerPort: 2465, Protocol: 'tcp' },
    ]);
    expect(container.HealthCheck.Command.join(' ')).toContain('connect(2587');
  });

  it('runs two tasks in private subnets without public addresses, behind both target groups, rolling back a failed deployment', () => {
    const [, service] = only(template, 'AWS::ECS::Service');
    expect(service.Properties).toMatchObject({
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      DeploymentConfiguration: {
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      },
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
    });
    const balancers = service.Properties.LoadBalancers as { ContainerName: string; ContainerPort: number }[];
    expect(balancers.map((b) => [b.ContainerName, b.ContainerPort])).toEqual([
      ['Relay', 2587],
      ['Relay', 2465],
    ]);
    const subnets = (
      service.Properties.NetworkConfiguration as { AwsvpcConfiguration: { Subnets: { Ref: string }[] } }
    ).AwsvpcConfiguration.Subnets.map((s) => s.Ref);
    expect(subnets).toHaveLength(2);
    for (const subnet of subnets) expect(subnet).toMatch(/Tasks/);
  });

  it('has the SES endpoint function’s environment, names and values, plus the relay’s own', () => {
    const fnId = Object.keys(
      template.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: `Test-${SMTP_RELAY_GRANTS_OF}` },
      }),
    )[0]!;
    const fnEnvironment = (
      (template.toJSON().Resources[fnId] as Resource).Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    const { AWS_REGION, ...relayEnvironment } = containerEnvironment(template);
    expect(AWS_REGION).toEqual({ Ref: 'AWS::Region' });
    const own = Object.values(SMTP_RELAY_ENV) as string[];
    const shared = Object.fromEntries(
      Object.entries(relayEnvironment).filter(([name]) => !own.includes(name)),
    );
    expect(shared).toEqual(fnEnvironment);
    expect(Object.keys(fnEnvironment)).toEqual(
      expect.arrayContaining(['TABLE_NAME', 'HASH_KEY_SECRET_ARN', 'CREDENTIAL_KEY_ARN', 'KEY_RATE_LIMIT']),
    );
    expect(relayEnvironment).toMatchObject({
      SMTP_RELAY_MAIN: '1',
      SMTP_PORT: '2587',
      SMTP_TLS_PORT: '2465',
      SMTP_TLS_CERT_SECRET_ARN: CERTIFICATE_ARN,
    });
    // Unset: the relay's own default (the SES endpoint's raw message limit).
    expect(relayEnvironment).not.toHaveProperty('SMTP_MAX_MESSAGE_BYTES');
  });

  it('grants the task role exactly the SES endpoint function’s statements, plus reading the certificate', () => {
    const fnStatements = statementsOfRole(template, roleOfFunction(template, SMTP_RELAY_GRANTS_OF));
    // The function writes its own log group; the task's logs go through the execution role.
    const isLogWrite = (st: Statement) => asList(st.Action).every((a) => a.startsWith('logs:'));
    expect(fnStatements.filter(isLogWrite)).toHaveLength(1);
    const certificateRead = {
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Effect: 'Allow',
      Resource: CERTIFICATE_ARN,
    };
    const taskStatements = statementsOfRole(template, taskRoleOf(template));
    expect(taskStatements).toEqual([certificateRead, ...fnStatements.filter((st) => !isLogWrite(st))]);
  });

  it('lets the task role decrypt credential secrets in the key policy, with the same condition as the function', () => {
    const [, key] = only(template, 'AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('SES credential secrets'),
    });
    const statements = (key.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
    const fn = statements.find((st) => st.Sid === `DecryptCredentialSecrets${SMTP_RELAY_GRANTS_OF}`);
    const task = statements.find((st) => st.Sid === 'DecryptCredentialSecretsSmtpRelay');
    expect(task).toBeDefined();
    expect(task?.Principal).toEqual({ AWS: { 'Fn::GetAtt': [taskRoleOf(template), 'Arn'] } });
    const { Sid: _fnSid, Principal: _fnPrincipal, ...fnRest } = fn!;
    const { Sid: _taskSid, Principal: _taskPrincipal, ...taskRest } = task!;
    expect(taskRest).toEqual(fnRest);
  });

  it('lets the task role alone read the certificate secret (not the execution role, not a function)', () => {
    const readers = (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
      .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes(CERTIFICATE_ARN))
      .flatMap((policy) => (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref));
    expect(readers).toEqual([taskRoleOf(template)]);
    // Not handed to the container by ECS either (that would be the execution role reading it).
    expect(containerOf(template)).not.toHaveProperty('Secrets');
  });

  it('grants "*" only for ecr:GetAuthorizationToken, to the execution role (it takes no resource)', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
    const wildcards = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter((st) =>
        asList(st.Resource).includes('*'),
      ).map((st) => ({ roles: policy.Properties.Roles, action: st.Action })),
    );
    expect(wildcards).toEqual([
      { roles: [{ Ref: executionRoleOf(template) }], action: 'ecr:GetAuthorizationToken' },
    ]);
  });

  it('lets clients reach 587 and 465 of the load balancer only (default anywhere), the tasks only from the load balancer, and the tasks out on 443 only', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup') as Record<string, Resource>;
    expect(Object.keys(groups)).toHaveLength(2);
    const [lbSg] = Object.entries(groups).find(([, g]) =>
      /load balancer/.test(g.Properties.GroupDescription as string),
    )!;
    const [taskSg] = Object.entries(groups).find(([, g]) =>
      /tasks/.test(g.Properties.GroupDescription as string),
    )!;
    const [, lb] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(lb.Properties.SecurityGroups).toEqual([{ 'Fn::GetAtt': [lbSg, 'GroupId'] }]);
    const [, service] = only(template, 'AWS::ECS::Service');
    expect(
      (service.Properties.NetworkConfiguration as { AwsvpcConfiguration: { SecurityGroups: unknown } })
        .AwsvpcConfiguration.SecurityGroups,
    ).toEqual([{ 'Fn::GetAtt': [taskSg, 'GroupId'] }]);

    const inline = (id: string, key: 'SecurityGroupIngress' | 'SecurityGroupEgress') =>
      ((groups[id]!.Properties[key] ?? []) as Record<string, unknown>[]).map(
        ({ CidrIp, IpProtocol, FromPort, ToPort }) => ({ CidrIp, IpProtocol, FromPort, ToPort }),
      );
    expect(inline(lbSg, 'SecurityGroupIngress')).toEqual([
      { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 587, ToPort: 587 },
      { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 465, ToPort: 465 },
    ]);
    expect(inline(taskSg, 'SecurityGroupIngress')).toEqual([]);
    expect(inline(taskSg, 'SecurityGroupEgress')).toEqual([
      { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 },
    ]);
    // No "allow all" egress on the load balancer: its egress goes to the tasks only.
    expect(JSON.stringify(groups[lbSg]!.Properties.SecurityGroupEgress ?? [])).not.toContain('0.0.0.0/0');

    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')) as Resource[];
    expect(
      ingress.map((r) => [r.Properties.GroupId, r.Properties.SourceSecurityGroupId, r.Properties.FromPort]),
    ).toEqual([
      [{ 'Fn::GetAtt': [taskSg, 'GroupId'] }, { 'Fn::GetAtt': [lbSg, 'GroupId'] }, 2587],
      [{ 'Fn::GetAtt': [taskSg, 'GroupId'] }, { 'Fn::GetAtt': [lbSg, 'GroupId'] }, 2465],
    ]);
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')) as Resource[];
    expect(
      egress.map((r) => [
        r.Properties.GroupId,
        r.Properties.DestinationSecurityGroupId,
        r.Properties.FromPort,
      ]),
    ).toEqual([
      [{ 'Fn::GetAtt': [lbSg, 'GroupId'] }, { 'Fn::GetAtt': [taskSg, 'GroupId'] }, 2587],
      [{ 'Fn::GetAtt': [lbSg, 'GroupId'] }, { 'Fn::GetAtt': [taskSg, 'GroupId'] }, 2465],
    ]);
  });

  it('logs the container and the VPC flows to log groups with the construct’s retention (default three months)', () => {
    const container = containerOf(template);
    expect(container.LogConfiguration.LogDriver).toBe('awslogs');
    const logGroupId = (container.LogConfiguration.Options['awslogs-group'] as { Ref: string }).Ref;
    expect(logGroupId).toMatch(/^GatewaySmtpRelayLogs/);
    const groups = template.findResources('AWS::Logs::LogGroup') as Record<string, Resource>;
    expect(groups[logGroupId]).toMatchObject({
      Properties: { RetentionInDays: 90 },
      DeletionPolicy: 'Retain',
    });
    const [, flowLog] = only(template, 'AWS::EC2::FlowLog');
    expect(flowLog.Properties.TrafficType).toBe('ALL');
    const flowGroup = (flowLog.Properties.LogGroupName as { Ref: string }).Ref;
    expect(groups[flowGroup]).toMatchObject({ Properties: { RetentionInDays: 90 } });
  });

  it('builds its own VPC: two zones, one NAT gateway, gateway endpoints for DynamoDB and S3, and Container Insights on the cluster', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')) as Resource[];
    expect(
      endpoints.map((e) => [e.Properties.VpcEndpointType, JSON.stringify(e.Properties.ServiceName)]),
    ).toEqual([
      ['Gateway', expect.stringContaining('.dynamodb')],
      ['Gateway', expect.stringContaining('.s3')],
    ]);
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('outputs the load balancer’s DNS name as SmtpRelayHost, and the cluster and service names', () => {
    const [lbId] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    template.hasOutput('SmtpRelayHost', { Value: { 'Fn::GetAtt': [lbId, 'DNSName'] } });
    const [clusterId] = only(template, 'AWS::ECS::Cluster');
    template.hasOutput('SmtpRelayCluster', { Value: { Ref: clusterId } });
    const [serviceId] = only(template, 'AWS::ECS::Service');
    template.hasOutput('SmtpRelayService', { Value: { 'Fn::GetAtt': [serviceId, 'Name'] } });
  });

  it('limits the ports to smtpRelayAllowedCidrs when given', () => {
    const narrowed = synthStack({
      ...relayOn,
      smtpRelayAllowedCidrs: '203.0.113.0/24, 198.51.100.7/32',
    }).template;
    const groups = narrowed.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('load balancer') },
    }) as Record<string, Resource>;
    const ingress = Object.values(groups)[0]!.Properties.SecurityGroupIngress as {
      CidrIp: string;
      FromPort: number;
    }[];
    expect(ingress.map((rule) => [rule.CidrIp, rule.FromPort])).toEqual([
      ['203.0.113.0/24', 587],
      ['203.0.113.0/24', 465],
      ['198.51.100.7/32', 587],
      ['198.51.100.7/32', 465],
    ]);
  });
});

describe('SMTP relay props', () => {
  it('applies desiredCount, cpu, memoryLimitMiB, maxMessageBytes and the construct’s logRetention', () => {
    const template = gatewayTemplate({
      logRetention: RetentionDays.ONE_MONTH,
      relay: {
        desiredCount: 3,
        cpu: 1024,
        memoryLimitMiB: 3072,
        maxMessageBytes: 20_000_000,
      },
    });
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 3 });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '1024', Memory: '3072' });
    expect(containerEnvironment(template)).toMatchObject({ [SMTP_RELAY_ENV.maxMessageBytes]: '20000000' });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('runs in a given VPC without creating one', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'Test');
    const vpc = new Vpc(stack, 'Shared', { maxAzs: 2, restrictDefaultSecurityGroup: false });
    new ConsentGateway(stack, 'Gateway', {
      emailIdentities: ['example.com'],
      smtpRelay: {
        certificateSecret: Secret.fromSecretCompleteArn(stack, 'Certificate', CERTIFICATE_ARN),
        vpc,
      },
    });
    const template = Template.fromStack(stack);
    const vpcs = Object.keys(template.findResources('AWS::EC2::VPC'));
    expect(vpcs).toEqual([expect.stringMatching(/^Shared/)]);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    const [, lb] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    for (const subnet of lb.Properties.Subnets as { Ref: string }[])
      expect(subnet.Ref).toMatch(/^SharedPublic/);
  });

  it('grants the task the sender configuration sets too, when the SES endpoint has them', () => {
    const template = gatewayTemplate({ senderConfigurationSets: ['own-events'] });
    const taskStatements = statementsOfRole(template, taskRoleOf(template));
    expect(JSON.stringify(taskStatements)).toContain(':configuration-set/own-events');
    expect(containerEnvironment(template)).toMatchObject({ SES_SENDER_CONFIGURATION_SETS: '["own-events"]' });
  });

  it.each([
    ['a CPU Fargate does not offer', { cpu: 300 }],
    ['memory below what the CPU needs', { cpu: 1024, memoryLimitMiB: 1024 }],
    ['memory off the CPU’s steps', { cpu: 256, memoryLimitMiB: 700 }],
    ['no task', { desiredCount: 0 }],
    ['a fractional count', { desiredCount: 1.5 }],
    ['an empty allowedCidrs', { allowedCidrs: [] }],
    ['an address without a prefix length', { allowedCidrs: ['203.0.113.7'] }],
    ['an octet over 255', { allowedCidrs: ['203.0.113.256/32'] }],
    ['an IPv6 range (the load balancer is IPv4)', { allowedCidrs: ['2001:db8::/32'] }],
    ['a message limit over SES’s 40 MB', { maxMessageBytes: 40_000_001 }],
  ])('refuses %s, naming the prop', (_title, relay) => {
    expect(() => gatewayTemplate({ relay })).toThrow(
      expect.objectContaining({
        name: ConsentGatewayPropsError.name,
        message: expect.stringMatching(/^smtpRelay\./),
      }),
    );
  });
});

describe('SMTP relay: cdk-nag AwsSolutionsChecks', () => {
  it.each([
    ['anywhere', relayOn],
    ['allowed ranges', { ...relayOn, smtpRelayAllowedCidrs: '203.0.113.0/24' }],
  ])('finds nothing unacknowledged, allowing %s (fast, without bundling)', (_title, context) => {
    const app = new App({ context: { ...NO_BUNDLING, ...context } });
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
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  it('the image starts from the Node.js major version the functions run on', () => {
    const dockerfile = readFileSync(join(SMTP_RELAY_IMAGE_DIR, 'Dockerfile'), 'utf8');
    const major = /^nodejs(\d+)\.x$/.exec(RUNTIME.name)?.[1];
    expect(dockerfile).toMatch(
      new RegExp(`^FROM public\\.ecr\\.aws/docker/library/node:${major}-slim$`, 'm'),
    );
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "index\.mjs"\]$/m);
  });

  describe('through Validations, as infra/app.ts runs it, with esbuild bundling and no Docker', () => {
    let outdir: string;
    let synthError: Error | undefined;

    beforeAll(() => {
      outdir = mkdtempSync(join(tmpdir(), 'consent-gate-cdk-relay-'));
      const app = new App({ outdir, context: relayOn });
      new ConsentGatewayStack(app, 'Test');
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
      // Any use of Docker fails: synthesis must not build the image (cdk-assets does, at deploy).
      const docker = process.env.CDK_DOCKER;
      process.env.CDK_DOCKER = '/nonexistent/docker';
      try {
        app.synth();
      } catch (error) {
        synthError = error as Error;
      } finally {
        if (docker === undefined) delete process.env.CDK_DOCKER;
        else process.env.CDK_DOCKER = docker;
      }
    }, 300_000);

    afterAll(() => {
      rmSync(outdir, { recursive: true, force: true });
    });

    it('synthesizes and reports no violation', () => {
      expect(synthError?.message).toBeUndefined();
      const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: { violations: unknown[] }[];
      };
      expect(report.pluginReports.flatMap((pluginReport) => pluginReport.violations)).toEqual([]);
    });

    it('stages an arm64 image context: the Dockerfile and the relay bundled as the functions are', () => {
      const assets = JSON.parse(readFileSync(join(outdir, 'Test.assets.json'), 'utf8')) as {
        dockerImages: Record<string, { source: { directory: string; platform?: string } }>;
      };
      const images = Object.values(assets.dockerImages);
      expect(images).toHaveLength(1);
      const { directory, platform } = images[0]!.source;
      expect(platform).toBe('linux/arm64');
      expect(readdirSync(join(outdir, directory)).sort()).toEqual(
        ['Dockerfile', 'index.mjs', 'index.mjs.map', ...smtpRelay.assets.map((a) => basename(a))].sort(),
      );
      const code = readFileSync(join(outdir, directory, 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER.slice(0, 40))).toBe(true);
      expect(code).toContain('sourceMappingURL=index.mjs.map');
      expect(code).toContain('SMTP_RELAY_MAIN');
      expect(existsSync(join(outdir, directory, 'node_modules'))).toBe(false);
    });
  });
});
