import type * as z from 'zod';
import { ENV, requireEnv } from '../shared/config';
import { type ApiRequest, apiHandler } from '../shared/http/api-handler';
import { HttpError } from '../shared/http/errors';
import { type HttpResponse, json } from '../shared/http/responses';
import { wire } from '../shared/http/runtime';
import { kms, secretsManager, table } from '../shared/http/wiring';
import {
  createCredentialSchema,
  createKeySchema,
  createLinkSchema,
  erasureRequestSchema,
  identityParamSchema,
  importRequestSchema,
  keyIdParamSchema,
  putRecipientSchema,
  putSmsSenderSchema,
  putWordingSchema,
  recipientKeyParamSchema,
  recordConsentSchema,
  recordObjectionSchema,
  recordSuppressionSchema,
  recordWithdrawalSchema,
  rotateKeySchema,
  smsSenderIdSchema,
  wordingVersionIdSchema,
} from '../shared/schemas/api';
import { tenantAuditQuerySchema } from '../shared/schemas/audit';
import { feedbackSettingsSchema } from '../shared/schemas/feedback';
import {
  complaintRateSettingsSchema,
  confirmationSettingsSchema,
  purposeIdSchema,
  purposeInputSchema,
  smsSettingsSchema,
} from '../shared/schemas/tenant';
import { InvalidInputError, parseInput } from '../shared/schemas/validation';
import { verifyAudit } from '../shared/services/audit-verify';
import * as complaintRate from '../shared/services/complaint-rate';
import { partitionOf, putFeedbackSettings } from '../shared/services/feedback-forwarding';
import * as identities from '../shared/services/identities';
import * as keys from '../shared/services/keys';
import { importLegacy } from '../shared/services/legacy-import';
import { actorOf } from '../shared/services/record-change';
import * as rights from '../shared/services/rights';
import * as state from '../shared/services/state';
import * as tenantAudit from '../shared/services/tenant-audit';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, kms);

/** The state API, one function for its routes (API Gateway's routeKey picks the operation). */
const param = <S extends z.ZodType>(request: ApiRequest, name: string, schema: S): z.output<S> => {
  let value: string;
  try {
    value = decodeURIComponent(request.event.pathParameters?.[name] ?? '');
  } catch {
    // A `%` not followed by two hex digits (URIError): the client's mistake, not ours.
    throw new InvalidInputError([{ field: `path.${name}`, problem: 'is not valid percent-encoding' }]);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidInputError(
    result.error.issues.map((i) => ({ field: `path.${name}`, problem: i.message })),
  );
};

const routes: Record<string, (request: ApiRequest) => Promise<HttpResponse>> = {
  'GET /v1/tenant': async ({ deps, caller }) => json(200, await state.getTenant(deps, caller)),
  'GET /v1/purposes': async ({ deps, caller }) =>
    json(200, { purposes: Object.values((await state.getTenant(deps, caller)).purposes) }),
  'PUT /v1/purposes/{purposeId}': async (r) =>
    json(
      200,
      await state.putPurpose(
        r.deps,
        r.caller,
        param(r, 'purposeId', purposeIdSchema),
        parseInput(purposeInputSchema, r.event.body),
        actorOf(r.caller),
      ),
    ),
  // R10: identities are the operator's to assign; a tenant uses, lists and releases its own.
  'GET /v1/identities': async (r) =>
    json(200, await identities.listAssignedIdentities(r.deps, r.caller.tenantId)),
  'PUT /v1/identities/{identity}': async (r) =>
    json(
      200,
      await identities.useEmailIdentity(
        r.deps,
        r.caller,
        param(r, 'identity', identityParamSchema),
        actorOf(r.caller),
      ),
    ),
  'DELETE /v1/identities/{identity}': async (r) => {
    await identities.releaseEmailIdentity(
      r.deps,
      r.caller,
      param(r, 'identity', identityParamSchema),
      actorOf(r.caller),
    );
    return { statusCode: 204, body: '' };
  },
  'PUT /v1/wordings/{versionId}': async (r) =>
    json(
      200,
      await state.putWording(
        r.deps,
        r.caller,
        param(r, 'versionId', wordingVersionIdSchema),
        parseInput(putWordingSchema, r.event.body).text,
        actorOf(r.caller),
      ),
    ),
  'POST /v1/keys': async (r) =>
    json(
      201,
      await state.createApiKey(r.deps, r.caller.tenantId, parseInput(createKeySchema, r.event.body ?? {})),
    ),
  // Keys and credentials listed (metadata only), revoked, rotated.
  'GET /v1/keys': async (r) => json(200, await keys.listKeys(r.deps, r.caller.tenantId)),
  'DELETE /v1/keys/{keyId}': async (r) =>
    json(
      200,
      await keys.revokeKey(r.deps, r.caller.tenantId, param(r, 'keyId', keyIdParamSchema), actorOf(r.caller)),
    ),
  'POST /v1/keys/{keyId}/rotate': async (r) =>
    json(
      201,
      await keys.rotateKey(
        r.deps,
        r.caller.tenantId,
        param(r, 'keyId', keyIdParamSchema),
        parseInput(rotateKeySchema, r.event.body ?? {}),
      ),
    ),
  'GET /v1/credentials': async (r) => json(200, await keys.listCredentials(r.deps, r.caller.tenantId)),
  'DELETE /v1/credentials/{keyId}': async (r) =>
    json(
      200,
      await keys.revokeCredential(
        r.deps,
        r.caller.tenantId,
        param(r, 'keyId', keyIdParamSchema),
        actorOf(r.caller),
      ),
    ),
  'POST /v1/credentials/{keyId}/rotate': async (r) =>
    json(
      201,
      await keys.rotateCredential(
        r.deps,
        r.caller.tenantId,
        param(r, 'keyId', keyIdParamSchema),
        parseInput(rotateKeySchema, r.event.body ?? {}),
      ),
    ),
  'POST /v1/credentials': async (r) =>
    json(
      201,
      await state.createSenderCredential(
        r.deps,
        r.caller.tenantId,
        parseInput(createCredentialSchema, r.event.body ?? {}),
      ),
    ),
  'PUT /v1/recipients': async (r) =>
    json(200, await state.putRecipient(r.deps, r.caller, parseInput(putRecipientSchema, r.event.body))),
  'GET /v1/recipients/{recipientKey}': async (r) =>
    json(200, await state.getRecipient(r.deps, r.caller, param(r, 'recipientKey', recipientKeyParamSchema))),
  'GET /v1/recipients/{recipientKey}/export': async (r) =>
    json(
      200,
      await rights.exportRecipient(
        r.deps,
        r.caller.tenantId,
        param(r, 'recipientKey', recipientKeyParamSchema),
        actorOf(r.caller),
      ),
    ),
  'GET /v1/recipients/{recipientKey}/audit': async (r) =>
    json(
      200,
      await rights.auditTrail(r.deps, r.caller.tenantId, param(r, 'recipientKey', recipientKeyParamSchema)),
    ),
  'GET /v1/recipients/{recipientKey}/audit/verify': async (r) =>
    json(
      200,
      await verifyAudit(r.deps, r.caller.tenantId, param(r, 'recipientKey', recipientKeyParamSchema)),
    ),
  'DELETE /v1/recipients/{recipientKey}': async (r) =>
    json(
      200,
      await rights.eraseRecipient(
        r.deps,
        r.caller.tenantId,
        param(r, 'recipientKey', recipientKeyParamSchema),
        actorOf(r.caller),
        parseInput(erasureRequestSchema, r.event.body ?? {}),
      ),
    ),
  'POST /v1/links': async (r) =>
    json(
      201,
      await rights.createLink(
        r.deps,
        r.caller.tenantId,
        parseInput(createLinkSchema, r.event.body),
        actorOf(r.caller),
      ),
    ),
  'POST /v1/consents': async (r) =>
    json(201, await state.recordConsent(r.deps, r.caller, parseInput(recordConsentSchema, r.event.body))),
  'POST /v1/withdrawals': async (r) =>
    json(
      201,
      await state.recordWithdrawal(r.deps, r.caller, parseInput(recordWithdrawalSchema, r.event.body)),
    ),
  'POST /v1/objections': async (r) =>
    json(201, await state.recordObjection(r.deps, r.caller, parseInput(recordObjectionSchema, r.event.body))),
  'POST /v1/suppressions': async (r) =>
    json(
      201,
      await state.recordSuppression(r.deps, r.caller, parseInput(recordSuppressionSchema, r.event.body)),
    ),
  'PUT /v1/sms-senders/{senderId}': async (r) =>
    json(
      200,
      await identities.declareSmsSender(
        r.deps,
        r.caller,
        param(r, 'senderId', smsSenderIdSchema),
        parseInput(putSmsSenderSchema, r.event.body),
        actorOf(r.caller),
      ),
    ),
  'DELETE /v1/sms-senders/{senderId}': async (r) => {
    await identities.releaseSmsSender(
      r.deps,
      r.caller,
      param(r, 'senderId', smsSenderIdSchema),
      actorOf(r.caller),
    );
    return { statusCode: 204, body: '' };
  },
  'POST /v1/imports': async (r) =>
    json(
      200,
      await importLegacy(
        r.deps,
        r.caller,
        typeof r.event.body === 'string'
          ? { csv: r.event.body }
          : parseInput(importRequestSchema, r.event.body),
      ),
    ),
  'PUT /v1/settings/sms': async (r) =>
    json(
      200,
      await state.putSmsSettings(
        r.deps,
        r.caller,
        parseInput(smsSettingsSchema, r.event.body ?? {}),
        actorOf(r.caller),
      ),
    ),
  'PUT /v1/settings/complaints': async (r) =>
    json(
      200,
      await complaintRate.putComplaintRateSettings(
        r.deps,
        r.caller,
        parseInput(complaintRateSettingsSchema, r.event.body ?? {}),
      ),
    ),
  'PUT /v1/settings/confirmations': async (r) =>
    json(
      200,
      await state.putConfirmationSettings(
        r.deps,
        r.caller,
        parseInput(confirmationSettingsSchema, r.event.body ?? {}),
      ),
    ),
  'PUT /v1/settings/feedback': async (r) => {
    const region = requireEnv(ENV.gatewayRegion);
    return json(
      200,
      await putFeedbackSettings(r.deps, r.caller, parseInput(feedbackSettingsSchema, r.event.body ?? {}), {
        partition: partitionOf(region),
        region,
        account: requireEnv(ENV.gatewayAccount),
      }),
    );
  },
  'GET /v1/audit': async (r) =>
    json(
      200,
      await tenantAudit.listTenantTrail(
        r.deps,
        r.caller,
        parseInput(tenantAuditQuerySchema, r.event.queryStringParameters ?? {}, 'query'),
      ),
    ),
  'GET /v1/complaint-rate': async ({ deps, caller }) =>
    json(200, await complaintRate.getComplaintRate(deps, caller)),
  'DELETE /v1/complaint-hold': async ({ deps, caller }) =>
    json(200, await complaintRate.liftComplaintHold(deps, caller)),
};

export const handler = apiHandler(
  'admin',
  async (request) => {
    const route = routes[request.event.routeKey];
    if (!route) throw new HttpError(404, 'not_found', `No route ${request.event.routeKey}`);
    return route(request);
  },
  { 'POST /v1/imports': /^text\/csv\b/i },
);
