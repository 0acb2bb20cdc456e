import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import { LEGACY_OUTCOMES } from '../domain/legacy-import';
import {
  assignSmsSenderSchema,
  cancelledResponseSchema,
  createCredentialSchema,
  createKeySchema,
  createLinkSchema,
  createTenantSchema,
  credentialResponseSchema,
  decisionListResponseSchema,
  decisionRequestSchema,
  decisionResultSchema,
  deferredResponseSchema,
  erasureRequestSchema,
  errorResponseSchema,
  failureSchema,
  importRequestSchema,
  keyMetadataSchema,
  keyScopesSchema,
  MAX_API_IMPORT_ROWS,
  operatorTenantCreatedSchema,
  putRecipientSchema,
  putSmsSenderSchema,
  putWordingSchema,
  recordConsentSchema,
  recordObjectionSchema,
  recordSuppressionSchema,
  recordWithdrawalSchema,
  rejectedResponseSchema,
  rotateKeySchema,
  scheduledResponseSchema,
  sentResponseSchema,
} from '../schemas/api';
import { auditEventSchema, tenantAuditPageSchema, tenantAuditQuerySchema } from '../schemas/audit';
import { auditVerificationSchema } from '../schemas/audit-verify';
import { complaintHoldLiftResponseSchema, complaintRateResponseSchema } from '../schemas/complaint-rate';
import { feedbackSettingsSchema } from '../schemas/feedback';
import { assignedIdentitiesSchema } from '../schemas/identity';
import { sendMessageSchema } from '../schemas/message';
import {
  consentGrantSchema,
  objectionSchema,
  recipientStateSchema,
  suppressionSchema,
  withdrawalSchema,
} from '../schemas/recipient';
import {
  sesCreateTemplateSchema,
  sesSendBulkEmailSchema,
  sesSendEmailSchema,
  sesUpdateTemplateSchema,
} from '../schemas/ses';
import {
  complaintRateSettingsSchema,
  confirmationSettingsSchema,
  purposeInputSchema,
  purposeSchema,
  smsSenderSchema,
  smsSettingsSchema,
  tenantSchema,
} from '../schemas/tenant';

/** The OpenAPI document, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(serverUrl?: string) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description:
      "A sender key (cg_send_…) or an admin key (cg_admin_…) of a tenant; on /v1/operator/… the deployment's operator key (cg_operator_…), which is refused everywhere else",
  });
  const security = [{ [bearer.name]: [] }];
  const body = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
  const jsonResponse = (description: string, schema: z.ZodType) => ({ description, ...body(schema) });
  const errors = {
    400: jsonResponse('Invalid input: `issues` names each field and its problem', errorResponseSchema),
    401: jsonResponse('Missing or unknown API key', errorResponseSchema),
    // The key's own limit (error `rate_limited`), or the route's throttle (API Gateway).
    429: {
      ...jsonResponse(
        'Too many requests: this key passed its own limit (`rate_limited`, with Retry-After), or the route its throttle (API Gateway\'s `{"message":"Too Many Requests"}`, no Retry-After)',
        errorResponseSchema,
      ),
      headers: z.object({
        'Retry-After': z
          .number()
          .int()
          .min(1)
          .meta({ description: 'Seconds until the key may send again (the gateway’s per-key limit only)' }),
      }),
    },
    503: jsonResponse('The store or the provider cannot be reached; nothing was sent', errorResponseSchema),
  };
  const route = (config: RouteConfig & { operationId: string }) =>
    registry.registerPath({ security, ...config, responses: { ...errors, ...config.responses } });
  // Pages and documentation: no key, and said so (security: []), so that a reader and a
  // linter both see that they are public (RFC 8058 one-click needs no login).
  const publicRoute = (config: RouteConfig & { operationId: string }) =>
    registry.registerPath({ security: [], ...config });
  const htmlPage = (description: string) => ({
    description,
    content: { 'text/html': { schema: z.string().meta({ description: 'An HTML page' }) } },
  });
  const invalidLink = htmlPage('This link is not valid (the same page whatever is wrong with it)');

  route({
    method: 'post',
    path: '/v1/messages',
    operationId: 'sendMessage',
    tags: ['Sending'],
    summary: 'Decide and, if allowed, send an email with its opt-out',
    request: { body: body(sendMessageSchema) },
    responses: {
      202: jsonResponse(
        'Sent, with its basis and proof reference; or, for a marketing SMS outside the sending window, deferred (R14) with `notBefore`; or, with `sendAt`, scheduled with its id (decided again when due)',
        z.union([sentResponseSchema, deferredResponseSchema, scheduledResponseSchema]),
      ),
      403: jsonResponse(
        "Rejected: reason codes and rule ids, most decisive first; or (error `out_of_scope`, nothing decided nor sent) the purpose, its category or the channel is outside the key's scopes",
        z.union([rejectedResponseSchema, errorResponseSchema]),
      ),
      409: jsonResponse(
        'The tenant configuration does not allow the message yet (e.g. no SMS opt-out mention)',
        errorResponseSchema,
      ),
      422: jsonResponse(
        'This idempotencyKey was used for a different message to this recipient',
        errorResponseSchema,
      ),
    },
  });
  route({
    operationId: 'cancelScheduledMessage',
    method: 'delete',
    path: '/v1/messages/{messageId}',
    tags: ['Sending'],
    summary: 'Cancel a scheduled (`sendAt`) or deferred (R14) message before it is due',
    request: { params: z.object({ messageId: z.uuid() }) },
    responses: {
      200: jsonResponse('Cancelled: it will not be sent', cancelledResponseSchema),
      404: jsonResponse(
        'No such message waiting: it was sent, refused or cancelled already',
        errorResponseSchema,
      ),
      409: jsonResponse('A run is sending it at this moment: too late to cancel', errorResponseSchema),
    },
  });
  route({
    method: 'post',
    path: '/v1/decisions',
    operationId: 'decide',
    tags: ['Sending'],
    summary: 'Decide without sending, for one recipient (`to`) or up to 1,000 (`recipients`)',
    request: { body: body(decisionRequestSchema) },
    responses: {
      200: jsonResponse(
        'The decision (for `to`) or the list of decisions (for `recipients`)',
        z.union([decisionResultSchema, decisionListResponseSchema]),
      ),
      403: jsonResponse(
        "`out_of_scope`: the purpose, its category or the channel is outside the key's scopes (nothing decided)",
        errorResponseSchema,
      ),
    },
  });

  const admin = { tags: ['State (admin key)'] };
  route({
    ...admin,
    method: 'get',
    path: '/v1/tenant',
    operationId: 'getTenant',
    summary: 'The tenant: purposes, identities, wordings, settings',
    responses: { 200: jsonResponse('Tenant', tenantSchema) },
  });
  route({
    ...admin,
    method: 'get',
    path: '/v1/purposes',
    operationId: 'listPurposes',
    summary: 'List purposes',
    responses: { 200: jsonResponse('Purposes', z.object({ purposes: z.array(purposeSchema) })) },
  });
  route({
    ...admin,
    method: 'put',
    path: '/v1/purposes/{purposeId}',
    operationId: 'putPurpose',
    summary: 'Declare or update a purpose',
    request: { params: z.object({ purposeId: z.string() }), body: body(purposeInputSchema) },
    responses: { 200: jsonResponse('The purpose', purposeSchema) },
  });
  const notAssigned = jsonResponse(
    'Not assigned to this tenant (`identity_not_assigned`, naming it): the operator assigns sending identities',
    errorResponseSchema,
  );
  route({
    ...admin,
    method: 'get',
    path: '/v1/identities',
    operationId: 'listIdentities',
    summary: 'The sending identities the operator assigned to this tenant (R10)',
    responses: { 200: jsonResponse('Assigned identities, from their claims', assignedIdentitiesSchema) },
  });
  route({
    ...admin,
    method: 'put',
    path: '/v1/identities/{identity}',
    operationId: 'putIdentity',
    summary: 'Use a From identity (a domain or an address) the operator assigned to this tenant (R10)',
    description:
      'A tenant cannot claim an identity: this only makes usable again an identity whose claim is this tenant’s (the operator assigns them with PUT /v1/operator/tenants/{tenantId}/identities/{identity}). Any other identity, free or another tenant’s, is a 403 naming it.',
    request: { params: z.object({ identity: z.string() }) },
    responses: {
      200: jsonResponse('Usable', z.object({ identity: z.string(), channel: z.literal('email') })),
      403: notAssigned,
    },
  });
  route({
    ...admin,
    method: 'delete',
    path: '/v1/identities/{identity}',
    operationId: 'deleteIdentity',
    summary: 'Release a From identity: the tenant sends from it no more, and its claim is freed',
    request: { params: z.object({ identity: z.string() }) },
    responses: { 204: { description: 'Released (also when it was not this tenant’s)' } },
  });
  route({
    ...admin,
    method: 'put',
    path: '/v1/wordings/{versionId}',
    operationId: 'putWording',
    summary: 'Store a versioned consent wording (R3), kept with its SHA-256',
    request: { params: z.object({ versionId: z.string() }), body: body(putWordingSchema) },
    responses: {
      200: jsonResponse(
        'The wording stored under this version (the same text again answers it unchanged)',
        z.object({ versionId: z.string(), sha256: z.string() }),
      ),
      409: jsonResponse(
        'R3: the version is stored with another text, and a version never changes (`wording_exists`, `issues` names `text`)',
        errorResponseSchema,
      ),
    },
  });
  route({
    ...admin,
    method: 'post',
    path: '/v1/keys',
    operationId: 'createKey',
    summary: 'Create an API key (shown once)',
    request: { body: body(createKeySchema) },
    responses: {
      201: jsonResponse(
        'The key',
        z.object({
          keyId: z.string(),
          role: z.string(),
          key: z.string(),
          scopes: keyScopesSchema.optional(),
        }),
      ),
    },
  });
  route({
    ...admin,
    method: 'post',
    path: '/v1/credentials',
    operationId: 'createCredentials',
    summary: 'Create SES-style credentials (access key id and secret, shown once) for the SES v2 endpoint',
    request: { body: body(createCredentialSchema) },
    responses: { 201: jsonResponse('The credentials', credentialResponseSchema) },
  });
  const keyIdParams = z.object({
    keyId: z.string().meta({ description: 'The key id (GET /v1/keys, GET /v1/credentials)' }),
  });
  route({
    ...admin,
    method: 'get',
    path: '/v1/keys',
    operationId: 'listKeys',
    summary: "The tenant's API keys: metadata only, never the key nor its hash",
    responses: { 200: jsonResponse('The keys', z.object({ keys: z.array(keyMetadataSchema) })) },
  });
  route({
    ...admin,
    method: 'delete',
    path: '/v1/keys/{keyId}',
    operationId: 'revokeKey',
    summary: 'Revoke an API key: refused at once by this function instance, within 5 s by the others',
    request: { params: keyIdParams },
    responses: { 200: jsonResponse('The revoked key', keyMetadataSchema) },
  });
  route({
    ...admin,
    method: 'post',
    path: '/v1/keys/{keyId}/rotate',
    operationId: 'rotateKey',
    summary:
      'A new key of the same role, label and scopes (shown once); the old one works until revoked, or graceSeconds',
    request: { params: keyIdParams, body: body(rotateKeySchema) },
    responses: {
      201: jsonResponse(
        'The new key, and the old one',
        z.object({
          keyId: z.string(),
          role: z.string(),
          key: z.string(),
          scopes: keyScopesSchema.optional(),
          previous: keyMetadataSchema,
        }),
      ),
    },
  });
  route({
    ...admin,
    method: 'get',
    path: '/v1/credentials',
    operationId: 'listCredentials',
    summary: "The tenant's SES credentials: metadata and access key id, never the secret",
    responses: {
      200: jsonResponse('The credentials', z.object({ credentials: z.array(keyMetadataSchema) })),
    },
  });
  route({
    ...admin,
    method: 'delete',
    path: '/v1/credentials/{keyId}',
    operationId: 'revokeCredentials',
    summary: 'Revoke SES credentials: the SES v2 endpoint refuses them from the next request',
    request: { params: keyIdParams },
    responses: { 200: jsonResponse('The revoked credentials', keyMetadataSchema) },
  });
  route({
    ...admin,
    method: 'post',
    path: '/v1/credentials/{keyId}/rotate',
    operationId: 'rotateCredentials',
    summary: 'New SES credentials (secret shown once); the old ones work until revoked, or graceSeconds',
    request: { params: keyIdParams, body: body(rotateKeySchema) },
    responses: {
      201: jsonResponse(
        'The new credentials, and the old ones',
        credentialResponseSchema.extend({ previous: keyMetadataSchema }),
      ),
    },
  });
  route({
    ...admin,
    method: 'put',
    path: '/v1/recipients',
    operationId: 'putRecipient',
    summary: 'Create or replace a recipient profile',
    request: { body: body(putRecipientSchema) },
    responses: { 200: jsonResponse('The recipient key and profile', z.object({ recipientKey: z.string() })) },
  });
  route({
    ...admin,
    method: 'get',
    path: '/v1/recipients/{recipientKey}',
    operationId: 'getRecipient',
    summary: "A recipient's state: profile, consents, objections, suppressions",
    request: { params: z.object({ recipientKey: z.string() }) },
    responses: {
      200: jsonResponse('State', recipientStateSchema),
      404: jsonResponse('Unknown recipient', errorResponseSchema),
    },
  });
  route({
    ...admin,
    method: 'put',
    path: '/v1/sms-senders/{senderId}',
    operationId: 'putSmsSender',
    summary: 'Declare the type of an SMS sender the operator assigned to this tenant (R10)',
    description:
      'The sender id and its origination identity must be the ones the operator assigned to this tenant together (PUT /v1/operator/tenants/{tenantId}/sms-senders/{senderId}); otherwise 403 `identity_not_assigned`. The type may not claim more than the id is (R10): an id that is a phone number is a `long_code`, whatever it is declared as; a `short_code` is one of the region (in the French plan, 5 digits from 30000 to 89999); an `alphanumeric` id holds a letter. Otherwise 400 on `type`. Any id may be declared `long_code`.',
    request: { params: z.object({ senderId: z.string() }), body: body(putSmsSenderSchema) },
    responses: {
      200: jsonResponse('The sender', smsSenderSchema),
      400: jsonResponse(
        'Invalid input; or (field `type`) a type the id is not, such as a phone number declared as a short code',
        errorResponseSchema,
      ),
      403: notAssigned,
    },
  });
  route({
    ...admin,
    method: 'delete',
    path: '/v1/sms-senders/{senderId}',
    operationId: 'deleteSmsSender',
    summary: 'Release an SMS sender: its sender id and origination identity are freed',
    request: { params: z.object({ senderId: z.string() }) },
    responses: { 204: { description: 'Released (also when it was not this tenant’s)' } },
  });

  const operator = {
    tags: ['Operator (operator key)'],
    description:
      'The operator key only (a tenant key gets 403). Each identity is claimed by one item written only if absent: two tenants never hold one, even when two assignments race.',
  };
  const tenantParams = z.object({ tenantId: z.string() });
  const taken = jsonResponse(
    'Assigned to another tenant (`identity_taken`, naming it), or the tenant exists (`tenant_exists`)',
    errorResponseSchema,
  );
  const forbidden = jsonResponse('Not the operator key', errorResponseSchema);
  route({
    ...operator,
    method: 'post',
    path: '/v1/operator/tenants',
    operationId: 'operatorCreateTenant',
    summary: 'Create a tenant, assign its email identities and issue its first admin key (shown once)',
    request: { body: body(createTenantSchema) },
    responses: {
      201: jsonResponse('Created', operatorTenantCreatedSchema),
      403: forbidden,
      409: taken,
    },
  });
  route({
    ...operator,
    method: 'get',
    path: '/v1/operator/tenants/{tenantId}/identities',
    operationId: 'operatorListIdentities',
    summary: "A tenant's sending identities, from their claims",
    request: { params: tenantParams },
    responses: { 200: jsonResponse('Assigned identities', assignedIdentitiesSchema), 403: forbidden },
  });
  route({
    ...operator,
    method: 'put',
    path: '/v1/operator/tenants/{tenantId}/identities/{identity}',
    operationId: 'operatorAssignIdentity',
    summary: 'Assign an email identity (domain or address) to the tenant (R10)',
    description:
      "In AWS, the identity must be one of the deployment's `emailIdentities` or an address of one of its domains (400 on `path.identity` otherwise).",
    request: { params: tenantParams.extend({ identity: z.string() }) },
    responses: {
      200: jsonResponse(
        'Assigned (again: idempotent)',
        z.object({ tenantId: z.string(), identity: z.string(), channel: z.literal('email') }),
      ),
      403: forbidden,
      404: jsonResponse('No such tenant', errorResponseSchema),
      409: taken,
    },
  });
  route({
    ...operator,
    method: 'delete',
    path: '/v1/operator/tenants/{tenantId}/identities/{identity}',
    operationId: 'operatorUnassignIdentity',
    summary: 'Take an email identity back from the tenant (its claim is freed)',
    request: { params: tenantParams.extend({ identity: z.string() }) },
    responses: {
      204: { description: 'Unassigned' },
      403: forbidden,
      404: jsonResponse('Not assigned to this tenant', errorResponseSchema),
    },
  });
  route({
    ...operator,
    method: 'put',
    path: '/v1/operator/tenants/{tenantId}/sms-senders/{senderId}',
    operationId: 'operatorAssignSmsSender',
    summary: 'Assign an SMS sender id and the origination identity it sends through to the tenant (R10)',
    description:
      'Both are claimed (the origination identity first); inbound replies to the sender id reach the owner of the origination identity.',
    request: { params: tenantParams.extend({ senderId: z.string() }), body: body(assignSmsSenderSchema) },
    responses: {
      200: jsonResponse('Assigned', smsSenderSchema.extend({ tenantId: z.string() })),
      403: forbidden,
      404: jsonResponse('No such tenant', errorResponseSchema),
      409: taken,
    },
  });
  route({
    ...operator,
    method: 'delete',
    path: '/v1/operator/tenants/{tenantId}/sms-senders/{senderId}',
    operationId: 'operatorUnassignSmsSender',
    summary: 'Take an SMS sender back from the tenant (both claims freed)',
    request: { params: tenantParams.extend({ senderId: z.string() }) },
    responses: {
      204: { description: 'Unassigned' },
      403: forbidden,
      404: jsonResponse('Not assigned to this tenant', errorResponseSchema),
    },
  });
  route({
    ...admin,
    method: 'put',
    path: '/v1/settings/sms',
    operationId: 'putSmsSettings',
    summary: 'SMS settings: default region, opt-out mention, maximum segments, sending window (R14)',
    request: { body: body(smsSettingsSchema) },
    responses: { 200: jsonResponse('The settings', smsSettingsSchema) },
  });
  const outcome = z.enum(LEGACY_OUTCOMES);
  route({
    ...admin,
    method: 'post',
    path: '/v1/imports',
    operationId: 'importLegacyCsv',
    summary: `R16 legacy import of a small CSV (at most ${MAX_API_IMPORT_ROWS} rows; larger files: npm run import): each row classified, stored with its TTL and audit event, idempotent`,
    request: {
      body: {
        content: {
          'text/csv': { schema: z.string().meta({ description: 'The CSV with the default header' }) },
          'application/json': { schema: importRequestSchema },
        },
      },
    },
    responses: {
      200: jsonResponse(
        "The inventory: counts per outcome, and each row's outcome by row number (no address)",
        z.object({
          counts: z.record(outcome, z.number()),
          rows: z.array(z.object({ row: z.number(), outcome, reason: z.string().optional() })),
        }),
      ),
    },
  });
  route({
    ...admin,
    method: 'put',
    path: '/v1/settings/complaints',
    operationId: 'putComplaintSettings',
    summary:
      'Complaint-rate settings (mailbox provider thresholds): rolling window in days, hold and warning rates, minimum volume',
    request: { body: body(complaintRateSettingsSchema) },
    responses: { 200: jsonResponse('The settings', complaintRateSettingsSchema) },
  });
  route({
    ...admin,
    operationId: 'putConfirmationSettings',
    method: 'put',
    path: '/v1/settings/confirmations',
    summary:
      'Consent-page confirmation mails (R3): at most one pending per recipient and purpose within windowHours (default 24); none to a bounced or complained address',
    request: { body: body(confirmationSettingsSchema) },
    responses: { 200: jsonResponse('The settings', confirmationSettingsSchema) },
  });
  route({
    ...admin,
    method: 'put',
    path: '/v1/settings/feedback',
    operationId: 'putFeedbackSettings',
    summary:
      "The tenant's own SES feedback (bounces, complaints, deliveries of its messages), forwarded with SES's MessageId and its tags to its SNS topic or EventBridge bus in this deployment's account and region, or to the gateway's bus (detail-type Sender Feedback); destination null stops it",
    request: { body: body(feedbackSettingsSchema) },
    responses: { 200: jsonResponse('The settings', feedbackSettingsSchema) },
  });
  route({
    ...admin,
    method: 'get',
    path: '/v1/audit',
    operationId: 'getTenantAudit',
    summary:
      "The tenant's own audit trail, newest first, a page at a time: the complaint hold set and lifted, keys revoked, configuration changes (purposes, wordings, identities, SMS senders and settings), each with who made it; a compliance key reads it too",
    request: { query: tenantAuditQuerySchema },
    responses: { 200: jsonResponse('A page of the trail', tenantAuditPageSchema) },
  });
  route({
    ...admin,
    method: 'get',
    path: '/v1/complaint-rate',
    operationId: 'getComplaintRate',
    summary:
      'The email complaint rate over the rolling window: sends, complaints, rate, thresholds, status (ok, warning, hold), the hold, per-day figures',
    responses: { 200: jsonResponse('The complaint rate', complaintRateResponseSchema) },
  });
  route({
    ...admin,
    method: 'delete',
    path: '/v1/complaint-hold',
    operationId: 'liftComplaintHold',
    summary:
      'Lift the complaint-rate hold (recorded with the admin key and time); idempotent: without a hold, 200 with `lifted: false`',
    responses: { 200: jsonResponse('Lifted, or there was no hold', complaintHoldLiftResponseSchema) },
  });
  const keyParam = { params: z.object({ recipientKey: z.string() }) };
  route({
    ...admin,
    method: 'get',
    path: '/v1/recipients/{recipientKey}/export',
    operationId: 'exportRecipient',
    summary:
      'R15 access and portability: profile, consents with proof, objections, suppressions, messages with their basis, audit trail',
    request: keyParam,
    responses: {
      200: jsonResponse('The export document', z.object({ format: z.string(), version: z.number() }).loose()),
      404: jsonResponse('Unknown recipient', errorResponseSchema),
    },
  });
  route({
    ...admin,
    method: 'get',
    path: '/v1/recipients/{recipientKey}/audit',
    operationId: 'getRecipientAudit',
    summary: "The recipient's append-only audit trail: every change and every decision, who/what/when/why",
    request: keyParam,
    responses: {
      200: jsonResponse(
        'Audit events, oldest first',
        z.object({ recipientKey: z.string(), events: z.array(auditEventSchema) }),
      ),
      404: jsonResponse('No trail for this key', errorResponseSchema),
    },
  });
  route({
    ...admin,
    method: 'get',
    path: '/v1/recipients/{recipientKey}/audit/verify',
    operationId: 'verifyRecipientAudit',
    summary:
      "R15: checks the recipient's audit trail against its hash chains (changes, decisions) and names the first break: kind and sequence number",
    request: keyParam,
    responses: {
      200: jsonResponse(
        'The verdict, broken or not (a break is an answer, not an error)',
        auditVerificationSchema,
      ),
      404: jsonResponse('No trail for this key', errorResponseSchema),
    },
  });
  route({
    ...admin,
    method: 'delete',
    path: '/v1/recipients/{recipientKey}',
    operationId: 'eraseRecipient',
    summary:
      'R15 erasure: deletes all personal data; keeps only the keyed hash, scope, date and proof of objections (R11)',
    request: { ...keyParam, body: body(erasureRequestSchema) },
    responses: {
      200: jsonResponse(
        'Erased',
        z.object({ recipientKey: z.string(), erasedAt: z.string(), deletedItems: z.number() }),
      ),
      404: jsonResponse('Unknown recipient', errorResponseSchema),
    },
  });
  route({
    ...admin,
    method: 'post',
    path: '/v1/links',
    operationId: 'createLink',
    summary:
      'A preference centre or consent page link for a person (sign-up, repermission, "manage my preferences"); a preferences link is a fresh link (R15): for the person only',
    request: { body: body(createLinkSchema) },
    responses: {
      201: jsonResponse(
        'The link',
        z.object({ recipientKey: z.string(), url: z.string(), expiresAt: z.string() }),
      ),
    },
  });
  const recorded = (fields: Record<string, z.ZodType>) => z.object({ recipientKey: z.string(), ...fields });
  for (const [path, operationId, schema, summary, answer] of [
    [
      '/v1/consents',
      'recordConsent',
      recordConsentSchema,
      'Record a consent with its proof (R1, R3); the answer says whether it counts',
      recorded({
        purpose: z.string(),
        consent: consentGrantSchema,
        valid: z.boolean(),
        problems: z.array(failureSchema),
      }),
    ],
    [
      '/v1/withdrawals',
      'recordWithdrawal',
      recordWithdrawalSchema,
      'Record a consent withdrawal (R3)',
      recorded({ purpose: z.string(), withdrawal: withdrawalSchema }),
    ],
    [
      '/v1/objections',
      'recordObjection',
      recordObjectionSchema,
      'Record an objection (R7)',
      recorded({ objection: objectionSchema }),
    ],
    [
      '/v1/suppressions',
      'recordSuppression',
      recordSuppressionSchema,
      'Record a hard bounce or a complaint (R8)',
      recorded({ suppression: suppressionSchema }),
    ],
  ] as const) {
    route({
      ...admin,
      method: 'post',
      path,
      operationId,
      summary,
      request: { body: body(schema) },
      responses: { 201: jsonResponse('Recorded', answer) },
    });
  }

  publicRoute({
    method: 'get',
    path: '/u/{token}',
    operationId: 'showUnsubscribePage',
    tags: ['Recipients'],
    summary:
      'Unsubscribe confirmation page (changes nothing): the scope and a masked address (b•••@example.org), no link to the preference centre (R15)',
    request: { params: z.object({ token: z.string() }) },
    responses: {
      200: htmlPage('HTML page with one confirming button, and one that mails a fresh preferences link'),
      404: invalidLink,
    },
  });
  publicRoute({
    method: 'post',
    path: '/u/{token}',
    operationId: 'unsubscribeOneClick',
    tags: ['Recipients'],
    summary:
      'RFC 8058 one-click unsubscribe: body List-Unsubscribe=One-Click (urlencoded or multipart); or `action=preferences_link`: mails a fresh preferences link to the address (R15; at most one per confirmation window; the page never shows it)',
    request: { params: z.object({ token: z.string() }) },
    responses: {
      200: htmlPage('Objection recorded (idempotent), or "check your inbox" for `action=preferences_link`'),
      202: htmlPage(
        'The store is unavailable: the objection and its proof are on the durable objection queue, applied once the store is back, and already in the pending objections every send reads, so no send in its scope is decided "sent" from this answer on (same confirmation page; R7)',
      ),
      404: invalidLink,
      503: htmlPage(
        'Retry (Retry-After: 30). Either neither the store nor the objection queue could take it (nothing was recorded), or the queue took it but the pending objections could not (it will be applied; the page says it is received, not yet confirmed, and the retry confirms it)',
      ),
    },
  });

  for (const [path, name, get, post] of [
    [
      '/p/{token}',
      'PreferenceCentre',
      'Preference centre (R15): with a fresh link, every purpose with its state; with a stale one (a `{{preferences_url}}` link), only a masked address, "stop all" and a button that mails a fresh link; changes nothing',
      'Preference centre form, by `action`: save, stop_all, export (confirmation page), export_confirmed (JSON download), forget, forget_confirmed, preferences_link (mails a fresh link). A stale link may only stop_all and preferences_link: anything else is a 403',
    ],
    [
      '/c/{token}',
      'ConsentPage',
      'Consent page (nothing pre-ticked), or the double opt-in confirmation page; changes nothing',
      'Consent page: records a pending consent and mails the confirmation link (`action=request`); confirmation (`action=confirm`)',
    ],
  ] as const) {
    publicRoute({
      method: 'get',
      path,
      operationId: `show${name}`,
      tags: ['Recipients'],
      summary: get,
      request: { params: z.object({ token: z.string() }) },
      responses: { 200: htmlPage('HTML page'), 404: invalidLink },
    });
    publicRoute({
      method: 'post',
      path,
      operationId: `submit${name}`,
      tags: ['Recipients'],
      summary: post,
      request: {
        params: z.object({ token: z.string() }),
        body: {
          content: {
            'application/x-www-form-urlencoded': {
              schema: z.record(z.string(), z.string()).meta({ description: "The page's form fields" }),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'HTML page (or, for `action=export_confirmed`, the JSON export)',
          content: {
            'text/html': { schema: z.string() },
            'application/json': { schema: z.object({ format: z.string(), version: z.number() }).loose() },
          },
        },
        400: invalidLink,
        ...(path === '/p/{token}'
          ? {
              403: htmlPage(
                'R15: a stale preferences link: the masked address, "stop all" and the button that mails a fresh link; nothing recorded',
              ),
            }
          : {}),
        404: invalidLink,
      },
    });
  }
  const sigv4 = registry.registerComponent('securitySchemes', 'sigv4', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'AWS Signature Version 4 (service "ses", the deployment\'s region only) with credentials from POST /v1/credentials, as the AWS SDKs and CLI sign. The same signed request sent again gets the first answer and sends nothing',
  });
  const sesError = (description: string) => ({
    description: `${description}. The error name is in the x-amzn-ErrorType header, as SES answers`,
    content: {
      'application/json': { schema: z.object({ __type: z.string(), message: z.string() }) },
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v2/email/outbound-emails',
    operationId: 'sesSendEmail',
    tags: ['SES compatibility'],
    summary:
      'SES v2 SendEmail: point an AWS SDK or the CLI at the gateway. Purpose from the EmailTags entry "purpose"; every recipient (To, Cc, Bcc) must be allowed',
    security: [{ [sigv4.name]: [] }],
    request: { body: body(sesSendEmailSchema) },
    responses: {
      200: jsonResponse(
        "Sent: one copy per recipient, each with its own unsubscribe link; MessageId is SES's id of the first recipient's copy",
        z.object({ MessageId: z.string() }),
      ),
      400: sesError(
        'MessageRejected (refused: every refused recipient with reasons and rule ids) or BadRequestException (no purpose tag, TemplateData not JSON, ListManagementOptions or a configuration set the deployment does not allow, malformed MIME, more than 20 text/HTML parts, two From headers or mailboxes in a raw message, more than 50 recipients)',
      ),
      403: sesError(
        "MissingAuthenticationTokenException, IncompleteSignatureException, InvalidSignatureException (bad secret, clock more than 5 minutes off, signed for another region than the deployment's) or UnrecognizedClientException; AccessDeniedException when the purpose or its category is outside the credentials' scopes (nothing sent)",
      ),
      429: sesError(
        'TooManyRequestsException: a retry of this call is still being processed, or these credentials passed their per-key limit (Retry-After); the SDK retries',
      ),
      404: sesError('NotFoundException: Content.Template names a template the tenant does not have'),
      503: sesError('ServiceUnavailable: nothing was sent; the SDK retries'),
    },
  });
  // The other SES v2 operations senders call (docs/senders.md, "Compatibility"): the same
  // SigV4 credentials, SES's shapes, SES's error names. Every other `/v2/email/…` path (the
  // fallback routes, not listed here: they only ever answer an error) is SES's
  // NotFoundException naming consent-gate.
  const sesAuth = {
    403: sesError(
      'MissingAuthenticationTokenException, InvalidSignatureException or UnrecognizedClientException',
    ),
  };
  const sesRoute = (config: {
    method: 'get' | 'post' | 'put' | 'delete';
    path: string;
    operationId: string;
    summary: string;
    request?: RouteConfig['request'];
    ok: z.ZodType;
    errors?: Record<number, ReturnType<typeof sesError>>;
  }) =>
    registry.registerPath({
      method: config.method,
      path: config.path,
      operationId: config.operationId,
      tags: ['SES compatibility'],
      summary: config.summary,
      security: [{ [sigv4.name]: [] }],
      ...(config.request === undefined ? {} : { request: config.request }),
      responses: { 200: jsonResponse("Done, in SES v2's shape", config.ok), ...sesAuth, ...config.errors },
    });
  const templateName = z.object({ TemplateName: z.string() });
  const templateContent = z.object({
    Subject: z.string().optional(),
    Html: z.string().optional(),
    Text: z.string().optional(),
  });
  const identityInfo = z.object({
    IdentityType: z.enum(['EMAIL_ADDRESS', 'DOMAIN']),
    IdentityName: z.string(),
    SendingEnabled: z.boolean(),
    VerificationStatus: z.literal('SUCCESS'),
  });
  sesRoute({
    method: 'post',
    path: '/v2/email/outbound-bulk-emails',
    operationId: 'sesSendBulkEmail',
    summary:
      'SES v2 SendBulkEmail: each entry decided and sent on its own (a SendEmail each, with the default template, data and tags); a refused entry gets its Status and Error',
    request: { body: body(sesSendBulkEmailSchema) },
    ok: z.object({
      BulkEmailEntryResults: z.array(
        z.object({ Status: z.string(), Error: z.string().optional(), MessageId: z.string().optional() }),
      ),
    }),
    errors: {
      400: sesError(
        'BadRequestException: the call itself (configuration set, ListManagementOptions, more than 50 entries)',
      ),
      404: sesError('NotFoundException: the default template does not exist'),
    },
  });
  sesRoute({
    method: 'get',
    path: '/v2/email/account',
    operationId: 'sesGetAccount',
    summary:
      "SES v2 GetAccount: the tenant's sending state (SendingEnabled false under the complaint-rate hold) and limits (Max24HourSend -1: no daily cap at the gateway; MaxSendRate: the per-credential limit, when set)",
    ok: z.object({
      SendingEnabled: z.boolean(),
      EnforcementStatus: z.string(),
      ProductionAccessEnabled: z.boolean(),
      SendQuota: z.object({ Max24HourSend: z.number(), MaxSendRate: z.number().optional() }),
    }),
  });
  for (const [method, path, operationId] of [
    ['get', '/v2/email/identities', 'sesListEmailIdentities'],
    ['post', '/v2/email/list-identities', 'sesListEmailIdentitiesPost'],
  ] as const) {
    sesRoute({
      method,
      path,
      operationId,
      summary: "SES v2 ListEmailIdentities: the tenant's own email identities, one page",
      ok: z.object({ EmailIdentities: z.array(identityInfo) }),
    });
  }
  sesRoute({
    method: 'get',
    path: '/v2/email/identities/{EmailIdentity}',
    operationId: 'sesGetEmailIdentity',
    summary: "SES v2 GetEmailIdentity: one of the tenant's identities; any other is NotFoundException",
    request: { params: z.object({ EmailIdentity: z.string() }) },
    ok: z.object({
      IdentityType: z.enum(['EMAIL_ADDRESS', 'DOMAIN']),
      VerifiedForSendingStatus: z.boolean(),
      VerificationStatus: z.literal('SUCCESS'),
    }),
    errors: { 404: sesError('NotFoundException: not an identity of this tenant') },
  });
  sesRoute({
    method: 'post',
    path: '/v2/email/templates',
    operationId: 'sesCreateEmailTemplate',
    summary: 'SES v2 CreateEmailTemplate: a template of the tenant, kept by the gateway (Handlebars, as SES)',
    request: { body: body(sesCreateTemplateSchema) },
    ok: z.object({}),
    errors: {
      400: sesError(
        'AlreadyExistsException, or BadRequestException (name, no Html nor Text, a part that does not parse)',
      ),
    },
  });
  sesRoute({
    method: 'get',
    path: '/v2/email/templates',
    operationId: 'sesListEmailTemplates',
    summary: "SES v2 ListEmailTemplates: the tenant's templates by name (NextToken, PageSize up to 100)",
    request: { query: z.object({ NextToken: z.string().optional(), PageSize: z.string().optional() }) },
    ok: z.object({
      TemplatesMetadata: z.array(z.object({ TemplateName: z.string(), CreatedTimestamp: z.number() })),
      NextToken: z.string().optional(),
    }),
  });
  sesRoute({
    method: 'get',
    path: '/v2/email/templates/{TemplateName}',
    operationId: 'sesGetEmailTemplate',
    summary: 'SES v2 GetEmailTemplate',
    request: { params: templateName },
    ok: z.object({ TemplateName: z.string(), TemplateContent: templateContent }),
    errors: { 404: sesError('NotFoundException: no such template') },
  });
  sesRoute({
    method: 'put',
    path: '/v2/email/templates/{TemplateName}',
    operationId: 'sesUpdateEmailTemplate',
    summary: 'SES v2 UpdateEmailTemplate: the content replaced whole',
    request: { params: templateName, body: body(sesUpdateTemplateSchema) },
    ok: z.object({}),
    errors: { 404: sesError('NotFoundException: no such template') },
  });
  sesRoute({
    method: 'delete',
    path: '/v2/email/templates/{TemplateName}',
    operationId: 'sesDeleteEmailTemplate',
    summary: 'SES v2 DeleteEmailTemplate',
    request: { params: templateName },
    ok: z.object({}),
    errors: { 404: sesError('NotFoundException: no such template') },
  });

  // SES v1 (the Query API) at the endpoint's root, for SES v1 clients (docs/senders.md):
  // the action and its fields in a form body, answers and errors in SES v1's XML.
  const sesV1Xml = (description: string) => ({
    description,
    content: { 'text/xml': { schema: z.string() } },
  });
  registry.registerPath({
    method: 'post',
    path: '/',
    operationId: 'sesQueryApi',
    tags: ['SES compatibility'],
    summary:
      'SES v1 (Query API): SendEmail and SendRawEmail (the same gate and send as SES v2 SendEmail; purpose from the Tags entry "purpose"), GetSendQuota, GetSendStatistics, ListIdentities',
    security: [{ [sigv4.name]: [] }],
    request: {
      body: {
        content: {
          'application/x-www-form-urlencoded': {
            schema: z
              .object({
                Action: z.enum([
                  'SendEmail',
                  'SendRawEmail',
                  'GetSendQuota',
                  'GetSendStatistics',
                  'ListIdentities',
                ]),
                Version: z.literal('2010-12-01').optional(),
              })
              .catchall(z.string()),
          },
        },
      },
    },
    responses: {
      200: sesV1Xml('`<{Action}Response xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><{Action}Result>…`'),
      400: sesV1Xml(
        '`<ErrorResponse><Error><Type>Sender</Type><Code>…`: MessageRejected (every refused recipient with reasons and rule ids; nothing sent), InvalidParameterValue (the field named as the Query API spells it), InvalidAction (an action consent-gate does not serve), Throttling',
      ),
      403: sesV1Xml(
        "MissingAuthenticationTokenException, IncompleteSignatureException, SignatureDoesNotMatch, UnrecognizedClientException; AccessDenied when the purpose is outside the credentials' scopes",
      ),
      503: sesV1Xml('ServiceUnavailable: nothing was sent; the SDK retries'),
    },
  });

  // The compliance console (docs/console.md): pages behind a session cookie, not an API.
  const consolePage = htmlPage(
    'A console page (sign-in when there is no session). 303 to the sign-in page without a session',
  );
  const seeOther = (description: string) => ({
    description,
    headers: { location: { description: 'Where to go', schema: { type: 'string' as const } } },
    content: { 'text/plain': { schema: z.string().max(0).meta({ description: 'Empty' }) } },
  });
  publicRoute({
    method: 'get',
    path: '/console',
    operationId: 'showConsole',
    tags: ['Console'],
    summary: "The compliance console's first page, or its sign-in page (an admin or compliance key)",
    responses: {
      200: consolePage,
      303: seeOther('To the first page, or to the sign-in page'),
      404: htmlPage("No console page the session's role may see"),
    },
  });
  publicRoute({
    method: 'get',
    path: '/console/{proxy+}',
    operationId: 'showConsolePage',
    tags: ['Console'],
    // `{proxy+}` is API Gateway's greedy variable (the page: `sign-in`, `justify`, …), not an
    // OpenAPI template parameter (their names take no `+`): declared in words only.
    summary:
      'A console page (`/console/sign-in`, `/console/justify`, `/console/recipient`) or its stylesheet; changes nothing',
    responses: {
      200: consolePage,
      303: seeOther('No session: to the sign-in page'),
      404: htmlPage('No such console page'),
    },
  });
  publicRoute({
    method: 'post',
    path: '/console/{proxy+}',
    operationId: 'submitConsoleForm',
    tags: ['Console'],
    summary:
      "A console form: sign-in (`key`), sign-out, a lookup, an export or an erasure. Every form but sign-in carries the session's CSRF token (`csrf`); the Origin must be the gateway's",
    request: {
      body: {
        content: {
          'application/x-www-form-urlencoded': {
            schema: z.record(z.string(), z.string()).meta({ description: "The page's form fields" }),
          },
        },
      },
    },
    responses: {
      200: {
        description: 'HTML page (or, for an export, the JSON export as a download)',
        content: {
          'text/html': { schema: z.string() },
          'application/json': { schema: z.object({ format: z.string(), version: z.number() }).loose() },
        },
      },
      303: seeOther('Signed in or out: to the console, or to the sign-in page'),
      400: htmlPage('A field is missing or invalid: the page names it'),
      401: htmlPage('Sign-in refused (the page says why), or no session'),
      403: htmlPage(
        "The Origin is not the gateway's, the CSRF token is missing or wrong, or the session's role may not do this (a compliance session changes nothing)",
      ),
      404: htmlPage('No such console page'),
    },
  });

  publicRoute({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tags: ['Documentation'],
    summary: 'This document',
    responses: {
      200: {
        description: 'The OpenAPI 3.1 document',
        content: { 'application/json': { schema: z.object({ openapi: z.string() }).loose() } },
      },
      404: jsonResponse('No such route', errorResponseSchema),
    },
  });
  publicRoute({
    method: 'get',
    path: '/docs',
    operationId: 'showApiReference',
    tags: ['Documentation'],
    summary: 'This document as a page (Redoc, served by the gateway itself: no CDN)',
    responses: {
      200: htmlPage('The API reference'),
      404: jsonResponse('No such route', errorResponseSchema),
    },
  });
  publicRoute({
    method: 'get',
    path: '/docs/reference.js',
    operationId: 'getApiReferenceStart',
    tags: ['Documentation'],
    summary: 'The script that starts Redoc on the API reference page',
    responses: {
      200: { description: 'JavaScript module', content: { 'text/javascript': { schema: z.string() } } },
      404: jsonResponse('No such route', errorResponseSchema),
    },
  });
  publicRoute({
    method: 'get',
    path: '/docs/redoc.standalone.js',
    operationId: 'getApiReferenceScript',
    tags: ['Documentation'],
    summary: 'The Redoc script the API reference page loads',
    responses: {
      200: { description: 'JavaScript module', content: { 'text/javascript': { schema: z.string() } } },
      404: jsonResponse('No such route', errorResponseSchema),
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'consent-gate',
      version: '1.0.0',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      description:
        'Sends only the marketing messages the law allows. Reason codes and rule ids refer to docs/rules.md (R1…R16).',
    },
    // A relative server by default: the API is where this document is served from.
    servers: [serverUrl ? { url: serverUrl } : { url: '/', description: 'This gateway' }],
  });
}
