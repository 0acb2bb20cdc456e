import { copyFileSync, cpSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Duration, type RemovalPolicy, Stack, Stage, Token, Validations } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  type ContainerDefinition,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
  Protocol,
} from 'aws-cdk-lib/aws-ecs';
import { Protocol as LbProtocol, NetworkLoadBalancer } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { bundleLikeFunctions, REPO_ROOT } from './bundling';
import { smtpRelay } from './entry-points';

/** The relay's process (functions/smtp-relay.ts): a long-running Node program, not a Lambda handler. */
export const SMTP_RELAY_ENTRY = smtpRelay.entry;
/** The image's build context as checked in: the Dockerfile; the bundle is added at synth. */
export const SMTP_RELAY_IMAGE_DIR = join(REPO_ROOT, 'infra', 'smtp-relay-image');

/** What the relay reads besides the SES endpoint's environment: the contract in infra/entry-points.ts. */
export const SMTP_RELAY_ENV = smtpRelay.env;

/**
 * The ports clients use (the load balancer's listeners) and the ports the container listens
 * on: the image runs as the unprivileged `node` user, which may not bind below 1024.
 */
export const SMTP_RELAY_PORTS = {
  submission: { listener: 587, container: 2587 },
  implicitTls: { listener: 465, container: 2465 },
} as const;

/** Fargate's CPU units and the memory (MiB) each allows. */
const FARGATE_MEMORY: Readonly<Record<number, { min: number; max: number; step: number }>> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

/** SES v2's largest message (40 MB, attachments included): no point in accepting more. */
const SES_MAX_MESSAGE_BYTES = 40 * 1000 * 1000;

/** The construct's `smtpRelay` prop. */
export interface ConsentGatewaySmtpRelayProps {
  /**
   * The TLS certificate and its private key for the relay's host name, as a Secrets Manager
   * secret whose value is JSON `{"key":"<PEM private key>","cert":"<PEM chain>"}`. Only the
   * relay's task role may read it. A secret under a customer managed KMS key must be given
   * with that key (`Secret.fromSecretAttributes(…, { secretCompleteArn, encryptionKey })`), so
   * that kms:Decrypt is granted too.
   */
  readonly certificateSecret: ISecret;
  /**
   * Tasks running; the load balancer spreads connections over them.
   *
   * @default 2 (one per availability zone of the default VPC)
   */
  readonly desiredCount?: number;
  /**
   * CPU units of each task (256 = 0.25 vCPU), one of Fargate's values.
   *
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Memory of each task in MiB, within what Fargate allows for `cpu`.
   *
   * @default 512
   */
  readonly memoryLimitMiB?: number;
  /**
   * The VPC to run in: public subnets for the internet-facing load balancer, private subnets
   * with a route to the internet (NAT) for the tasks, which call DynamoDB, S3, Secrets
   * Manager, KMS, SES and ECR.
   *
   * @default - a new VPC: two availability zones, one NAT gateway, gateway endpoints for
   * DynamoDB and S3, flow logs
   */
  readonly vpc?: IVpc;
  /**
   * IPv4 ranges that may connect to ports 587 and 465 (the load balancer is IPv4 only).
   * Campaign tools on known addresses: list them.
   *
   * @default ['0.0.0.0/0'] - anywhere: every sender still authenticates (AUTH after TLS)
   */
  readonly allowedCidrs?: readonly string[];
  /**
   * Largest message accepted, in bytes (the SIZE the relay announces; at most SES's 40 MB).
   *
   * @default - the relay's own default (the SES endpoint's raw message limit)
   */
  readonly maxMessageBytes?: number;
}

/** Raised for relay props that cannot be deployed (the gateway rethrows it as its props error). */
export class SmtpRelayPropsError extends Error {
  override name = 'SmtpRelayPropsError';
}

interface SmtpRelayServiceProps extends ConsentGatewaySmtpRelayProps {
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** The environment every function of the gateway starts with. */
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * The SMTP submission relay: an ECS Fargate service (ARM64, Node.js 24) behind an
 * internet-facing Network Load Balancer with TCP listeners on 587 (STARTTLS) and 465
 * (implicit TLS). TLS ends in the container (the load balancer passes TCP through), so the
 * certificate is the relay's. The gateway grants the task role what the SES endpoint gets
 * (`taskRole`, `container`); this construct grants it the certificate secret only.
 */
export class SmtpRelayService extends Construct {
  public readonly vpc: IVpc;
  public readonly cluster: Cluster;
  public readonly taskRole: Role;
  public readonly taskDefinition: FargateTaskDefinition;
  public readonly container: ContainerDefinition;
  public readonly service: FargateService;
  public readonly loadBalancer: NetworkLoadBalancer;
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: SmtpRelayServiceProps) {
    super(scope, id);
    const { cpu, memoryLimitMiB, desiredCount, allowedCidrs, maxMessageBytes } = validate(props);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.vpc = props.vpc ?? this.createVpc(props);
    this.cluster = new Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ContainerInsights.ENABLED,
    });

    this.taskRole = new Role(this, 'TaskRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'consent-gate SmtpRelay task',
    });
    this.taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu,
      memoryLimitMiB,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.ARM64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
      taskRole: this.taskRole,
    });
    this.container = this.taskDefinition.addContainer('Relay', {
      image: this.image(),
      essential: true,
      logging: LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'smtp-relay' }),
      environment: {
        ...props.environment,
        // The SDK clients' region, written out rather than left to the platform.
        AWS_REGION: Stack.of(this).region,
        [SMTP_RELAY_ENV.main]: '1',
        [SMTP_RELAY_ENV.port]: String(SMTP_RELAY_PORTS.submission.container),
        [SMTP_RELAY_ENV.tlsPort]: String(SMTP_RELAY_PORTS.implicitTls.container),
        [SMTP_RELAY_ENV.tlsCertSecretArn]: props.certificateSecret.secretArn,
        ...(maxMessageBytes === undefined
          ? {}
          : { [SMTP_RELAY_ENV.maxMessageBytes]: String(maxMessageBytes) }),
      },
      portMappings: [
        { containerPort: SMTP_RELAY_PORTS.submission.container, protocol: Protocol.TCP },
        { containerPort: SMTP_RELAY_PORTS.implicitTls.container, protocol: Protocol.TCP },
      ],
      // The relay is healthy when it accepts a TCP connection on the submission port (the
      // load balancer checks the same); node is the only program the image is sure to have.
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `require('node:net').connect(${SMTP_RELAY_PORTS.submission.container},'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))`,
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      // Senders retry a dropped session; 30 s lets sessions in DATA finish on a deployment.
      stopTimeout: Duration.seconds(30),
    });
    props.certificateSecret.grantRead(this.taskRole);
    // The execution role pulls the image and writes the log stream; CDK grants it the image's
    // repository and the log group only, but ecr:GetAuthorizationToken has no resource to name.
    const executionRole = this.taskDefinition.obtainExecutionRole();
    Validations.of(executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only ecr:GetAuthorizationToken, which takes no resource (IAM requires "*"); the image pulls are limited to the CDK assets repository.',
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        "The environment holds names, ARNs, ports and limits only (the same as the SES endpoint function's); the certificate, the keys and the credentials are read from Secrets Manager and the table at run time.",
    });

    // Clients reach the load balancer on 587 and 465 from allowedCidrs; the tasks take
    // connections from the load balancer only, and call AWS APIs over HTTPS only.
    const lbSecurityGroup = new SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: this.vpc,
      description: 'consent-gate SMTP relay load balancer: 587 and 465 from the allowed ranges',
      allowAllOutbound: false,
    });
    const taskSecurityGroup = new SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'consent-gate SMTP relay tasks: SMTP from the load balancer, HTTPS out',
      allowAllOutbound: false,
    });
    for (const cidr of allowedCidrs) {
      for (const port of Object.values(SMTP_RELAY_PORTS)) {
        lbSecurityGroup.addIngressRule(Peer.ipv4(cidr), Port.tcp(port.listener), `SMTP ${port.listener}`);
      }
    }
    for (const port of Object.values(SMTP_RELAY_PORTS)) {
      lbSecurityGroup.addEgressRule(
        taskSecurityGroup,
        Port.tcp(port.container),
        `to the relay tasks on ${port.container}`,
      );
      taskSecurityGroup.addIngressRule(
        lbSecurityGroup,
        Port.tcp(port.container),
        `from the load balancer on ${port.container}`,
      );
    }
    taskSecurityGroup.addEgressRule(
      Peer.anyIpv4(),
      Port.tcp(443),
      'AWS APIs (DynamoDB, S3, Secrets Manager, KMS, SES, ECR, CloudWatch Logs)',
    );
    if (allowedCidrs.some((cidr) => cidr.endsWith('/0'))) {
      Validations.of(lbSecurityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason:
          "SMTP submission is reached by the senders' tools from wherever they run (allowedCidrs left to anywhere): every session must authenticate with a sender credential, after TLS; set allowedCidrs to narrow it.",
      });
    }

    this.service = new FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount,
      securityGroups: [taskSecurityGroup],
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
    });

    this.loadBalancer = new NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      securityGroups: [lbSecurityGroup],
      crossZoneEnabled: true,
    });
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason:
        'A Network Load Balancer writes access logs for TLS listeners only; these listeners are TCP (TLS ends in the relay), so there is nothing to log. The relay logs each session to its log group.',
    });
    for (const [name, port] of Object.entries(SMTP_RELAY_PORTS)) {
      const id = name === 'submission' ? 'Submission' : 'ImplicitTls';
      this.loadBalancer
        .addListener(`${id}Listener`, { port: port.listener, protocol: LbProtocol.TCP })
        .addTargets(`${id}Targets`, {
          port: port.container,
          protocol: LbProtocol.TCP,
          targets: [
            this.service.loadBalancerTarget({
              containerName: this.container.containerName,
              containerPort: port.container,
              protocol: Protocol.TCP,
            }),
          ],
          healthCheck: {
            protocol: LbProtocol.TCP,
            interval: Duration.seconds(10),
            healthyThresholdCount: 2,
            unhealthyThresholdCount: 2,
          },
          // An SMTP session lasts seconds: a task leaving is drained for as long as its stop timeout.
          deregistrationDelay: Duration.seconds(30),
        });
    }
  }

  /**
   * The image: the Dockerfile and, when the stack is bundled, functions/smtp-relay.ts bundled
   * as the functions are (infra/bundling.ts) into the app's output directory. Docker builds it
   * at deploy time (cdk-assets), not at synth. Template tests skip bundling as they do for
   * the functions: the context is then the Dockerfile alone.
   */
  private image(): ContainerImage {
    let directory = SMTP_RELAY_IMAGE_DIR;
    if (Stack.of(this).bundlingRequired) {
      const stage = Stage.of(this);
      if (stage === undefined) throw new Error('The SMTP relay must be synthesized within an App');
      directory = join(stage.outdir, `smtp-relay-image-${this.node.addr}`);
      rmSync(directory, { recursive: true, force: true });
      mkdirSync(directory, { recursive: true });
      copyFileSync(join(SMTP_RELAY_IMAGE_DIR, 'Dockerfile'), join(directory, 'Dockerfile'));
      bundleLikeFunctions(SMTP_RELAY_ENTRY, directory);
      // The files the send path reads on first use, beside the bundle as in a function's package.
      for (const asset of smtpRelay.assets)
        cpSync(join(REPO_ROOT, 'node_modules', asset), join(directory, basename(asset)), { recursive: true });
    }
    return ContainerImage.fromAsset(directory, { platform: Platform.LINUX_ARM64 });
  }

  /** Two zones, public subnets (load balancer, NAT) and private ones (tasks), flow logs. */
  private createVpc(props: SmtpRelayServiceProps): Vpc {
    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    return new Vpc(this, 'Vpc', {
      maxAzs: 2,
      // One NAT gateway: the tasks' calls to AWS APIs leave through one zone (a zone outage
      // there makes the relay answer 451, which senders retry); one per zone doubles its cost.
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Tasks', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      // The table and the pending objections bucket without the NAT gateway (free endpoints).
      gatewayEndpoints: {
        DynamoDB: { service: GatewayVpcEndpointAwsService.DYNAMODB },
        S3: { service: GatewayVpcEndpointAwsService.S3 },
      },
      flowLogs: {
        All: {
          destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: FlowLogTrafficType.ALL,
        },
      },
      // Nothing is placed in the default security group (every resource here has its own);
      // restricting it would add a custom resource function to the stack.
      restrictDefaultSecurityGroup: false,
    });
  }
}

function validate(props: ConsentGatewaySmtpRelayProps): {
  cpu: number;
  memoryLimitMiB: number;
  desiredCount: number;
  allowedCidrs: string[];
  maxMessageBytes: number | undefined;
} {
  const cpu = props.cpu ?? 256;
  const memoryLimitMiB = props.memoryLimitMiB ?? 512;
  const desiredCount = props.desiredCount ?? 2;
  const isSet = (n: number) => !Token.isUnresolved(n);
  if (isSet(cpu) && isSet(memoryLimitMiB)) {
    const range = FARGATE_MEMORY[cpu];
    if (range === undefined) {
      throw new SmtpRelayPropsError(
        `smtpRelay.cpu: ${cpu} is not a Fargate CPU value (${Object.keys(FARGATE_MEMORY).join(', ')})`,
      );
    }
    if (
      !Number.isInteger(memoryLimitMiB) ||
      memoryLimitMiB < range.min ||
      memoryLimitMiB > range.max ||
      (memoryLimitMiB - range.min) % range.step !== 0
    ) {
      throw new SmtpRelayPropsError(
        `smtpRelay.memoryLimitMiB: ${memoryLimitMiB} is not allowed with cpu ${cpu} (${range.min} to ${range.max} MiB in steps of ${range.step})`,
      );
    }
  }
  if (isSet(desiredCount) && (!Number.isInteger(desiredCount) || desiredCount < 1)) {
    throw new SmtpRelayPropsError(
      `smtpRelay.desiredCount: ${desiredCount} is not a whole number of at least 1`,
    );
  }
  const allowedCidrs = [...(props.allowedCidrs ?? ['0.0.0.0/0'])];
  if (allowedCidrs.length === 0) {
    throw new SmtpRelayPropsError('smtpRelay.allowedCidrs: empty (leave it out for anywhere)');
  }
  for (const cidr of allowedCidrs) {
    if (Token.isUnresolved(cidr)) continue;
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (match === null || match.slice(1, 5).some((octet) => Number(octet) > 255) || Number(match[5]) > 32) {
      throw new SmtpRelayPropsError(
        `smtpRelay.allowedCidrs: "${cidr}" is not an IPv4 range such as 203.0.113.0/24 (the load balancer is IPv4 only)`,
      );
    }
  }
  const { maxMessageBytes } = props;
  if (
    maxMessageBytes !== undefined &&
    isSet(maxMessageBytes) &&
    (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1 || maxMessageBytes > SES_MAX_MESSAGE_BYTES)
  ) {
    throw new SmtpRelayPropsError(
      `smtpRelay.maxMessageBytes: ${maxMessageBytes} is not a whole number of bytes from 1 to ${SES_MAX_MESSAGE_BYTES} (SES's limit)`,
    );
  }
  return { cpu, memoryLimitMiB, desiredCount, allowedCidrs: [...new Set(allowedCidrs)], maxMessageBytes };
}
