import {
  COUNTRY_TIME_ZONES_ASSET,
  ENCODING_JAPANESE_ASSET,
  PHONE_METADATA_ASSET,
} from '../shared/asset-paths';

/**
 * The gateway's Lambda entry points and the HTTP routes each serves.
 *
 * One list feeds both the CDK construct (one NodejsFunction per entry point, its routes
 * on the HTTP API, its grants) and the local runner (the same handlers behind a local
 * HTTP server), so the two cannot drift apart.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway HTTP API path, with `{param}` placeholders (`{param+}`: the rest of the path). */
  readonly path: string;
  /**
   * Taken only when no other route matches (a greedy `{proxy+}` path, as API Gateway ranks
   * it), and answering only errors: not an operation of the OpenAPI document.
   */
  readonly fallback?: true;
}

/**
 * Which throttle a route falls under. `/v1/…` and `/v2/…` take a key (API key
 * or SigV4 credential); everything else is reached anonymously (`/u/…`, `/p/…`, `/c/…`,
 * `/docs`, `/openapi.json`): a flood there must not use up the senders' throttle.
 */
export function routeAccess(route: Route): 'public' | 'authenticated' {
  return /^\/v\d+\//.test(route.path) ? 'authenticated' : 'public';
}

/** The greedy route taking every SES v2 path the gateway does not serve (`{proxy+}`: one or more segments). */
export const SES_V2_OTHER_OPERATIONS = '/v2/email/{proxy+}';

/** API Gateway's route key: `POST /v1/messages`. */
export function routeKey(route: Route): string {
  return `${route.method} ${route.path}`;
}

export interface EntryPoint {
  /** Construct id and function name suffix. */
  readonly id: string;
  /** Handler file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly routes: readonly Route[];
  /**
   * Files (or folders) of node_modules the function reads at run time: the construct copies
   * each beside the bundle (esbuild bundles code, not data files; and what a function reads
   * only when it needs it, such as the phone metadata, would cost every cold start inlined);
   * locally they are read in place. test/infra/bundle-size.test.ts checks that each bundle
   * naming one has it.
   */
  readonly assets?: readonly string[];
  /**
   * What else invokes the function: the inbound SMS topic, a schedule (minutes between
   * runs), the bulk queue or the objection queue (SQS, partial batch failures).
   */
  readonly trigger?:
    | { readonly type: 'inboundSms' }
    | { readonly type: 'sesFeedback' }
    /** R10 / RFC 2369: an SES receipt rule's Lambda action; only with the construct's `unsubscribeMailDomain`. */
    | { readonly type: 'sesReceipt' }
    | { readonly type: 'schedule'; readonly everyMinutes: number }
    | { readonly type: 'bulkQueue' }
    | { readonly type: 'objectionQueue' }
    /** The table's DynamoDB stream (events out): partial batch failures, bisection, an on-failure queue. */
    | { readonly type: 'tableStream' }
    /** The same stream, for the console's counters: its own mapping and on-failure queue. */
    | { readonly type: 'counterStream' };
  /** What the function needs; the construct grants exactly this and writes the matching environment. */
  readonly needs: {
    readonly table?: 'read' | 'readWrite';
    /** Recipient hash key and unsubscribe token keys (Secrets Manager). */
    readonly keys?: boolean;
    /** ses:SendEmail on the declared identities. */
    readonly sendEmail?: boolean;
    /**
     * The configuration sets senders may name on the SES v2 endpoint (the construct's
     * `senderConfigurationSets`): ses:SendEmail on them and SES_SENDER_CONFIGURATION_SETS.
     */
    readonly senderConfigurationSets?: boolean;
    /** sms-voice:SendTextMessage on the declared origination identities. */
    readonly sendSms?: boolean;
    /** Public base URL of the API, to build unsubscribe links. */
    readonly publicBaseUrl?: boolean;
    /**
     * events:PutEvents on the gateway's bus (recipient events, bulk outcomes), and EVENT_BUS_NAME:
     * only the stream consumer; every other function stores its events with its changes.
     */
    readonly publishEvents?: boolean;
    /**
     * R9/R15: dynamodb:Query and dynamodb:PutItem on the table (not its index), and TABLE_NAME:
     * only the stream consumer, which writes back the tombstone of an audit event the TTL removed.
     */
    readonly expiryTombstones?: boolean;
    /** sqs:SendMessage on the objection queue (R7: unsubscribes the store could not take), and OBJECTION_QUEUE_URL. */
    readonly enqueueObjections?: boolean;
    /**
     * R7: the pending objections bucket, and PENDING_OBJECTIONS_BUCKET: `read` for every
     * function that decides a send (s3:GetObject, and s3:ListBucket so that a missing object
     * is a 404), `readWrite` for those that add and remove them (and s3:PutObject,
     * s3:DeleteObject).
     */
    readonly pendingObjections?: 'read' | 'readWrite';
    /** The deployment's legal floors, as LEGAL_FLOORS: the routes that write tenant settings. */
    readonly legalFloors?: boolean;
    /**
     * SES credential secrets under the credential KMS key, and CREDENTIAL_KEY_ARN: `seal`
     * (kms:Encrypt, the function that creates and rotates credentials) or `open`
     * (kms:Decrypt, the SES endpoint, which verifies SigV4 with them). No other function may.
     */
    readonly credentialSecrets?: 'seal' | 'open';
    /** The console's sign-in with an API key, on or off (the construct's `consoleKeySignIn`), as CONSOLE_KEY_SIGN_IN. */
    readonly consoleKeySignIn?: boolean;
    /**
     * The console's user pool: cognito-idp:AdminGetUser and cognito-idp:AdminListGroupsForUser
     * on it (a user looked up again while their session lasts; InitiateAuth and
     * RespondToAuthChallenge need no IAM), and CONSOLE_USER_POOL_ID, CONSOLE_USER_POOL_CLIENT_ID.
     */
    readonly consoleUsers?: boolean;
    /** The deployment's SES identities, as EMAIL_IDENTITIES: the operator assigns only those (R10). */
    readonly emailIdentities?: boolean;
    /**
     * The tenants' own SES feedback, forwarded: sns:Publish on topics and events:PutEvents on
     * buses of the deployment's account and region only, and FEEDBACK_BUS_NAME (the gateway's bus).
     */
    readonly forwardFeedback?: boolean;
  };
}

/**
 * Redoc's browser bundle, as @redocly/cli ships it (Redoc 3 itself does not install from
 * npm here): test/unit/openapi-handler.test.ts fails if an upgrade moves it.
 */
/**
 * Import paths esbuild rewrites in every bundle (infra/gateway.ts's NodejsFunction and the
 * bench's and bundle-size test's builds, scripts/bench/bundles.ts, alike). libmime once:
 * mailsplit `require`s its CommonJS build and the gateway's own modules `import` it, which
 * brought its ES build as a second copy (about 86 KiB in SesSendEmail). Both get the
 * CommonJS build; relative to the repository root, where esbuild runs.
 */
export const ESBUILD_ALIAS: Readonly<Record<string, string>> = {
  libmime: './node_modules/libmime/dist/cjs/libmime.js',
  // Loaded on first use, from ENCODING_JAPANESE_ASSET beside the bundle (libmime requires it when it loads).
  'encoding-japanese': './shared/lazy-encoding-japanese.ts',
};

/**
 * Import paths esbuild leaves out of every bundle (infra/gateway.ts's `externalModules`, the
 * bench's and the size test's builds alike), read at run time beside it. iconv-lite's double-
 * byte charset tables (GBK, Big5, EUC-JP, EUC-KR, Shift_JIS: 395 KiB of SesSendEmail's
 * bundle) are `require`d by its codecs as `./tables/<name>.json`: GBK's when libmime loads
 * (it compares codecs with GBK's decoder), the others the first time a message in their
 * charset is decoded. JSON read from a file costs less than the same array compiled as
 * code. The construct copies the folder beside the bundle (ICONV_TABLES_ASSET); missing,
 * libmime fails to load (SesSendEmail loads it with its first raw message: that send is a
 * 5xx, never a message decoded as something else). From the sources, iconv-lite reads its own.
 */
export const ESBUILD_EXTERNAL: readonly string[] = [
  './tables/*',
  // handlebars' compiler tries `require('source-map')` and, when it fails (as in a browser),
  // builds its code with its own string SourceNode: the same template code, without a source
  // map, which the gateway never asks for. Left out, the require fails in Lambda (29 KiB less).
  'source-map',
];

/** The folder of those tables, for the iconv-lite that libmime requires (test/infra/bundle-size.test.ts checks it is). */
export const ICONV_TABLES_ASSET = 'libmime/node_modules/iconv-lite/encodings/tables';

export const API_REFERENCE_ASSET = '@redocly/cli/lib/chunks/redoc.standalone.js';
/** The console's chart library (npm `uplot`): its browser build and stylesheet, served by the Console function. */
export const CHART_LIBRARY_ASSETS = ['uplot/dist/uPlot.iife.min.js', 'uplot/dist/uPlot.min.css'] as const;

/**
 * The files the SES endpoint's send path reads on first use (phone numbers, time zones, the
 * charset tables of the MIME parser), and so the SMTP relay's: copied beside each bundle.
 */
const sesEndpointAssets: readonly string[] = [
  PHONE_METADATA_ASSET,
  COUNTRY_TIME_ZONES_ASSET,
  ICONV_TABLES_ASSET,
  ENCODING_JAPANESE_ASSET,
];

/**
 * What the SES endpoint needs, and so the SMTP relay, which sends through the same gate and
 * send (sendSesEmail) and verifies the same credentials: one object, so the two cannot drift.
 */
const sesEndpointNeeds: EntryPoint['needs'] = {
  table: 'readWrite',
  keys: true,
  sendEmail: true,
  senderConfigurationSets: true,
  publicBaseUrl: true,
  credentialSecrets: 'open',
  pendingObjections: 'read',
};

export const entryPoints: readonly EntryPoint[] = [
  {
    id: 'SendMessage',
    entry: 'functions/send-message.ts',
    description: 'POST /v1/messages: decide, add the opt-out, send through SES or End User Messaging',
    routes: [{ method: 'POST', path: '/v1/messages' }],
    assets: [PHONE_METADATA_ASSET, COUNTRY_TIME_ZONES_ASSET],
    needs: {
      table: 'readWrite',
      keys: true,
      sendEmail: true,
      sendSms: true,
      publicBaseUrl: true,
      pendingObjections: 'read',
    },
  },
  {
    id: 'CancelMessage',
    entry: 'functions/cancel-message.ts',
    description:
      'DELETE /v1/messages/{messageId}: cancel a scheduled (sendAt) or deferred (R14) message before it is due',
    routes: [{ method: 'DELETE', path: '/v1/messages/{messageId}' }],
    needs: { table: 'readWrite' },
  },
  {
    id: 'SesSendEmail',
    entry: 'functions/ses-send-email.ts',
    description:
      'SES v2 and v1 (Query API, POST /) for AWS SDKs and nodemailer, SigV4 with gateway credentials: sends, templates, account and identities; any other operation an SES-shaped error',
    routes: [
      { method: 'POST', path: '/v2/email/outbound-emails' },
      { method: 'POST', path: '/v2/email/outbound-bulk-emails' },
      { method: 'GET', path: '/v2/email/account' },
      { method: 'GET', path: '/v2/email/identities' },
      { method: 'POST', path: '/v2/email/list-identities' },
      { method: 'GET', path: '/v2/email/identities/{EmailIdentity}' },
      { method: 'POST', path: '/v2/email/templates' },
      { method: 'GET', path: '/v2/email/templates' },
      { method: 'GET', path: '/v2/email/templates/{TemplateName}' },
      { method: 'PUT', path: '/v2/email/templates/{TemplateName}' },
      { method: 'DELETE', path: '/v2/email/templates/{TemplateName}' },
      // SES v1's Query API: every action is a form POST to the endpoint's root.
      { method: 'POST', path: '/' },
      // Every other SES v2 operation (SES v2 uses these four methods only): an SES-shaped
      // error naming consent-gate rather than API Gateway's bare 404, which the SDK shows as
      // "Unknown: Not Found".
      ...(['GET', 'POST', 'PUT', 'DELETE'] as const).map((method) => ({
        method,
        path: SES_V2_OTHER_OPERATIONS,
        fallback: true as const,
      })),
    ],
    assets: sesEndpointAssets,
    needs: sesEndpointNeeds,
  },
  {
    id: 'BulkSend',
    entry: 'functions/bulk-send.ts',
    description:
      'Bulk queue consumer: POST /v1/messages JSON in SQS batches, each outcome stored for the event bus',
    routes: [],
    trigger: { type: 'bulkQueue' },
    assets: [PHONE_METADATA_ASSET, COUNTRY_TIME_ZONES_ASSET],
    needs: {
      table: 'readWrite',
      keys: true,
      sendEmail: true,
      sendSms: true,
      publicBaseUrl: true,
      pendingObjections: 'read',
    },
  },
  {
    id: 'Decide',
    entry: 'functions/decide.ts',
    description: 'POST /v1/decisions: decide without sending',
    routes: [{ method: 'POST', path: '/v1/decisions' }],
    assets: [PHONE_METADATA_ASSET, COUNTRY_TIME_ZONES_ASSET],
    needs: { table: 'read', keys: true, pendingObjections: 'read' },
  },
  {
    id: 'Admin',
    entry: 'functions/admin.ts',
    description:
      'State API: tenant, purposes, identities, keys, recipients, consents, objections; export, erasure, audit trail, links; small legacy imports; complaint rate and hold',
    routes: [
      { method: 'GET', path: '/v1/tenant' },
      { method: 'PUT', path: '/v1/purposes/{purposeId}' },
      { method: 'GET', path: '/v1/purposes' },
      { method: 'GET', path: '/v1/identities' },
      { method: 'PUT', path: '/v1/identities/{identity}' },
      { method: 'DELETE', path: '/v1/identities/{identity}' },
      { method: 'PUT', path: '/v1/wordings/{versionId}' },
      { method: 'POST', path: '/v1/keys' },
      { method: 'POST', path: '/v1/credentials' },
      { method: 'GET', path: '/v1/keys' },
      { method: 'DELETE', path: '/v1/keys/{keyId}' },
      { method: 'POST', path: '/v1/keys/{keyId}/rotate' },
      { method: 'GET', path: '/v1/credentials' },
      { method: 'DELETE', path: '/v1/credentials/{keyId}' },
      { method: 'POST', path: '/v1/credentials/{keyId}/rotate' },
      { method: 'PUT', path: '/v1/recipients' },
      { method: 'GET', path: '/v1/recipients/{recipientKey}' },
      { method: 'DELETE', path: '/v1/recipients/{recipientKey}' },
      { method: 'GET', path: '/v1/recipients/{recipientKey}/export' },
      { method: 'GET', path: '/v1/recipients/{recipientKey}/audit' },
      { method: 'GET', path: '/v1/recipients/{recipientKey}/audit/verify' },
      { method: 'POST', path: '/v1/links' },
      { method: 'POST', path: '/v1/consents' },
      { method: 'POST', path: '/v1/withdrawals' },
      { method: 'POST', path: '/v1/objections' },
      { method: 'POST', path: '/v1/suppressions' },
      { method: 'PUT', path: '/v1/sms-senders/{senderId}' },
      { method: 'DELETE', path: '/v1/sms-senders/{senderId}' },
      { method: 'PUT', path: '/v1/settings/sms' },
      { method: 'POST', path: '/v1/imports' },
      { method: 'PUT', path: '/v1/settings/complaints' },
      { method: 'PUT', path: '/v1/settings/confirmations' },
      { method: 'PUT', path: '/v1/settings/feedback' },
      { method: 'GET', path: '/v1/audit' },
      { method: 'GET', path: '/v1/complaint-rate' },
      { method: 'DELETE', path: '/v1/complaint-hold' },
    ],
    assets: [PHONE_METADATA_ASSET],
    needs: {
      table: 'readWrite',
      keys: true,
      publicBaseUrl: true,
      legalFloors: true,
      credentialSecrets: 'seal',
    },
  },
  {
    id: 'Operator',
    entry: 'functions/operator.ts',
    description:
      'Operator API (operator key only): creates tenants, assigns each sending identity to one tenant (R10 claims)',
    routes: [
      { method: 'POST', path: '/v1/operator/tenants' },
      { method: 'GET', path: '/v1/operator/tenants/{tenantId}/identities' },
      { method: 'PUT', path: '/v1/operator/tenants/{tenantId}/identities/{identity}' },
      { method: 'DELETE', path: '/v1/operator/tenants/{tenantId}/identities/{identity}' },
      { method: 'PUT', path: '/v1/operator/tenants/{tenantId}/sms-senders/{senderId}' },
      { method: 'DELETE', path: '/v1/operator/tenants/{tenantId}/sms-senders/{senderId}' },
    ],
    // keys: runtimeDependencies() builds the key ring with the rest (it reads no secret unless used).
    assets: [PHONE_METADATA_ASSET],
    needs: { table: 'readWrite', keys: true, emailIdentities: true },
  },
  {
    id: 'Unsubscribe',
    entry: 'functions/unsubscribe.ts',
    description: 'GET /u/{token} (confirmation page) and POST /u/{token} (RFC 8058 one-click)',
    routes: [
      { method: 'GET', path: '/u/{token}' },
      { method: 'POST', path: '/u/{token}' },
    ],
    needs: { table: 'readWrite', keys: true, enqueueObjections: true, pendingObjections: 'readWrite' },
  },
  {
    id: 'UnsubscribeMail',
    entry: 'functions/unsubscribe-mail.ts',
    description:
      'SES receipt rule: a mail to a List-Unsubscribe mailto: address records the objection as the one-click POST does (R7, R10, RFC 2369)',
    routes: [],
    trigger: { type: 'sesReceipt' },
    // The same grants as Unsubscribe: the same objection path, queue and pending copy when the store fails.
    needs: { table: 'readWrite', keys: true, enqueueObjections: true, pendingObjections: 'readWrite' },
  },
  {
    id: 'ApplyObjections',
    entry: 'functions/apply-objections.ts',
    description:
      'Objection queue consumer: applies unsubscribes accepted while the store was unavailable (R7)',
    routes: [],
    trigger: { type: 'objectionQueue' },
    needs: { table: 'readWrite', keys: true, pendingObjections: 'readWrite' },
  },
  {
    id: 'Preferences',
    entry: 'functions/preferences.ts',
    description:
      'GET/POST /p/{token}: the preference centre (R15): choices, stop all, download my data, forget me',
    routes: [
      { method: 'GET', path: '/p/{token}' },
      { method: 'POST', path: '/p/{token}' },
    ],
    assets: [PHONE_METADATA_ASSET, COUNTRY_TIME_ZONES_ASSET],
    needs: { table: 'readWrite', keys: true },
  },
  {
    id: 'ConsentPage',
    entry: 'functions/consent-page.ts',
    description: 'GET/POST /c/{token}: consent page and double opt-in confirmation (R3, R13)',
    routes: [
      { method: 'GET', path: '/c/{token}' },
      { method: 'POST', path: '/c/{token}' },
    ],
    needs: { table: 'readWrite', keys: true, sendEmail: true, publicBaseUrl: true },
  },
  {
    id: 'Console',
    entry: 'functions/console.ts',
    description:
      'GET /console, GET/POST /console/{proxy+}: the compliance console (sign-in as a user of the user pool or with an admin or compliance key, justify a message, a recipient)',
    routes: [
      { method: 'GET', path: '/console' },
      { method: 'GET', path: '/console/{proxy+}' },
      { method: 'POST', path: '/console/{proxy+}' },
    ],
    // keys: the recipient hash key (an address typed in is hashed for the lookup, never stored);
    // publicBaseUrl: the origin a console form's POST must come from.
    // The Overview page's charts: uPlot's files, copied beside the bundle; the phone metadata
    // (a phone number typed in is normalised before it is hashed).
    assets: [...CHART_LIBRARY_ASSETS, PHONE_METADATA_ASSET],
    needs: {
      table: 'readWrite',
      keys: true,
      publicBaseUrl: true,
      consoleKeySignIn: true,
      consoleUsers: true,
    },
  },
  {
    id: 'OpenApi',
    entry: 'functions/openapi.ts',
    description:
      'GET /openapi.json: the OpenAPI document generated from the zod schemas; GET /docs: the same as a page (Redoc)',
    routes: [
      { method: 'GET', path: '/openapi.json' },
      { method: 'GET', path: '/docs' },
      { method: 'GET', path: '/docs/reference.js' },
      { method: 'GET', path: '/docs/redoc.standalone.js' },
    ],
    assets: [API_REFERENCE_ASSET],
    needs: {},
  },
  {
    id: 'SmsInbound',
    entry: 'functions/sms-inbound.ts',
    description:
      'Two-way SMS replies (SNS): a stop word records an objection, START a consent by keyword, anything else is kept for review',
    routes: [],
    trigger: { type: 'inboundSms' },
    // The objection, the consent and the reply kept for review go out like every change (R7),
    // from the stream: their audit events hold them.
    assets: [PHONE_METADATA_ASSET],
    needs: { table: 'readWrite', keys: true },
  },
  {
    id: 'SesFeedback',
    entry: 'functions/ses-feedback.ts',
    description:
      'SES event publishing (SNS): permanent bounces suppress, complaints object and suppress (R8); deliveries and complaints count towards the complaint-rate hold',
    routes: [],
    trigger: { type: 'sesFeedback' },
    // forwardFeedback: the tenant's own copy of its feedback, to the destination it set.
    assets: [PHONE_METADATA_ASSET],
    needs: { table: 'readWrite', keys: true, forwardFeedback: true },
  },
  {
    id: 'SendDeferredSms',
    entry: 'functions/send-deferred-sms.ts',
    description:
      'Scheduled: sends deferred SMS whose window has opened (R14) and scheduled messages (sendAt) of both channels, deciding each again',
    routes: [],
    trigger: { type: 'schedule', everyMinutes: 5 },
    // Scheduled email is built at send time: SES and the public base URL for its links (R10).
    assets: [PHONE_METADATA_ASSET, COUNTRY_TIME_ZONES_ASSET],
    needs: {
      table: 'readWrite',
      keys: true,
      sendSms: true,
      sendEmail: true,
      publicBaseUrl: true,
      pendingObjections: 'read',
    },
  },
  {
    id: 'ReplanRetention',
    entry: 'functions/replan-retention.ts',
    description:
      'Scheduled: re-plans the TTLs of partitions whose retention an activity extended, off the request path (R9, R11)',
    routes: [],
    trigger: { type: 'schedule', everyMinutes: 5 },
    // keys: runtimeDependencies() builds the key ring with the rest (it reads no secret unless used).
    needs: { table: 'readWrite', keys: true },
  },
  {
    id: 'PublishEvents',
    entry: 'functions/publish-events.ts',
    description:
      "Table stream consumer: publishes the events stored with each change (audit events, bulk outcomes) to the gateway's bus; tombstones the audit events TTL removes",
    routes: [],
    trigger: { type: 'tableStream' },
    // No table grant but the tombstones': the event source mapping reads the stream (the
    // construct grants that); the tombstones of TTL deletions need a Query and a PutItem (R9).
    needs: { publishEvents: true, expiryTombstones: true },
  },
  {
    id: 'CountEvents',
    entry: 'functions/count-events.ts',
    description:
      "Table stream consumer: the console's counters (decisions, reasons, objections per tenant and day) and each recipient's standing in the inventory",
    routes: [],
    trigger: { type: 'counterStream' },
    // decide() on each purpose, for the inventory: phone numbers and their time zones.
    assets: [PHONE_METADATA_ASSET, COUNTRY_TIME_ZONES_ASSET],
    // Reads recipients' state and tenants, writes the counter items; the stream read is the mapping's.
    needs: { table: 'readWrite' },
  },
];

/**
 * The SMTP submission relay: a long-running process (not a Lambda handler), an ECS Fargate
 * service behind a Network Load Balancer in the construct, part of `npm start` locally. It
 * needs exactly the SES endpoint's grants and environment (`needs`, the same object as
 * SesSendEmail's) plus its own variables (`env`). Health: a plain TCP connect on `ports.submission`.
 */
export interface LongRunningProcess {
  readonly id: string;
  /** Process entry, relative to the repository root: it runs its main() when SMTP_RELAY_MAIN=1. */
  readonly entry: string;
  readonly description: string;
  readonly needs: EntryPoint['needs'];
  /** As an entry point's: files of node_modules copied beside the bundle (in the image). */
  readonly assets: readonly string[];
  /** The variables the process reads besides those its `needs` write. */
  readonly env: {
    /** STARTTLS submission port (default 587). */
    readonly port: 'SMTP_PORT';
    /** Implicit TLS port (default 465). */
    readonly tlsPort: 'SMTP_TLS_PORT';
    /** Secrets Manager secret ARN, JSON `{"key":"<PEM>","cert":"<PEM>"}` (secretsmanager:GetSecretValue on it). */
    readonly tlsCertSecretArn: 'SMTP_TLS_CERT_SECRET_ARN';
    /** SIZE, default the SES endpoint's raw message limit. */
    readonly maxMessageBytes: 'SMTP_MAX_MESSAGE_BYTES';
    /** Set to `1` by the container: the bundle runs main(). */
    readonly main: 'SMTP_RELAY_MAIN';
  };
  /** The ports it listens on by default (TCP). */
  readonly ports: { readonly submission: number; readonly implicitTls: number };
}

export const smtpRelay: LongRunningProcess = {
  id: 'SmtpRelay',
  entry: 'functions/smtp-relay.ts',
  description:
    "SMTP submission relay (STARTTLS and implicit TLS, AUTH PLAIN/LOGIN with SES credentials): every message through the SES endpoint's gate",
  needs: sesEndpointNeeds,
  assets: sesEndpointAssets,
  env: {
    port: 'SMTP_PORT',
    tlsPort: 'SMTP_TLS_PORT',
    tlsCertSecretArn: 'SMTP_TLS_CERT_SECRET_ARN',
    maxMessageBytes: 'SMTP_MAX_MESSAGE_BYTES',
    main: 'SMTP_RELAY_MAIN',
  },
  ports: { submission: 587, implicitTls: 465 },
};
