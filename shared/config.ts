import { type LegalFloors, legalFloorsSchema } from './schemas/legal-floors';

/**
 * Environment, read once at module load by whoever imports a getter. Only the CDK
 * construct (and the local runner, which plays its part) writes these variables.
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export const ENV = {
  tableName: 'TABLE_NAME',
  hashKeySecretArn: 'HASH_KEY_SECRET_ARN',
  tokenKeysSecretArn: 'TOKEN_KEYS_SECRET_ARN',
  /** Local runner only: the key ring as JSON instead of Secrets Manager. */
  keyRingJson: 'KEY_RING_JSON',
  /**
   * The KMS key SES credential secrets are encrypted under; written only on the functions
   * its key policy lets seal (Admin: kms:Encrypt) or open (SesSendEmail: kms:Decrypt).
   */
  credentialKeyArn: 'CREDENTIAL_KEY_ARN',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  /** R10 / RFC 2369: the inbound domain of mailto: unsubscribe addresses (the construct's `unsubscribeMailDomain`). */
  unsubscribeMailDomain: 'UNSUBSCRIBE_MAIL_DOMAIN',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  /**
   * SES configuration sets a sender on the SES v2 endpoint may name (ConfigurationSetName), as
   * a JSON array (the construct's `senderConfigurationSets`); absent, none.
   */
  sesSenderConfigurationSets: 'SES_SENDER_CONFIGURATION_SETS',
  smsConfigurationSet: 'SMS_CONFIGURATION_SET',
  /** EventBridge bus the recipient events go to; written with the events:PutEvents grant. */
  eventBusName: 'EVENT_BUS_NAME',
  /** Local runner only: `memory` keeps events in the process (served at /local/events). */
  localEvents: 'LOCAL_EVENTS',
  /** SQS queue taking unsubscribes the store could not (R7); written with the sqs:SendMessage grant. */
  objectionQueueUrl: 'OBJECTION_QUEUE_URL',
  /** Local runner only: the folder of the disk-backed objection queue. */
  localObjectionQueueDir: 'LOCAL_OBJECTION_QUEUE_DIR',
  /**
   * S3 bucket of the pending objections (R7: queued unsubscribes every decision reads);
   * written with the matching s3 grants (infra/gateway.ts, grantPendingObjections).
   */
  pendingObjectionsBucket: 'PENDING_OBJECTIONS_BUCKET',
  /** Local runner only: the folder of the pending objections. */
  localPendingObjectionsDir: 'LOCAL_PENDING_OBJECTIONS_DIR',
  /**
   * The region this deployment serves (the CDK stack's; the local runner's AWS_REGION): the
   * SES-compatible endpoint accepts only signatures scoped to it.
   */
  gatewayRegion: 'GATEWAY_REGION',
  /**
   * The account this deployment runs in (the CDK stack's; locally 000000000000): a tenant's
   * feedback destination must be an ARN of this account and GATEWAY_REGION.
   */
  gatewayAccount: 'GATEWAY_ACCOUNT',
  /**
   * The gateway's bus, for tenants whose feedback destination is `gateway_bus`: written on
   * SesFeedback only, with its events:PutEvents grant (not EVENT_BUS_NAME: it does not
   * publish the recipient events).
   */
  feedbackBusName: 'FEEDBACK_BUS_NAME',
  /**
   * The per-API-key limit, as JSON `{"rateLimit":25,"burstLimit":50}`; absent,
   * keys are not limited (the local runner, unless asked).
   */
  keyRateLimit: 'KEY_RATE_LIMIT',
  /**
   * The legal floors under every tenant's settings, as JSON (the construct's
   * `legalFloors` prop); unset, the defaults of shared/schemas/legal-floors.ts.
   */
  legalFloors: 'LEGAL_FLOORS',
  /**
   * The deployment's SES identities (the construct's `emailIdentities`), as a JSON array: the
   * operator assigns a tenant only identities the deployment may send from; unset (the local
   * runner), any.
   */
  emailIdentities: 'EMAIL_IDENTITIES',
  /** The SMTP relay (functions/smtp-relay.ts): STARTTLS submission port, default 587. */
  smtpPort: 'SMTP_PORT',
  /** The SMTP relay's implicit TLS port, default 465. */
  smtpTlsPort: 'SMTP_TLS_PORT',
  /** Secrets Manager secret of the relay's certificate, JSON `{"key":"<PEM>","cert":"<PEM>"}`. */
  smtpTlsCertSecretArn: 'SMTP_TLS_CERT_SECRET_ARN',
  /** The SIZE the relay advertises and enforces; default the SES endpoint's raw message limit. */
  smtpMaxMessageBytes: 'SMTP_MAX_MESSAGE_BYTES',
  /** `1`: functions/smtp-relay.ts runs its main() (the container sets it). */
  smtpRelayMain: 'SMTP_RELAY_MAIN',
  /**
   * The console's sign-in with an API key: `off` turns it off (the construct's
   * `consoleKeySignIn: false`); unset, on (the local runner).
   */
  consoleKeySignIn: 'CONSOLE_KEY_SIGN_IN',
  /**
   * The console's user pool (Cognito) and its app client: set, the sign-in page takes a
   * username and password too (written with the cognito-idp grant: the construct's own pool,
   * or `consoleUserPool`); unset, key sign-in only.
   */
  consoleUserPoolId: 'CONSOLE_USER_POOL_ID',
  consoleUserPoolClientId: 'CONSOLE_USER_POOL_CLIENT_ID',
  /**
   * The ID tokens' issuer and the JWKS address; unset, the pool's in AWS
   * (`https://cognito-idp.<region>.amazonaws.com/<pool id>`, and its `/.well-known/jwks.json`).
   * Set for a local stand-in (cognito-local).
   */
  consoleUserPoolIssuer: 'CONSOLE_USER_POOL_ISSUER',
  consoleUserPoolJwksUri: 'CONSOLE_USER_POOL_JWKS_URI',
} as const;

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`Environment variable ${name} is required but not set`);
  }
  return value;
}

export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * CloudWatch metrics (embedded metric format, written by the functions' logs): the CDK
 * construct's alarm reads the same names.
 */
export const METRICS = {
  namespace: 'ConsentGate',
  service: 'consent-gate',
  /** Per tenant (dimension `tenant`): the email complaint rate over the window, in percent. */
  complaintRate: 'ComplaintRate',
  /** Every tenant at once (dimension `service` only): 0 ok, 1 warning, 2 hold; the alarm fires from 1. */
  complaintRateLevel: 'ComplaintRateLevel',
  /**
   * R7: SMS replies kept for a person to read (dimension `reason`: `unrecognised`, no keyword;
   * `unknown_number`, a reply to a number no tenant declared).
   */
  smsRepliesForReview: 'SmsRepliesForReview',
} as const;

let floors: LegalFloors | undefined;

/**
 * The deployment's legal floors, read once: a malformed LEGAL_FLOORS is a
 * ConfigurationError, never a silent fallback to looser floors.
 */
export function legalFloors(): LegalFloors {
  if (floors !== undefined) return floors;
  const raw = optionalEnv(ENV.legalFloors);
  let parsed: unknown = {};
  if (raw !== undefined) {
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ConfigurationError(`Environment variable ${ENV.legalFloors} is not JSON`);
    }
  }
  const result = legalFloorsSchema.safeParse(parsed);
  if (!result.success) {
    throw new ConfigurationError(
      `Environment variable ${ENV.legalFloors} is invalid: ${result.error.message}`,
    );
  }
  floors = result.data;
  return floors;
}

let identities: { value: readonly string[] | undefined } | undefined;

/** EMAIL_IDENTITIES, read once; malformed, a ConfigurationError (never "any identity"). */
export function deploymentEmailIdentities(): readonly string[] | undefined {
  if (identities !== undefined) return identities.value;
  const raw = optionalEnv(ENV.emailIdentities);
  let value: readonly string[] | undefined;
  if (raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ConfigurationError(`Environment variable ${ENV.emailIdentities} is not JSON`);
    }
    if (!Array.isArray(parsed) || !parsed.every((i) => typeof i === 'string')) {
      throw new ConfigurationError(`Environment variable ${ENV.emailIdentities} is not an array of strings`);
    }
    value = parsed;
  }
  identities = { value };
  return value;
}

/**
 * SES_SENDER_CONFIGURATION_SETS: the configuration sets senders may name on the SES v2
 * endpoint; absent, none. Read on each call (a string parse); malformed, a ConfigurationError.
 */
export function senderConfigurationSets(): readonly string[] {
  const raw = optionalEnv(ENV.sesSenderConfigurationSets);
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigurationError(`Environment variable ${ENV.sesSenderConfigurationSets} is not JSON`);
  }
  if (!Array.isArray(parsed) || !parsed.every((i) => typeof i === 'string')) {
    throw new ConfigurationError(
      `Environment variable ${ENV.sesSenderConfigurationSets} is not an array of strings`,
    );
  }
  return parsed;
}
