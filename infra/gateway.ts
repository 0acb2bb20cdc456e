import { basename, join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  type IUserPool,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
} from 'aws-cdk-lib/aws-cognito';
import {
  AttributeType,
  Billing,
  type CfnGlobalTable,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import {
  AccountRootPrincipal,
  Effect,
  PolicyDocument,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnConfigurationSetEventDestination, ReceiptRuleSet, TlsPolicy } from 'aws-cdk-lib/aws-ses';
import { Lambda as LambdaAction, LambdaInvocationType } from 'aws-cdk-lib/aws-ses-actions';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, METRICS } from '../shared/config';
import { CONSOLE_GROUPS } from '../shared/domain/console-user';
import { RateLimitError, validateRateLimit } from '../shared/domain/rate-limit';
import { CREDENTIAL_SECRET_PURPOSE } from '../shared/domain/sender-credential';
import { type LegalFloorsInput, legalFloorsSchema } from '../shared/schemas/legal-floors';
import { BUNDLING, REPO_ROOT, RUNTIME } from './bundling';
import { type EntryPoint, entryPoints, routeAccess, routeKey, smtpRelay } from './entry-points';
import {
  type ConsentGatewaySmtpRelayProps,
  SmtpRelayPropsError,
  SmtpRelayService,
} from './smtp-relay-service';

/** Retries of a stream batch PublishEvents fails (each bisected), before its description goes to the on-failure queue. */
export const EVENT_STREAM_RETRY_ATTEMPTS = 10;
/** How far PublishEvents may fall behind the stream before the alarm. */
const EVENT_STREAM_MAX_AGE = Duration.minutes(1);

/** Every function's timeout; the bulk queue's visibility timeout is six times it, as AWS advises for SQS sources. */
const FUNCTION_TIMEOUT = Duration.seconds(10);
/**
 * SNS invokes the feedback functions asynchronously: Lambda itself retries a failed invocation
 * this many times (its default, written out), then sends the event to the on-failure destination.
 */
export const FEEDBACK_RETRY_ATTEMPTS = 2;
/** Lambda's maximum event age (its default): an event older than this goes to the destination too. */
const FEEDBACK_MAX_EVENT_AGE = Duration.hours(6);
/** Receives of a bulk message before it is dead-lettered (the consumer fails only when the outcome is unknown). */
export const BULK_MAX_RECEIVE_COUNT = 3;
/**
 * The objection queue's redelivery delay. It must be at least the function timeout; it is kept
 * short (not six times, as for the bulk queue) because it bounds how long an objection accepted
 * during a store outage may wait after the store is back (docs/reliability.md).
 */
const OBJECTION_VISIBILITY_TIMEOUT = Duration.seconds(20);
/**
 * Receives before an objection is dead-lettered: about 1,000 × (20 s + in-invocation retries),
 * some six hours of store outage. An objection must never be dropped, so the dead-letter queue
 * keeps it 14 days for a redrive.
 */
export const OBJECTION_MAX_RECEIVE_COUNT = 1000;

const DEFAULT_THROTTLE: ConsentGatewayThrottle = { rateLimit: 50, burstLimit: 100 };
/** Each anonymous route (`/u/…`, `/p/…`, `/c/…`, `/docs`, `/openapi.json`). */
export const DEFAULT_PUBLIC_THROTTLE: ConsentGatewayThrottle = { rateLimit: 20, burstLimit: 40 };
/** Each keyed route (`/v1/…`, `/v2/…`). */
export const DEFAULT_AUTHENTICATED_THROTTLE: ConsentGatewayThrottle = { rateLimit: 50, burstLimit: 100 };
/** Each API key or SES credential, across all routes and function instances. */
export const DEFAULT_KEY_RATE_LIMIT: ConsentGatewayThrottle = { rateLimit: 25, burstLimit: 50 };

/**
 * What an entry point's `needs` are granted to: a Lambda function, or the SMTP relay's
 * Fargate task (its task role and its container's environment).
 */
interface NeedsTarget {
  /** Construct id: names the key policy statements of this role. */
  readonly id: string;
  readonly role: Role;
  addEnvironment(name: string, value: string): void;
}

/** Raised when the construct's props cannot produce a safe deployment. */
export class ConsentGatewayPropsError extends Error {
  override name = 'ConsentGatewayPropsError';
}

/** Stage-wide throttling of the HTTP API (requests per second, and burst). */
export interface ConsentGatewayThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface ConsentGatewayProps {
  /**
   * SES identities (domains such as `example.com`, or addresses such as `news@example.org`) the
   * tenants may send from. The sending function's `ses:SendEmail` permission is limited to
   * `arn:aws:ses:<region>:<account>:identity/<each>` (plus the configuration set, if any), so a
   * tenant that registers another identity through the state API still cannot send from it.
   * Wildcards are refused.
   */
  readonly emailIdentities: readonly string[];
  /**
   * SES configuration set every message is sent with (event publishing, dedicated IPs…). The
   * configuration set must exist; it is not created here.
   *
   * @default - none: messages are sent without a configuration set
   */
  readonly configurationSetName?: string;
  /**
   * SES configuration sets a sender on the SES v2 endpoint may name in ConfigurationSetName
   * (its own event destinations, say). Such a set replaces `configurationSetName` on that
   * message, so the construct adds the gateway's feedback destination to each (bounces,
   * complaints, deliveries: R8). The sets must exist; they are not created here.
   *
   * @default - none: a ConfigurationSetName is refused with a BadRequestException naming it
   */
  readonly senderConfigurationSets?: readonly string[];
  /**
   * AWS End User Messaging SMS origination identities the tenants may send from, as resource
   * paths (`phone-number/<id>`, `sender-id/<SenderId>/<ISO country>`, `pool/<id>`) or full ARNs.
   * `sms-voice:SendTextMessage` is granted on these only; without any, the SMS channel is off
   * (sends fail with the provider's AccessDenied, mapped to a 503 that sends nothing).
   *
   * @default - none
   */
  readonly smsOriginationIdentities?: readonly string[];
  /**
   * End User Messaging configuration set every SMS is sent with (event destinations). It must
   * exist; it is not created here.
   *
   * @default - none
   */
  readonly smsConfigurationSetName?: string;
  /**
   * Public base URL of the gateway (`https://consent.example.com`, no trailing slash), used to
   * build the unsubscribe links. Set it when a custom domain or a CDN fronts the API; mapping
   * that domain to the API is not done here.
   *
   * @default - the HTTP API's own endpoint, `https://<api-id>.execute-api.<region>.amazonaws.com`
   */
  readonly publicBaseUrl?: string;
  /**
   * What happens to the table, the secrets and the log groups when they leave the stack. The
   * table holds consent and unsubscribe evidence and the hash key secret is what makes that
   * evidence findable again, so the default keeps them (and turns on the table's deletion
   * protection). `DESTROY` is for throw-away test stacks.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the functions' and the API's log groups. Access logs carry client IP
   * addresses, so keep it as short as incident investigation allows.
   *
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * Memory of every function, in MB (CPU grows with it).
   *
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Throttling of the API's default stage (`DefaultRouteSettings`). Every route the gateway
   * defines gets its own route setting (`publicThrottle` or `authenticatedThrottle`), so this
   * only covers routes added to `api` from outside the construct.
   *
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ConsentGatewayThrottle;
  /**
   * Route-level throttling (`RouteSettings`) of each anonymous route: `GET`/`POST /u/{token}`,
   * `/p/{token}`, `/c/{token}`, `/docs…`, `/openapi.json`. Each route key has its own token
   * bucket, separate from the keyed routes': a flood of unsubscribe links answers 429 on
   * `/u/{token}` and leaves `POST /v1/messages` alone. Mailbox providers' one-click
   * unsubscribes (RFC 8058) arrive here too: keep it above your peak unsubscribe rate (a large
   * newsletter's first minutes). API Gateway's 429 carries no Retry-After.
   *
   * No AWS WAF web ACL is offered: WAF cannot be associated with an API Gateway HTTP API
   * (only REST APIs, CloudFront, ALB, AppSync, Cognito and a few others). A per-IP rate-based
   * rule needs a CloudFront distribution with a WAF web ACL in front of the API (with
   * `publicBaseUrl` set to it); that is not built here.
   *
   * @default { rateLimit: 20, burstLimit: 40 } per route
   */
  readonly publicThrottle?: ConsentGatewayThrottle;
  /**
   * Route-level throttling (`RouteSettings`) of each keyed route (`/v1/…`, `/v2/…`), shared by
   * every tenant's keys on that route; `keyRateLimit` divides it between keys.
   *
   * @default { rateLimit: 50, burstLimit: 100 } per route
   */
  readonly authenticatedThrottle?: ConsentGatewayThrottle;
  /**
   * Per-key limit applied by the gateway itself, after authentication, on every keyed route:
   * each API key (and SES credential) may send `burstLimit` requests per window of
   * `burstLimit / rateLimit` seconds (at least 1 s), counted in the table (one conditional write
   * per request, shared by every function instance). Past it: 429 with `Retry-After`. `false`
   * turns it off. When the table cannot count, the request goes on (the decision still fails
   * closed without the table).
   *
   * @default { rateLimit: 25, burstLimit: 50 }
   */
  readonly keyRateLimit?: ConsentGatewayThrottle | false;
  /**
   * SNS topic the gateway's alarms notify: the complaint-rate alarm (mailbox provider
   * thresholds: a tenant reached its warning rate, or was held) and the dead-letter alarms of
   * the objection and bulk queues. Bring your own to route them with your other alarms.
   *
   * @default - a new topic, encrypted with a rotating customer managed key CloudWatch may use,
   * TLS only; subscribe to it (stack output `AlarmTopicArn`)
   */
  readonly alarmTopic?: ITopic;
  /**
   * Legal floors under every tenant's settings: a tenant admin may set
   * stricter values, never looser ones (a looser `PUT /v1/settings/sms` or
   * `PUT /v1/settings/complaints` is a 400 naming the floor and the field). Widen a floor only
   * when the law of every country you send to allows it; each key left out keeps its default.
   *
   * @default - R14: SMS Monday–Saturday 08:00–20:00, never on public holidays; R10: the opt-out
   * mention contains STOP and a short code; the complaint hold rate at most 0.003 (0.3%)
   */
  readonly legalFloors?: LegalFloorsInput;
  /**
   * R10 / RFC 2369: a domain SES receives mail for (`unsubscribe.example.com`). Given, every
   * List-Unsubscribe also carries `<mailto:u+<id>@<domain>>`, and an SES receipt rule set
   * (`unsubscribeMailRuleSet`) hands mail to that domain to the UnsubscribeMail function, which
   * records the objection. The operator verifies the domain in SES, points its MX record at SES's
   * inbound endpoint and activates the rule set (one active rule set per account and region).
   *
   * @default - none: List-Unsubscribe carries the https link only
   */
  readonly unsubscribeMailDomain?: string;
  /**
   * The SMTP submission relay, for senders that send by SMTP (campaign tools, CMSs, CRMs): an
   * ECS Fargate service (ARM64, Node.js 24) behind an internet-facing Network Load Balancer,
   * TCP 587 (STARTTLS) and 465 (implicit TLS), TLS ending in the relay with the given
   * certificate. Its task role gets exactly the SES endpoint function's grants and its
   * environment, plus the certificate secret. The host name is `smtpRelay.loadBalancer`'s DNS
   * name (stack output `SmtpRelayHost`). Deploying it needs Docker (or `CDK_DOCKER`) with
   * linux/arm64 builds; synthesis does not. See docs/deploy.md.
   *
   * @default - none: no relay, no VPC, nothing of ECS or Elastic Load Balancing
   */
  readonly smtpRelay?: ConsentGatewaySmtpRelayProps;
  /**
   * The compliance console (`/console`, docs/console.md): sign-in with a tenant's admin or
   * compliance API key, exchanged for a session, beside the user pool's sign-in
   * (`consoleUserPool`); `false` turns it off (the page keeps the account form only).
   *
   * @default true
   */
  readonly consoleKeySignIn?: boolean;
  /**
   * The console's users (docs/console.md, "Signing in"): a Cognito user pool whose users sign
   * in with their email and password, their group (`admin` or `compliance`) giving the role and
   * their `custom:tenant` attribute the tenant. Give your own pool and the id of an app client
   * of it without a secret, with USER_PASSWORD_AUTH, that may read `custom:tenant` and not
   * write it; the pool needs the groups `admin` and `compliance`. The Console function gets
   * cognito-idp:AdminGetUser and cognito-idp:AdminListGroupsForUser on it, nothing else.
   *
   * @default - a pool made here (`consoleUserPool`): no self sign-up, email as username, the
   * tenant attribute, the groups, a password policy, threat protection (Plus feature plan)
   */
  readonly consoleUserPool?: ConsentGatewayUserPoolProps;
}

/** A user pool of your own for the console (`consoleUserPool`). */
export interface ConsentGatewayUserPoolProps {
  readonly userPool: IUserPool;
  /** An app client of that pool: no secret, USER_PASSWORD_AUTH, reads `custom:tenant`, may not write it. */
  readonly clientId: string;
}

/**
 * The consent gateway: one DynamoDB table, two Secrets Manager secrets, a KMS key for SES
 * credential secrets (only Admin encrypts, only SesSendEmail and the SMTP relay decrypt), one
 * HTTP API, and one Lambda function per entry of `entryPoints` (infra/entry-points.ts) with
 * exactly the grants and environment its `needs` declare; optionally the SMTP relay
 * (`smtpRelay`), whose task gets SesSendEmail's.
 *
 * Authorization happens inside the functions, not in API Gateway: `/v1/*` takes bearer API keys
 * (stored hashed in the table), `/u/{token}` takes HMAC-signed unsubscribe tokens and has to stay
 * public because RFC 8058 one-click unsubscribes arrive from mailbox providers without
 * credentials, and `/openapi.json` is a public document.
 *
 * Secrets:
 * - **Recipient hash key** (`{"key":"…"}`): the HMAC key that turns addresses into the recipient
 *   keys the table is indexed by. Never rotate it in place: every recipient record, consent and
 *   suppression would become unreachable, and people who unsubscribed could be emailed again.
 *   Changing it needs a migration that re-keys the table.
 * - **Unsubscribe token keys** (`{"activeKeyId":"k1","k1":"…"}`): new tokens are signed with the
 *   key named by `activeKeyId`; every key present still verifies, so tokens already sent keep
 *   working. Rotation is done by an operator, no rotation Lambda is involved. The functions load
 *   the secret once per execution environment, so rotate in two steps: (1) add the new key
 *   (`"k2":"<random>"`) and leave `activeKeyId` alone; (2) once every environment has reloaded
 *   (after a deployment, or a day), set `"activeKeyId":"k2"`. Switching in one step would let new
 *   environments sign with `k2` while old ones cannot verify it yet. Remove `k1` only when no mail
 *   carrying a `k1` token may still be acted upon.
 */
export class ConsentGateway extends Construct {
  /** The HTTP API every entry point's routes are attached to. */
  public readonly api: HttpApi;
  /** Single table: `pk`/`sk`, index `gsi1` on `gsi1pk`/`gsi1sk`, TTL attribute `ttl`. */
  public readonly table: TableV2;
  /** HMAC key for recipient keys, as `{"key":"…"}`. */
  public readonly hashKeySecret: Secret;
  /** Unsubscribe token keys, as `{"activeKeyId":"k1","k1":"…"}`. */
  public readonly tokenKeysSecret: Secret;
  /**
   * The KMS key SES credential secrets are encrypted under: only the Admin function may
   * encrypt with it, only the SesSendEmail function (and the SMTP relay's task) decrypt; the
   * account administers it (policy, rotation, deletion) without being able to use it.
   */
  public readonly credentialKey: Key;
  /**
   * Recipient events (source `consent-gate`: Consent Given, Consent Withdrawn, Objection
   * Recorded, Suppression Recorded, Recipient Erased; and per tenant Complaint Hold Set and
   * Complaint Hold Lifted; schemas in shared/schemas/events.ts).
   * Add rules on it to feed a CRM.
   */
  public readonly eventBus: EventBus;
  /** One function per entry point, by entry point id. */
  public readonly functions: Readonly<Record<string, NodejsFunction>>;
  /** Public base URL (no trailing slash): `publicBaseUrl`, or the API endpoint. */
  public readonly url: string;
  /**
   * SNS topic for two-way SMS: set it as the two-way channel of each phone number or short code
   * (End User Messaging publishes replies there; the SmsInbound function records STOP/START).
   */
  public readonly inboundSmsTopic: Topic;
  /**
   * SNS topic for SES event publishing (bounces, complaints, sends): the configuration set's
   * event destination when `configurationSetName` is given; the SesFeedback function records R8.
   */
  public readonly sesFeedbackTopic: Topic;
  /**
   * The bulk queue: the JSON of `POST /v1/messages` per message, the sender key in the
   * `Authorization` message attribute. Grant senders `bulkQueue.grantSendMessages(...)`.
   */
  public readonly bulkQueue: Queue;
  /** Bulk messages whose outcome stayed unknown after three receives. */
  public readonly bulkDeadLetterQueue: Queue;
  /**
   * R7: unsubscribes accepted while the table was unavailable (the verified token's claims and
   * the proof), applied by the ApplyObjections function once the table is back.
   */
  public readonly objectionQueue: Queue;
  /** Objections that could not be applied after OBJECTION_MAX_RECEIVE_COUNT receives: redrive them. */
  public readonly objectionDeadLetterQueue: Queue;
  /**
   * R7: the objections on the queue again, one object per tenant and recipient key
   * (`pending/…`), which every function deciding a send reads before the table, until
   * ApplyObjections has written them to the table and removes them.
   */
  public readonly pendingObjectionsBucket: Bucket;
  /**
   * Inbound SMS replies (STOP, START…) the SmsInbound function failed to record after Lambda's
   * retries, and SNS deliveries to it that failed: an objection not yet applied (R7). Redrive
   * with `npm run redrive` once the cause is fixed.
   */
  public readonly inboundSmsDeadLetterQueue: Queue;
  /** The same for SES feedback (bounces, complaints: R8) and the SesFeedback function. */
  public readonly sesFeedbackDeadLetterQueue: Queue;
  /** Fires on the first message in `inboundSmsDeadLetterQueue`. */
  public readonly inboundSmsDeadLetterAlarm: Alarm;
  /** Fires on the first message in `sesFeedbackDeadLetterQueue`. */
  public readonly sesFeedbackDeadLetterAlarm: Alarm;
  /**
   * With `unsubscribeMailDomain`: the receipt rule set handing unsubscribe mail to the
   * UnsubscribeMail function (activate it: see the prop), and the queue keeping the mails it
   * could not record after Lambda's retries (an objection not yet applied, R7).
   */
  public unsubscribeMailRuleSet?: ReceiptRuleSet;
  public unsubscribeMailDeadLetterQueue?: Queue;
  /** Where the complaint-rate alarm goes: `alarmTopic`, or the topic created for it. */
  public readonly alarmTopic: ITopic;
  /** With `smtpRelay`: the relay's service, load balancer, task role and VPC. */
  public readonly smtpRelay?: SmtpRelayService;
  /**
   * Mailbox provider thresholds: fires when any tenant's complaint rate reaches its warning rate
   * (or its hold), from the `ComplaintRateLevel` metric the SesFeedback function publishes.
   */
  public readonly complaintRateAlarm: Alarm;
  /** Fires on the first unsubscribe in the objection dead-letter queue (redrive it once the table is back). */
  public readonly objectionDeadLetterAlarm: Alarm;
  /** Fires on the first bulk message in its dead-letter queue. */
  public readonly bulkDeadLetterAlarm: Alarm;
  /**
   * Events out: the description (shard, sequence numbers) of each stream batch PublishEvents
   * could not publish after its retries. The events themselves stay in their items (`out`).
   */
  public readonly eventStreamDeadLetterQueue: Queue;
  /** Fires on the first batch in `eventStreamDeadLetterQueue`. */
  public readonly eventStreamDeadLetterAlarm: Alarm;
  /** Fires when PublishEvents falls behind the stream (events out late by more than a minute). */
  public readonly eventStreamIteratorAgeAlarm: Alarm;
  /**
   * The console's counters: the description of each stream batch CountEvents could not
   * count after its retries (the console's figures miss it; nothing is sent or lost).
   */
  public readonly counterStreamDeadLetterQueue: Queue;
  /** Fires on the first batch in `counterStreamDeadLetterQueue`. */
  public readonly counterStreamDeadLetterAlarm: Alarm;

  private readonly sendEmailResources: readonly string[];
  private readonly senderConfigurationSets: readonly string[];
  private readonly sendSmsResources: readonly string[];
  private readonly smsConfigurationSetName: string | undefined;
  private readonly configurationSetName: string | undefined;
  private readonly tableLogicalId: string;
  private readonly keyRateLimit: ConsentGatewayThrottle | undefined;
  private readonly routes: { key: string; access: 'public' | 'authenticated'; route: HttpRoute }[] = [];
  private readonly legalFloorsJson: string;
  private readonly emailIdentitiesJson: string;
  private readonly unsubscribeMailDomain: string | undefined;
  private readonly consoleKeySignIn: boolean;
  /** The console's user pool (made here, or given) and the app client the Console function signs in with. */
  public readonly consoleUserPool: IUserPool;
  public readonly consoleUserPoolClientId: string;

  constructor(scope: Construct, id: string, props: ConsentGatewayProps) {
    super(scope, id);

    const floors = legalFloorsSchema.safeParse(props.legalFloors ?? {});
    if (!floors.success) {
      throw new ConsentGatewayPropsError(
        `legalFloors: ${floors.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    }
    this.legalFloorsJson = JSON.stringify(floors.data);
    if (
      props.unsubscribeMailDomain !== undefined &&
      !/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/i.test(props.unsubscribeMailDomain)
    ) {
      throw new ConsentGatewayPropsError(
        `unsubscribeMailDomain: ${props.unsubscribeMailDomain} is not a domain name`,
      );
    }
    this.unsubscribeMailDomain = props.unsubscribeMailDomain?.toLowerCase();
    this.consoleKeySignIn = props.consoleKeySignIn ?? true;

    const identities = validateIdentities(props.emailIdentities);
    // toJsonString: an identity given as a token (a parameter, an import) resolves at deploy time.
    this.emailIdentitiesJson = Stack.of(this).toJsonString(identities);
    const throttles = {
      stage: validateThrottle(props.throttle ?? DEFAULT_THROTTLE, 'throttle'),
      public: validateThrottle(props.publicThrottle ?? DEFAULT_PUBLIC_THROTTLE, 'publicThrottle'),
      authenticated: validateThrottle(
        props.authenticatedThrottle ?? DEFAULT_AUTHENTICATED_THROTTLE,
        'authenticatedThrottle',
      ),
    };
    this.keyRateLimit =
      props.keyRateLimit === false
        ? undefined
        : validateThrottle(props.keyRateLimit ?? DEFAULT_KEY_RATE_LIMIT, 'keyRateLimit');
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;
    this.configurationSetName = props.configurationSetName;

    // TableV2 (AWS::DynamoDB::GlobalTable) rather than Table: it is the L2 AWS recommends for new
    // tables, and replicas can be added later in place; moving a Table to it means replacing or
    // importing the table that holds the consent evidence. cdk-nag's DDB3 only inspects
    // AWS::DynamoDB::Table, so test/infra asserts point-in-time recovery instead.
    // Encryption: the AWS managed key (aws/dynamodb). Unlike the default AWS owned key, its use
    // shows in CloudTrail; unlike a customer managed key, it needs no key policy, no kms grants on
    // every function and no monthly key cost. Nothing here needs cross-account access or
    // crypto-shredding the whole table; switch to TableEncryptionV2.customerManagedKey if that
    // changes.
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: 'gsi1',
          partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
          sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
          projectionType: ProjectionType.ALL,
        },
      ],
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: 'ttl',
      // Events out are published from the stream (PublishEvents): the new image holds the
      // event stored with each change (attribute `out`). The old image is a TTL deletion's
      // item: PublishEvents writes back the tombstone of an expired audit event (R9/R15,
      // shared/domain/expiry-tombstone.ts), so that expiry does not break the chain.
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
    });
    this.tableLogicalId = Stack.of(this).resolve((this.table.node.defaultChild as CfnGlobalTable).logicalId);

    this.hashKeySecret = new Secret(this, 'RecipientHashKey', {
      description: 'consent-gate: HMAC key turning addresses into recipient keys. Never rotate in place.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'key',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    this.tokenKeysSecret = new Secret(this, 'UnsubscribeTokenKeys', {
      description:
        'consent-gate: unsubscribe token keys. Rotate by adding a key and pointing activeKeyId at it.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ activeKeyId: 'k1' }),
        generateStringKey: 'k1',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    for (const secret of [this.hashKeySecret, this.tokenKeysSecret]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotated by an operator, not a rotation Lambda: token keys by adding a key id and moving activeKeyId (old keys keep verifying sent links); the recipient hash key must never change in place, it keys every stored record.',
      });
    }

    // The console's users: a pool made here, or the deployment's own (consoleUserPool).
    if (props.consoleUserPool === undefined) {
      const made = this.makeConsoleUserPool(removalPolicy);
      this.consoleUserPool = made.pool;
      this.consoleUserPoolClientId = made.clientId;
    } else {
      this.consoleUserPool = props.consoleUserPool.userPool;
      this.consoleUserPoolClientId = props.consoleUserPool.clientId;
    }

    // SES credential secrets: SigV4 verification needs each secret itself, so it is stored
    // encrypted (KMS Encrypt of the small secret, one Decrypt per credential and execution
    // environment). The key policy replaces CDK's default (account root: kms:*, which lets any
    // IAM policy grant use of the key): the account keeps administering the key but may not
    // use it nor create grants; Encrypt and Decrypt are added per role in addEntryPoint, with the
    // encryption context's purpose as condition. kms:PutKeyPolicy stays with the account, as
    // KMS requires (a key nobody can administer is refused); a policy change shows in CloudTrail.
    this.credentialKey = new Key(this, 'CredentialSecretsKey', {
      description:
        props.smtpRelay === undefined
          ? 'consent-gate: encrypts SES credential secrets; only the Admin function encrypts, only SesSendEmail decrypts'
          : 'consent-gate: encrypts SES credential secrets; only the Admin function encrypts, only SesSendEmail and the SMTP relay decrypt',
      enableKeyRotation: true,
      removalPolicy,
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            sid: 'AccountAdministersTheKeyWithoutUsingIt',
            principals: [new AccountRootPrincipal()],
            actions: [
              'kms:CreateAlias',
              'kms:Describe*',
              'kms:Enable*',
              'kms:List*',
              'kms:Put*',
              'kms:Update*',
              'kms:Revoke*',
              'kms:Disable*',
              'kms:Get*',
              'kms:Delete*',
              'kms:TagResource',
              'kms:UntagResource',
              'kms:ScheduleKeyDeletion',
              'kms:CancelKeyDeletion',
              'kms:RotateKeyOnDemand',
            ],
            resources: ['*'],
          }),
        ],
      }),
    });

    this.eventBus = new EventBus(this, 'Events', {
      description: 'consent-gate: recipient events (consents, objections, erasures…) and bulk-send outcomes',
    });

    this.api = new HttpApi(this, 'Api', {
      description: 'consent-gate: sending decisions, state API and unsubscribe endpoints',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy });
    // Own `$default` stage: HttpApi's generated one takes neither access logs nor throttling.
    const stage: HttpStage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: throttles.stage,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // routeKey rather than path: a path under /u/ carries a live unsubscribe token.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            sourceIp: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Authorization is done in the Lambdas: /v1/* bearer API keys (hashed in DynamoDB), /u/{token} HMAC-signed tokens and public by necessity (RFC 8058 one-click POSTs come from mailbox providers without credentials), /openapi.json is a public document.',
    });

    this.url = normalizePublicBaseUrl(props.publicBaseUrl) ?? this.api.apiEndpoint;
    this.sendEmailResources = [
      ...identities.map((identity) => sesArn(this, 'identity', identity)),
      ...(props.configurationSetName === undefined
        ? []
        : [sesArn(this, 'configuration-set', props.configurationSetName)]),
    ];

    this.senderConfigurationSets = [...(props.senderConfigurationSets ?? [])];
    this.smsConfigurationSetName = props.smsConfigurationSetName;
    this.sendSmsResources = [
      ...validateSmsIdentities(props.smsOriginationIdentities ?? []).map((identity) =>
        identity.startsWith('arn:') ? identity : smsArn(this, identity),
      ),
      ...(props.smsConfigurationSetName === undefined
        ? []
        : [smsArn(this, `configuration-set/${props.smsConfigurationSetName}`)]),
    ];

    // Replies to the tenants' numbers: End User Messaging publishes them here. Encrypted with a
    // customer managed key, since the service principal must be allowed to use it (an AWS managed
    // SNS key cannot be shared with it); TLS only.
    const inboundKey = new Key(this, 'InboundSmsKey', {
      description: 'consent-gate: encrypts the inbound SMS topic (replies carry phone numbers)',
      enableKeyRotation: true,
      removalPolicy,
    });
    const smsVoice = new ServicePrincipal('sms-voice.amazonaws.com');
    inboundKey.grant(smsVoice, 'kms:GenerateDataKey*', 'kms:Decrypt');
    this.inboundSmsTopic = new Topic(this, 'InboundSms', {
      displayName: 'consent-gate inbound SMS',
      masterKey: inboundKey,
      enforceSSL: true,
    });
    this.inboundSmsTopic.grantPublish(smsVoice);

    // SES feedback (event publishing): same reasons for a customer managed key (SES must use it;
    // notifications carry addresses), TLS only; only SES of this account may publish.
    const feedbackKey = new Key(this, 'SesFeedbackKey', {
      description: 'consent-gate: encrypts the SES feedback topic (bounces and complaints carry addresses)',
      enableKeyRotation: true,
      removalPolicy,
    });
    const ses = new ServicePrincipal('ses.amazonaws.com');
    feedbackKey.grant(ses, 'kms:GenerateDataKey*', 'kms:Decrypt');
    this.sesFeedbackTopic = new Topic(this, 'SesFeedbackTopic', {
      displayName: 'consent-gate SES feedback',
      masterKey: feedbackKey,
      enforceSSL: true,
    });
    this.sesFeedbackTopic.addToResourcePolicy(
      new PolicyStatement({
        principals: [ses],
        actions: ['sns:Publish'],
        resources: [this.sesFeedbackTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    if (props.configurationSetName !== undefined) {
      new CfnConfigurationSetEventDestination(this, 'SesFeedbackDestination', {
        configurationSetName: props.configurationSetName,
        eventDestination: {
          name: 'consent-gate-feedback',
          enabled: true,
          // Bounces and complaints (R8), and deliveries: the complaint rate's denominator. Not
          // 'send': mailbox providers divide complaints by the mail they accepted, and a bounced
          // message can never be complained about (counting sends would lower the rate of
          // exactly the tenants with dirty lists).
          matchingEventTypes: ['bounce', 'complaint', 'delivery'],
          snsDestination: { topicArn: this.sesFeedbackTopic.topicArn },
        },
      });
    }

    // A sender's own configuration set replaces the gateway's on its messages: it gets the
    // same feedback destination, or the gateway would lose their bounces and complaints (R8).
    for (const [i, set] of (props.senderConfigurationSets ?? []).entries()) {
      new CfnConfigurationSetEventDestination(this, `SenderSetFeedbackDestination${i}`, {
        configurationSetName: set,
        eventDestination: {
          name: 'consent-gate-feedback',
          enabled: true,
          matchingEventTypes: ['bounce', 'complaint', 'delivery'],
          snsDestination: { topicArn: this.sesFeedbackTopic.topicArn },
        },
      });
    }

    this.alarmTopic = props.alarmTopic ?? this.createAlarmTopic(removalPolicy);
    this.complaintRateAlarm = new Alarm(this, 'ComplaintRateAlarm', {
      alarmDescription:
        "consent-gate: a tenant's email complaint rate reached its warning rate (default 0.1%) or its hold rate (0.3%: marketing email held until an admin lifts it). GET /v1/complaint-rate with the tenant's admin key; the per-tenant rate is the ComplaintRate metric (dimension tenant).",
      metric: new Metric({
        namespace: METRICS.namespace,
        metricName: METRICS.complaintRateLevel,
        dimensionsMap: { service: METRICS.service },
        statistic: 'Maximum',
        // Published when a complaint arrives and every 100 deliveries: an hour keeps the alarm up
        // between two such points instead of flapping.
        period: Duration.hours(1),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // No complaint and too few deliveries publish nothing: that is not a warning.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.complaintRateAlarm.addAlarmAction(new SnsAction(this.alarmTopic));

    // SSE with SQS-managed keys: no key policy or kms grants to keep in step with the
    // functions and the senders; messages carry sender keys, so in transit TLS is enforced too.
    this.bulkDeadLetterQueue = new Queue(this, 'BulkDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(this.bulkDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This is the dead-letter queue of the bulk queue; a dead-letter queue of its own would only move the problem.',
    });
    this.bulkQueue = new Queue(this, 'BulkQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(FUNCTION_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.bulkDeadLetterQueue, maxReceiveCount: BULK_MAX_RECEIVE_COUNT },
      removalPolicy,
    });

    // Same protections as the bulk queue: SSE with SQS-managed keys, TLS only. Objections carry
    // recipient keys, the IP address and user agent of the click (the proof), never an address.
    this.objectionDeadLetterQueue = new Queue(this, 'ObjectionDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(this.objectionDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This is the dead-letter queue of the objection queue; a dead-letter queue of its own would only move the problem.',
    });
    this.objectionQueue = new Queue(this, 'ObjectionQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: OBJECTION_VISIBILITY_TIMEOUT,
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.objectionDeadLetterQueue, maxReceiveCount: OBJECTION_MAX_RECEIVE_COUNT },
      removalPolicy,
    });

    // R7: read on every decision, so a send after an accepted unsubscribe sees it even before
    // the queue drains. SSE-S3 (as the queues: no key policy to keep in step with seven
    // functions), TLS 1.2+ only, no public access, ACLs off. Not versioned: a removed pending
    // objection must not linger as a noncurrent version (it is in the table by then; R11).
    this.pendingObjectionsBucket = new Bucket(this, 'PendingObjectionsBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      removalPolicy,
    });
    Validations.of(this.pendingObjectionsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Every send GETs this bucket: server access logs would write a line per message decided, naming recipient keys, and keep them beyond the data they describe. Its writes are evidenced in the table (objection.recorded audit events) and by the objection queue.',
    });

    // A dead letter is an unsubscribe not yet applied (R7) or a bulk message whose outcome is
    // unknown: someone must look and redrive it, so the first one raises the alarm.
    this.objectionDeadLetterAlarm = this.deadLetterAlarm(
      'ObjectionDeadLetterAlarm',
      this.objectionDeadLetterQueue,
      'consent-gate: an unsubscribe accepted while the table was unavailable could not be applied (R7: it must take effect). Once the table is back: aws sqs start-message-move-task --source-arn <ObjectionDeadLetterQueue ARN>.',
    );
    this.bulkDeadLetterAlarm = this.deadLetterAlarm(
      'BulkDeadLetterAlarm',
      this.bulkDeadLetterQueue,
      'consent-gate: a bulk message was dead-lettered (its outcome is unknown: it may or may not have been sent). Check the BulkSend logs and the message record before redriving it.',
    );

    // Events out: a stream batch PublishEvents could not publish after its retries is described
    // here (Lambda's on-failure destination for streams gets the shard and the sequence range,
    // not the records); the events stay in their items. See docs/recipients.md, "Events out".
    this.eventStreamDeadLetterQueue = new Queue(this, 'EventStreamDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(this.eventStreamDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This is the on-failure destination of the table stream's consumer; a dead-letter queue of its own would only move the problem.",
    });
    this.eventStreamDeadLetterAlarm = this.deadLetterAlarm(
      'EventStreamDeadLetterAlarm',
      this.eventStreamDeadLetterQueue,
      'consent-gate: events out (consents, objections, outcomes) of a stream batch could not be published to the bus after retries; CRMs miss them. Check the PublishEvents logs, fix the cause, then within 24 h: npx consent-gate redrive-events --queue-url <EventStreamDeadLetterQueueUrl> --event-bus-name <EventBusName>.',
    );

    // The console's counters: a batch CountEvents could not count after its retries is described
    // here, like the events out's; counting it later is idempotent (a marker per event).
    this.counterStreamDeadLetterQueue = new Queue(this, 'CounterStreamDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(this.counterStreamDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This is the on-failure destination of the table stream's counters consumer; a dead-letter queue of its own would only move the problem.",
    });
    this.counterStreamDeadLetterAlarm = this.deadLetterAlarm(
      'CounterStreamDeadLetterAlarm',
      this.counterStreamDeadLetterQueue,
      'consent-gate: a stream batch could not be counted for the console after retries (its figures undercount that batch; no message or objection is affected). Check the CountEvents logs.',
    );

    // Feedback that arrives by SNS (a STOP reply, a bounce, a complaint) must never be dropped.
    // SNS → Lambda is an asynchronous invocation: when the function fails, Lambda retries it
    // twice and then drops it, unless an on-failure destination takes it; SNS's own
    // subscription dead-letter queue only catches deliveries SNS could not make to Lambda
    // (the function gone, its permission removed). Both go to one queue per function, which
    // `npm run redrive` reads in either shape (scripts/redrive.ts).
    this.inboundSmsDeadLetterQueue = this.feedbackDeadLetterQueue('InboundSmsDeadLetterQueue', removalPolicy);
    this.sesFeedbackDeadLetterQueue = this.feedbackDeadLetterQueue(
      'SesFeedbackDeadLetterQueue',
      removalPolicy,
    );
    this.inboundSmsDeadLetterAlarm = this.deadLetterAlarm(
      'InboundSmsDeadLetterAlarm',
      this.inboundSmsDeadLetterQueue,
      'consent-gate: an SMS reply (a STOP is an objection, R7: it must take effect) could not be recorded after Lambda retried it. Check the SmsInbound logs, fix the cause, then: npm run redrive -- --queue-url <InboundSmsDeadLetterQueueUrl> --function-name <stack>-SmsInbound.',
    );
    this.sesFeedbackDeadLetterAlarm = this.deadLetterAlarm(
      'SesFeedbackDeadLetterAlarm',
      this.sesFeedbackDeadLetterQueue,
      'consent-gate: an SES bounce or complaint (R8; a complaint is an objection, R7) could not be recorded after Lambda retried it. Check the SesFeedback logs, fix the cause, then: npm run redrive -- --queue-url <SesFeedbackDeadLetterQueueUrl> --function-name <stack>-SesFeedback.',
    );

    const functions: Record<string, NodejsFunction> = {};
    for (const entryPoint of entryPoints) {
      functions[entryPoint.id] = this.addEntryPoint(entryPoint, {
        memorySize: props.memorySize ?? 512,
        logRetention,
        removalPolicy,
      });
    }
    this.functions = functions;
    const publisher = entryPoints.find((e) => e.trigger?.type === 'tableStream');
    if (publisher === undefined) throw new Error('No entry point consumes the table stream');
    this.eventStreamIteratorAgeAlarm = new Alarm(this, 'EventStreamIteratorAgeAlarm', {
      alarmDescription:
        'consent-gate: PublishEvents is more than a minute behind the table stream (events out are late; after 24 h the stream drops them). Check its errors and throttles.',
      metric: functions[publisher.id]!.metric('IteratorAge', {
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: EVENT_STREAM_MAX_AGE.toMilliseconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.eventStreamIteratorAgeAlarm.addAlarmAction(new SnsAction(this.alarmTopic));

    // One route setting per route key, public and keyed routes each with their own
    // limits; HttpStage has no route-level throttle, hence the L1 property. The stage must be
    // updated after the routes exist ("Unable to find Route by key" otherwise).
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const { key, access, route } of this.routes) {
      const limit = throttles[access];
      routeSettings[key] = { ThrottlingRateLimit: limit.rateLimit, ThrottlingBurstLimit: limit.burstLimit };
      stage.node.addDependency(route);
    }
    (stage.node.defaultChild as CfnStage).routeSettings = routeSettings;

    if (props.smtpRelay !== undefined) {
      this.smtpRelay = this.addSmtpRelay(props.smtpRelay, { logRetention, removalPolicy });
    }
  }

  /**
   * The SMTP relay runs the SES endpoint's send path in a task: its role is granted the SES
   * endpoint's `needs` through the same code as the function's, and its container gets the
   * same environment (and the per-key limit: a relay session authenticates with a credential).
   */
  private addSmtpRelay(
    relayProps: ConsentGatewaySmtpRelayProps,
    options: { logRetention: RetentionDays; removalPolicy: RemovalPolicy },
  ): SmtpRelayService {
    let relay: SmtpRelayService;
    try {
      relay = new SmtpRelayService(this, 'SmtpRelay', {
        ...relayProps,
        ...options,
        environment: this.runtimeEnvironment(),
      });
    } catch (error) {
      if (error instanceof SmtpRelayPropsError) {
        throw new ConsentGatewayPropsError(error.message, { cause: error });
      }
      throw error;
    }
    const target: NeedsTarget = {
      id: 'SmtpRelay',
      role: relay.taskRole,
      addEnvironment: (name, value) => relay.container.addEnvironment(name, value),
    };
    this.grantNeeds(target, smtpRelay.needs, { receivesUnsubscribeMail: false });
    if (this.keyRateLimit !== undefined) this.provideKeyRateLimit(target, smtpRelay.needs.table);
    return relay;
  }

  /** A feedback function's dead-letter queue: same protections as the others (SSE-SQS, TLS only, 14 days). */
  private feedbackDeadLetterQueue(id: string, removalPolicy: RemovalPolicy): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This is the dead-letter queue (on-failure destination and SNS subscription DLQ) of a feedback function; a dead-letter queue of its own would only move the problem, and the redrive deletes a message only once it is recorded.',
    });
    return queue;
  }

  /** Fires on the first message in a dead-letter queue, notifying the alarm topic. */
  private deadLetterAlarm(id: string, queue: Queue, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    return alarm;
  }

  /** The alarm topic: a customer managed key CloudWatch may use (an AWS managed SNS key cannot be shared), TLS only. */
  private createAlarmTopic(removalPolicy: RemovalPolicy): Topic {
    const key = new Key(this, 'AlarmKey', {
      description: 'consent-gate: encrypts the alarm topic',
      enableKeyRotation: true,
      removalPolicy,
    });
    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    key.grant(cloudwatch, 'kms:GenerateDataKey*', 'kms:Decrypt');
    const topic = new Topic(this, 'AlarmTopic', {
      displayName: 'consent-gate alarms',
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    return topic;
  }

  private addEntryPoint(
    entryPoint: EntryPoint,
    options: { memorySize: number; logRetention: RetentionDays; removalPolicy: RemovalPolicy },
  ): NodejsFunction {
    const { id, needs } = entryPoint;
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: options.logRetention,
      removalPolicy: options.removalPolicy,
    });
    // An own role instead of AWSLambdaBasicExecutionRole, whose logs:CreateLogGroup and
    // PutLogEvents apply to every log group in the account: this one writes to its log group only.
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `consent-gate ${id} function`,
    });
    logGroup.grantWrite(role);

    const fn = new NodejsFunction(this, id, {
      functionName: functionName(this, id),
      description: entryPoint.description,
      entry: join(REPO_ROOT, entryPoint.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: options.memorySize,
      timeout: FUNCTION_TIMEOUT,
      role,
      logGroup,
      environment: this.runtimeEnvironment(),
      bundling: {
        ...BUNDLING,
        ...(entryPoint.assets === undefined
          ? {}
          : {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) =>
                  (entryPoint.assets ?? []).map(
                    (asset) =>
                      `cp -R "${join(inputDir, 'node_modules', asset)}" "${join(outputDir, basename(asset))}"`,
                  ),
              },
            }),
      },
    });

    const target: NeedsTarget = { id, role, addEnvironment: (name, value) => fn.addEnvironment(name, value) };
    this.grantNeeds(target, needs, { receivesUnsubscribeMail: entryPoint.trigger?.type === 'sesReceipt' });

    if (entryPoint.trigger?.type === 'inboundSms' || entryPoint.trigger?.type === 'sesFeedback') {
      const [topic, deadLetterQueue] =
        entryPoint.trigger.type === 'inboundSms'
          ? [this.inboundSmsTopic, this.inboundSmsDeadLetterQueue]
          : [this.sesFeedbackTopic, this.sesFeedbackDeadLetterQueue];
      fn.configureAsyncInvoke({
        onFailure: new SqsDestination(deadLetterQueue),
        retryAttempts: FEEDBACK_RETRY_ATTEMPTS,
        maxEventAge: FEEDBACK_MAX_EVENT_AGE,
      });
      topic.addSubscription(new LambdaSubscription(fn, { deadLetterQueue }));
    } else if (entryPoint.trigger?.type === 'sesReceipt' && this.unsubscribeMailDomain !== undefined) {
      // SES invokes asynchronously: Lambda retries, then keeps the mail on a queue with an
      // alarm (npm run redrive): an unsubscribe mail is an objection (R7), never dropped.
      const deadLetterQueue = this.feedbackDeadLetterQueue(
        'UnsubscribeMailDeadLetterQueue',
        options.removalPolicy,
      );
      this.deadLetterAlarm(
        'UnsubscribeMailDeadLetterAlarm',
        deadLetterQueue,
        'consent-gate: an unsubscribe mail (an objection, R7) could not be recorded after Lambda retried it. Check the UnsubscribeMail logs, fix the cause, then: npm run redrive -- --queue-url <UnsubscribeMailDeadLetterQueueUrl> --function-name <stack>-UnsubscribeMail.',
      );
      fn.configureAsyncInvoke({
        onFailure: new SqsDestination(deadLetterQueue),
        retryAttempts: FEEDBACK_RETRY_ATTEMPTS,
        maxEventAge: FEEDBACK_MAX_EVENT_AGE,
      });
      const ruleSet = new ReceiptRuleSet(this, 'UnsubscribeMailRuleSet', {
        rules: [
          {
            recipients: [this.unsubscribeMailDomain],
            tlsPolicy: TlsPolicy.OPTIONAL,
            scanEnabled: true,
            actions: [new LambdaAction({ function: fn, invocationType: LambdaInvocationType.EVENT })],
          },
        ],
      });
      this.unsubscribeMailRuleSet = ruleSet;
      this.unsubscribeMailDeadLetterQueue = deadLetterQueue;
    } else if (entryPoint.trigger?.type === 'schedule') {
      new Rule(this, `${id}Schedule`, {
        description: `consent-gate: runs ${id} every ${entryPoint.trigger.everyMinutes} minutes`,
        schedule: Schedule.rate(Duration.minutes(entryPoint.trigger.everyMinutes)),
        targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
      });
    } else if (entryPoint.trigger?.type === 'bulkQueue') {
      fn.addEventSource(
        new SqsEventSource(this.bulkQueue, {
          batchSize: 10,
          maxBatchingWindow: Duration.seconds(1),
          reportBatchItemFailures: true,
        }),
      );
    } else if (entryPoint.trigger?.type === 'tableStream' || entryPoint.trigger?.type === 'counterStream') {
      // One batch per shard at a time (parallelization 1): a recipient's events keep their
      // order. A failing record is handed again from itself (partial batch failures), the
      // batch is bisected to isolate it, and after the retries its description goes to the
      // on-failure queue, whose first message raises the alarm. The counters consumer reads
      // the same stream through its own mapping (a stream takes two readers).
      const counters = entryPoint.trigger.type === 'counterStream';
      fn.addEventSource(
        new DynamoEventSource(this.table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: 100,
          maxBatchingWindow: Duration.seconds(1),
          parallelizationFactor: 1,
          reportBatchItemFailures: true,
          bisectBatchOnError: true,
          retryAttempts: EVENT_STREAM_RETRY_ATTEMPTS,
          maxRecordAge: Duration.hours(24),
          onFailure: new SqsDlq(
            counters ? this.counterStreamDeadLetterQueue : this.eventStreamDeadLetterQueue,
          ),
        }),
      );
    } else if (entryPoint.trigger?.type === 'objectionQueue') {
      // No batching window: an objection waits for nothing once the table can take it.
      fn.addEventSource(
        new SqsEventSource(this.objectionQueue, { batchSize: 10, reportBatchItemFailures: true }),
      );
    }

    const integration = new HttpLambdaIntegration(`${id}Integration`, fn);
    for (const route of entryPoint.routes) {
      const [added] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
      });
      if (added) this.routes.push({ key: routeKey(route), access: routeAccess(route), route: added });
    }
    if (
      this.keyRateLimit !== undefined &&
      entryPoint.routes.some((r) => routeAccess(r) === 'authenticated')
    ) {
      this.provideKeyRateLimit(target, needs.table);
    }
    return fn;
  }

  /** The environment every function and the SMTP relay start with, before their `needs`. */
  private runtimeEnvironment(): Record<string, string> {
    return {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'consent-gate',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      // The SES-compatible endpoint accepts signatures scoped to this region only.
      [ENV.gatewayRegion]: Stack.of(this).region,
      // A tenant's feedback destination must be in this account (services/feedback-forwarding.ts).
      [ENV.gatewayAccount]: Stack.of(this).account,
    };
  }

  /**
   * Grants exactly what `needs` declares to the target's role and writes the matching
   * environment: one code path for every function and for the SMTP relay's task.
   */
  private grantNeeds(
    target: NeedsTarget,
    needs: EntryPoint['needs'],
    options: { receivesUnsubscribeMail: boolean },
  ): void {
    if (needs.table !== undefined) this.grantTable(target, needs.table);
    if (needs.keys === true) this.grantKeys(target);
    if (needs.sendEmail === true) this.grantSendEmail(target);
    if (needs.senderConfigurationSets === true) this.grantSenderConfigurationSets(target);
    if (needs.sendSms === true) this.grantSendSms(target);
    if (needs.publicBaseUrl === true) this.providePublicBaseUrl(target);
    // R10 / RFC 2369: who builds unsubscribe links adds the mailto address; UnsubscribeMail reads it.
    if (
      this.unsubscribeMailDomain !== undefined &&
      (needs.publicBaseUrl === true || options.receivesUnsubscribeMail)
    ) {
      target.addEnvironment(ENV.unsubscribeMailDomain, this.unsubscribeMailDomain);
    }
    if (needs.publishEvents === true) this.grantPublishEvents(target);
    if (needs.expiryTombstones === true) this.grantExpiryTombstones(target);
    if (needs.enqueueObjections === true) this.grantEnqueueObjections(target);
    if (needs.pendingObjections !== undefined) this.grantPendingObjections(target, needs.pendingObjections);
    if (needs.legalFloors === true) target.addEnvironment(ENV.legalFloors, this.legalFloorsJson);
    if (needs.credentialSecrets !== undefined) this.grantCredentialSecrets(target, needs.credentialSecrets);
    // R10: the operator assigns tenants only identities the SES grants below cover.
    if (needs.emailIdentities === true) target.addEnvironment(ENV.emailIdentities, this.emailIdentitiesJson);
    if (needs.forwardFeedback === true) this.grantForwardFeedback(target);
    if (needs.consoleKeySignIn === true)
      target.addEnvironment(ENV.consoleKeySignIn, this.consoleKeySignIn ? 'on' : 'off');
    if (needs.consoleUsers === true) this.grantConsoleUsers(target);
  }

  /**
   * The console's user pool: users made by an administrator only (`consent-gate console-user
   * add`), email as username, `custom:tenant` (written by administrators, not by the app
   * client), the groups `admin` and `compliance`, a password policy (cdk-nag COG1), the Plus
   * feature plan with threat protection enforced (COG8: compromised credentials and unusual
   * sign-ins blocked, for accounts that may erase recipients). Its app client has no secret,
   * USER_PASSWORD_AUTH only (the Console function's form), no OAuth and no hosted UI, and hides
   * whether a user exists.
   */
  private makeConsoleUserPool(removalPolicy: RemovalPolicy): { pool: UserPool; clientId: string } {
    const pool = new UserPool(this, 'ConsoleUsers', {
      userPoolName: `${Stack.of(this).stackName}-console`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: { tenant: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // The console's form answers NEW_PASSWORD_REQUIRED only: no TOTP enrolment yet (COG2 below).
      mfa: Mfa.OFF,
      // No "forgot password" page: an administrator resets a password (AdminResetUserPassword).
      accountRecovery: AccountRecovery.NONE,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
    });
    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is off until the console enrols TOTP (MFA_SETUP, AssociateSoftwareToken): with MFA required, no user could sign in. Threat protection (Plus plan, full function) refuses compromised credentials meanwhile; sessions are HttpOnly, 8 h idle, 12 h at most, and end when the user is disabled.',
    });
    for (const groupName of CONSOLE_GROUPS)
      pool.addGroup(`Group${groupName}`, {
        groupName,
        description:
          groupName === 'admin'
            ? 'consent-gate console: reads and changes (erase, revoke, settings) for the user’s tenant'
            : 'consent-gate console: reads only, for the user’s tenant',
      });
    const client = pool.addClient('ConsoleClient', {
      generateSecret: false,
      authFlows: { userPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes('tenant'),
      // The tenant is an administrator's to set: the client writes no attribute.
      writeAttributes: new ClientAttributes(),
      idTokenValidity: Duration.minutes(5),
      accessTokenValidity: Duration.minutes(5),
      refreshTokenValidity: Duration.hours(1),
    });
    return { pool, clientId: client.userPoolClientId };
  }

  /** AdminGetUser and AdminListGroupsForUser on the console's pool (InitiateAuth needs no IAM), and its ids. */
  private grantConsoleUsers(target: NeedsTarget): void {
    target.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['cognito-idp:AdminGetUser', 'cognito-idp:AdminListGroupsForUser'],
        resources: [this.consoleUserPool.userPoolArn],
      }),
    );
    target.addEnvironment(ENV.consoleUserPoolId, this.consoleUserPool.userPoolId);
    target.addEnvironment(ENV.consoleUserPoolClientId, this.consoleUserPoolClientId);
  }

  /** Table access per `needs.table`, and `TABLE_NAME`. */
  private grantTable(target: NeedsTarget, access: 'read' | 'readWrite'): void {
    if (access === 'read') this.table.grantReadData(target.role);
    else this.table.grantReadWriteData(target.role);
    target.addEnvironment(ENV.tableName, this.table.tableName);
    Validations.of(target.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.tableLogicalId}.Arn>/index/*]`,
      reason:
        "The table grant covers the indexes of this one table (today only gsi1) so queries on gsi1 work; no other table's resources are reachable.",
    });
  }

  /**
   * kms:Encrypt (seal) or kms:Decrypt (open) on the credential key, in its key policy for this
   * role only (no IAM policy: the key policy does not delegate to IAM), and CREDENTIAL_KEY_ARN.
   */
  private grantCredentialSecrets(target: NeedsTarget, use: 'seal' | 'open'): void {
    this.credentialKey.addToResourcePolicy(
      new PolicyStatement({
        sid: `${use === 'seal' ? 'Encrypt' : 'Decrypt'}CredentialSecrets${target.id}`,
        principals: [target.role],
        actions: [use === 'seal' ? 'kms:Encrypt' : 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:EncryptionContext:consent-gate:purpose': CREDENTIAL_SECRET_PURPOSE },
        },
      }),
    );
    target.addEnvironment(ENV.credentialKeyArn, this.credentialKey.keyArn);
  }

  /** Read access to both secrets, and their ARNs. */
  private grantKeys(target: NeedsTarget): void {
    this.hashKeySecret.grantRead(target.role);
    this.tokenKeysSecret.grantRead(target.role);
    target.addEnvironment(ENV.hashKeySecretArn, this.hashKeySecret.secretArn);
    target.addEnvironment(ENV.tokenKeysSecretArn, this.tokenKeysSecret.secretArn);
  }

  /** `ses:SendEmail` on the declared identities (and configuration set), and `SES_CONFIGURATION_SET`. */
  private grantSendEmail(target: NeedsTarget): void {
    target.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ses:SendEmail'], resources: [...this.sendEmailResources] }),
    );
    if (this.configurationSetName !== undefined) {
      target.addEnvironment(ENV.sesConfigurationSet, this.configurationSetName);
    }
  }

  /** `ses:SendEmail` on the configuration sets senders may name, and `SES_SENDER_CONFIGURATION_SETS`. */
  private grantSenderConfigurationSets(target: NeedsTarget): void {
    const sets = this.senderConfigurationSets;
    if (sets.length === 0) return;
    target.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: sets.map((set) => sesArn(this, 'configuration-set', set)),
      }),
    );
    target.addEnvironment(ENV.sesSenderConfigurationSets, JSON.stringify(sets));
  }

  /** `sms-voice:SendTextMessage` on the declared origination identities, and `SMS_CONFIGURATION_SET`. */
  private grantSendSms(target: NeedsTarget): void {
    if (this.sendSmsResources.length === 0) return;
    target.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sms-voice:SendTextMessage'], resources: [...this.sendSmsResources] }),
    );
    if (this.smsConfigurationSetName !== undefined) {
      target.addEnvironment(ENV.smsConfigurationSet, this.smsConfigurationSetName);
    }
  }

  /** `events:PutEvents` on the gateway's bus only, and `EVENT_BUS_NAME`. */
  private grantPublishEvents(target: NeedsTarget): void {
    this.eventBus.grantPutEventsTo(target.role);
    target.addEnvironment(ENV.eventBusName, this.eventBus.eventBusName);
  }

  /**
   * R9/R15: the tombstones of expired audit events, and `TABLE_NAME`: dynamodb:Query (what else
   * the partition holds, for the tombstone's own TTL) and dynamodb:PutItem (the tombstone, only
   * if its key is absent) on the table itself, not its index; no read of an item by key, no
   * update, no delete.
   */
  private grantExpiryTombstones(target: NeedsTarget): void {
    target.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query', 'dynamodb:PutItem'],
        resources: [this.table.tableArn],
      }),
    );
    target.addEnvironment(ENV.tableName, this.table.tableName);
  }

  /**
   * The tenants' own SES feedback: sns:Publish on topics and events:PutEvents on buses of this
   * account and region only (the ARN pattern: a foreign account's topic is refused by IAM as
   * well as by the settings' validation), never on the gateway's own topics (a tenant naming
   * the SES feedback topic would feed its copy back in), and FEEDBACK_BUS_NAME for
   * `gateway_bus`.
   */
  private grantForwardFeedback(target: NeedsTarget): void {
    const stack = Stack.of(this);
    target.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['sns:Publish'],
        resources: [stack.formatArn({ service: 'sns', resource: '*' })],
      }),
    );
    target.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: ['sns:Publish'],
        resources: [this.sesFeedbackTopic.topicArn, this.inboundSmsTopic.topicArn],
      }),
    );
    target.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: '*' })],
      }),
    );
    target.addEnvironment(ENV.feedbackBusName, this.eventBus.eventBusName);
    Validations.of(target.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:*]',
        reason:
          "Tenants name their own feedback topic at run time (PUT /v1/settings/feedback); the grant is limited to this account and region, and the gateway's own topics are denied.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/*]',
        reason:
          'Tenants name their own feedback bus at run time (PUT /v1/settings/feedback); the grant is limited to buses of this account and region.',
      },
    );
  }

  /** `sqs:SendMessage` on the objection queue only, and `OBJECTION_QUEUE_URL`. */
  private grantEnqueueObjections(target: NeedsTarget): void {
    this.objectionQueue.grantSendMessages(target.role);
    target.addEnvironment(ENV.objectionQueueUrl, this.objectionQueue.queueUrl);
  }

  /**
   * R7: the pending objections bucket, and `PENDING_OBJECTIONS_BUCKET`. Objects under
   * `pending/` only: s3:GetObject to every decider; s3:PutObject and s3:DeleteObject to the
   * functions that add (Unsubscribe) and remove (ApplyObjections, and Unsubscribe taking one
   * back) them. s3:ListBucket on this one bucket to all: without it S3 answers a GET of a
   * missing key, the normal case, with 403 instead of 404, and the send would fail closed.
   */
  private grantPendingObjections(target: NeedsTarget, access: 'read' | 'readWrite'): void {
    const bucket = this.pendingObjectionsBucket;
    target.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
    );
    target.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: access === 'read' ? ['s3:GetObject'] : ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [bucket.arnForObjects('pending/*')],
      }),
    );
    target.addEnvironment(ENV.pendingObjectionsBucket, bucket.bucketName);
    const bucketId = Stack.of(this).resolve((bucket.node.defaultChild as CfnBucket).logicalId);
    Validations.of(target.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/pending/*]`,
      reason:
        'One object per tenant and recipient key, created as unsubscribes arrive: the grant covers the pending/ prefix of this one bucket, nothing else.',
    });
  }

  /**
   * `KEY_RATE_LIMIT`, and the counter's conditional UpdateItem. A read-only function
   * (Decide) gets UpdateItem on the `RATE#…` partitions only.
   */
  private provideKeyRateLimit(target: NeedsTarget, access: 'read' | 'readWrite' | undefined): void {
    if (access === undefined) {
      throw new ConsentGatewayPropsError(
        `${target.id}: a keyed route needs the table (API keys, rate counters)`,
      );
    }
    target.addEnvironment(ENV.keyRateLimit, JSON.stringify(this.keyRateLimit));
    if (access === 'read') {
      target.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['dynamodb:UpdateItem'],
          resources: [this.table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RATE#*'] } },
        }),
      );
    }
  }

  /** `PUBLIC_BASE_URL`; nothing to grant. The API does not depend on the function, so no cycle. */
  private providePublicBaseUrl(target: NeedsTarget): void {
    target.addEnvironment(ENV.publicBaseUrl, this.url);
  }
}

function validateIdentities(identities: readonly string[]): string[] {
  if (identities.length === 0) {
    throw new ConsentGatewayPropsError('emailIdentities: at least one SES identity is required');
  }
  for (const identity of identities) {
    if (Token.isUnresolved(identity)) continue;
    // A wildcard would widen ses:SendEmail beyond the declared identities; ':' and '/' would
    // change the ARN's shape.
    if (!/^[^\s*:/]+$/.test(identity)) {
      throw new ConsentGatewayPropsError(
        `emailIdentities: "${identity}" is not a domain or an address (no wildcards, spaces, ':' or '/')`,
      );
    }
  }
  return [...new Set(identities)];
}

function validateThrottle(limit: ConsentGatewayThrottle, what: string): ConsentGatewayThrottle {
  if (Token.isUnresolved(limit.rateLimit) || Token.isUnresolved(limit.burstLimit)) return limit;
  try {
    return validateRateLimit(limit, what);
  } catch (error) {
    if (error instanceof RateLimitError) throw new ConsentGatewayPropsError(error.message, { cause: error });
    throw error;
  }
}

function validateSmsIdentities(identities: readonly string[]): string[] {
  for (const identity of identities) {
    if (Token.isUnresolved(identity)) continue;
    if (!/^(arn:[\w-]+:sms-voice:[\w-]*:\d*:)?(phone-number|sender-id|pool)\/[^\s*]+$/.test(identity)) {
      throw new ConsentGatewayPropsError(
        `smsOriginationIdentities: "${identity}" is not phone-number/<id>, sender-id/<id>/<country>, pool/<id> or such an ARN (no wildcards)`,
      );
    }
  }
  return [...new Set(identities)];
}

function smsArn(scope: Construct, resourcePath: string): string {
  const [resource = '', ...rest] = resourcePath.split('/');
  return Stack.of(scope).formatArn({ service: 'sms-voice', resource, resourceName: rest.join('/') });
}

function normalizePublicBaseUrl(url: string | undefined): string | undefined {
  if (url === undefined || Token.isUnresolved(url)) return url;
  if (!/^https:\/\/[^/\s]+(\/\S*)?$/.test(url)) {
    throw new ConsentGatewayPropsError(`publicBaseUrl: "${url}" is not an https:// URL`);
  }
  return url.replace(/\/+$/, '');
}

function sesArn(scope: Construct, resource: 'identity' | 'configuration-set', name: string): string {
  return Stack.of(scope).formatArn({ service: 'ses', resource, resourceName: name });
}

/** `<stack name>-<entry point id>`, as infra/entry-points.ts promises. */
function functionName(scope: Construct, id: string): string {
  const name = `${Stack.of(scope).stackName}-${id}`;
  if (name.length > 64) {
    throw new ConsentGatewayPropsError(`Function name ${name} is longer than Lambda's 64 characters`);
  }
  return name;
}
