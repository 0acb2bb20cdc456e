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
  /** API Gateway HTTP API path, with `{param}` placeholders. */
  readonly path: string;
}

export interface EntryPoint {
  /** Construct id and function name suffix. */
  readonly id: string;
  /** Handler file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly routes: readonly Route[];
  /** Invoked by the bulk queue (SQS, partial batch failures) rather than, or as well as, by routes. */
  readonly trigger?: 'bulkQueue';
  /** What the function needs; the construct grants exactly this and writes the matching environment. */
  readonly needs: {
    readonly table?: 'read' | 'readWrite';
    /** Recipient hash key and unsubscribe token keys (Secrets Manager). */
    readonly keys?: boolean;
    /** ses:SendEmail on the declared identities. */
    readonly sendEmail?: boolean;
    /** Public base URL of the API, to build unsubscribe links. */
    readonly publicBaseUrl?: boolean;
    /** events:PutEvents on the gateway's event bus, and EVENT_BUS_NAME. */
    readonly events?: boolean;
  };
}

export const entryPoints: readonly EntryPoint[] = [
  {
    id: 'SendMessage',
    entry: 'functions/send-message.ts',
    description: 'POST /v1/messages: decide, inject the opt-out, send through SES',
    routes: [{ method: 'POST', path: '/v1/messages' }],
    needs: { table: 'readWrite', keys: true, sendEmail: true, publicBaseUrl: true },
  },
  {
    id: 'SesSendEmail',
    entry: 'functions/ses-send-email.ts',
    description:
      'POST /v2/email/outbound-emails: SES v2 SendEmail for AWS SDKs, SigV4 with gateway credentials',
    routes: [{ method: 'POST', path: '/v2/email/outbound-emails' }],
    needs: { table: 'readWrite', keys: true, sendEmail: true, publicBaseUrl: true },
  },
  {
    id: 'BulkSend',
    entry: 'functions/bulk-send.ts',
    description: 'Bulk queue consumer: POST /v1/messages JSON in SQS batches, outcomes on the event bus',
    routes: [],
    trigger: 'bulkQueue',
    needs: { table: 'readWrite', keys: true, sendEmail: true, publicBaseUrl: true, events: true },
  },
  {
    id: 'Decide',
    entry: 'functions/decide.ts',
    description: 'POST /v1/decisions: decide without sending',
    routes: [{ method: 'POST', path: '/v1/decisions' }],
    needs: { table: 'read', keys: true },
  },
  {
    id: 'Admin',
    entry: 'functions/admin.ts',
    description: 'State API: tenant, purposes, identities, keys, recipients, consents, objections',
    routes: [
      { method: 'GET', path: '/v1/tenant' },
      { method: 'PUT', path: '/v1/purposes/{purposeId}' },
      { method: 'GET', path: '/v1/purposes' },
      { method: 'PUT', path: '/v1/identities/{identity}' },
      { method: 'DELETE', path: '/v1/identities/{identity}' },
      { method: 'PUT', path: '/v1/wordings/{versionId}' },
      { method: 'POST', path: '/v1/keys' },
      { method: 'POST', path: '/v1/credentials' },
      { method: 'PUT', path: '/v1/recipients' },
      { method: 'GET', path: '/v1/recipients/{recipientKey}' },
      { method: 'POST', path: '/v1/consents' },
      { method: 'POST', path: '/v1/withdrawals' },
      { method: 'POST', path: '/v1/objections' },
      { method: 'POST', path: '/v1/suppressions' },
    ],
    needs: { table: 'readWrite', keys: true },
  },
  {
    id: 'Unsubscribe',
    entry: 'functions/unsubscribe.ts',
    description: 'GET /u/{token} (confirmation page) and POST /u/{token} (RFC 8058 one-click)',
    routes: [
      { method: 'GET', path: '/u/{token}' },
      { method: 'POST', path: '/u/{token}' },
    ],
    needs: { table: 'readWrite', keys: true },
  },
  {
    id: 'OpenApi',
    entry: 'functions/openapi.ts',
    description: 'GET /openapi.json: the OpenAPI document generated from the zod schemas',
    routes: [{ method: 'GET', path: '/openapi.json' }],
    needs: {},
  },
];
