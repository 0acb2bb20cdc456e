import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { generateApiKey, hashApiKey } from '../domain/api-key';
import { checkConsent } from '../domain/decide';
import { futureDatedFields } from '../domain/instant';
import { optOutMentionIssues, smsWindowIssues } from '../domain/legal-floors';
import { own } from '../domain/own';
import { recipientKeys } from '../domain/recipient-key';
import { generateAccessKeyId, generateSecretAccessKey } from '../domain/sender-credential';
import type { ApiKeyRole } from '../ports/credential-store';
import { NotFoundError } from '../ports/gateway-store';
import type {
  createCredentialSchema,
  createKeySchema,
  putRecipientSchema,
  recordConsentSchema,
  recordObjectionSchema,
  recordSuppressionSchema,
  recordWithdrawalSchema,
} from '../schemas/api';
import type { Actor } from '../schemas/audit';
import { DEFAULT_LEGAL_FLOORS } from '../schemas/legal-floors';
import { preTickedAsGiven, type RecipientProfile } from '../schemas/recipient';
import {
  type ConfirmationSettings,
  type Purpose,
  type PurposeInput,
  purposeInputSchema,
  type SmsSettings,
  type Tenant,
  tenantSettingsSchema,
  type Wording,
} from '../schemas/tenant';
import { InvalidInputError } from '../schemas/validation';
import type { Channel } from '../schemas/vocabulary';
import { normalizeAddress, readRecipientState } from './decisions';
import type { Caller, Dependencies } from './dependencies';
import { WordingExistsError } from './errors';
import { actorOf, recordChanges } from './record-change';
import { recordTenantChange } from './tenant-audit';

/** The state API: what an admin key of a tenant may read and change, in that tenant only. */

async function tenantOf(deps: Dependencies, caller: Caller): Promise<Tenant> {
  const tenant = await deps.tenants.getTenant(caller.tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  return tenant;
}

export const getTenant = tenantOf;

/** PUT /v1/purposes/{purposeId}: creates or replaces it; `purpose.declared` in the tenant's trail. */
export async function putPurpose(
  deps: Dependencies,
  caller: Caller,
  id: string,
  input: PurposeInput,
  actor: Actor,
): Promise<Purpose> {
  const purpose = { id, ...purposeInputSchema.parse(input) };
  if (purpose.wordingVersion !== undefined) {
    // R3: the pages show this exact text; it must be a stored version.
    const tenant = await tenantOf(deps, caller);
    if (own(tenant.wordings, purpose.wordingVersion) === undefined) {
      throw new InvalidInputError([
        {
          field: 'wordingVersion',
          problem: `"${purpose.wordingVersion}" is not a wording declared with PUT /v1/wordings`,
        },
      ]);
    }
  }
  await deps.tenants.putPurpose(caller.tenantId, purpose);
  await recordTenantChange(deps, caller.tenantId, {
    type: 'purpose.declared',
    actor,
    why: `PUT /v1/purposes/${id}`,
    data: { ...purpose, purposeId: id },
  });
  return purpose;
}

/** A wording version (R3) with its SHA-256, created at `createdAt`. */
export function newWording(versionId: string, text: string, createdAt: string): Wording {
  return { versionId, text, sha256: createHash('sha256').update(text).digest('hex'), createdAt };
}

/**
 * PUT /v1/wordings/{versionId} (R3): a version is stored once. The same text again answers the
 * stored version (a retry is harmless); another text is a WordingExistsError (409 naming
 * `text`), whether or not a consent points at it yet: the proof never changes under one.
 * `wording.stored` in the tenant's trail (`unchanged` when it was stored already).
 */
export async function putWording(
  deps: Dependencies,
  caller: Caller,
  versionId: string,
  text: string,
  actor: Actor,
): Promise<Wording> {
  const wording = newWording(versionId, text, deps.clock.now().toISOString());
  const stored = await deps.tenants.putWording(caller.tenantId, wording);
  if (stored.sha256 !== wording.sha256 || stored.text !== wording.text)
    throw new WordingExistsError(versionId);
  await recordTenantChange(deps, caller.tenantId, {
    type: 'wording.stored',
    actor,
    why: `R3: PUT /v1/wordings/${versionId}`,
    data: { versionId, sha256: stored.sha256, unchanged: stored.createdAt !== wording.createdAt },
  });
  return stored;
}

export async function createApiKey(
  deps: Pick<Dependencies, 'credentials' | 'clock'>,
  tenantId: string,
  input: Omit<z.output<typeof createKeySchema>, 'role'> & { role: ApiKeyRole },
) {
  const key = generateApiKey(input.role);
  const keyId = randomUUID();
  await deps.credentials.putApiKey(hashApiKey(key), {
    keyId,
    tenantId,
    role: input.role,
    label: input.label,
    createdAt: deps.clock.now().toISOString(),
    expiresAt: input.expiresAt,
    scopes: input.scopes,
  });
  return {
    keyId,
    role: input.role,
    key,
    label: input.label,
    expiresAt: input.expiresAt,
    scopes: input.scopes,
  };
}

/**
 * SES-style credentials for a sender: the secret is shown once and stored encrypted
 * (domain/sender-credential.ts explains why not hashed: SigV4 needs the secret).
 */
export async function createSenderCredential(
  deps: Pick<Dependencies, 'credentials' | 'clock' | 'keys'>,
  tenantId: string,
  input: z.output<typeof createCredentialSchema>,
) {
  const accessKeyId = generateAccessKeyId();
  const secretAccessKey = generateSecretAccessKey();
  const keyId = randomUUID();
  await deps.credentials.putSenderCredential({
    accessKeyId,
    tenantId,
    keyId,
    label: input.label,
    secretCiphertext: await deps.keys.sealCredentialSecret(accessKeyId, secretAccessKey),
    createdAt: deps.clock.now().toISOString(),
    expiresAt: input.expiresAt,
    scopes: input.scopes,
  });
  return {
    keyId,
    accessKeyId,
    secretAccessKey,
    label: input.label,
    expiresAt: input.expiresAt,
    scopes: input.scopes,
  };
}

/**
 * RULES.md "Time" (R3, R7, R9): evidence dated after the moment it is recorded is not
 * evidence. A 400 naming each such field, before anything is written. (The schemas have
 * normalised every instant to UTC already; the check needs the clock, so it lives here.)
 */
function refuseFutureDates(now: Date, fields: readonly (readonly [string, string | undefined])[]): void {
  const issues = futureDatedFields(fields, now);
  if (issues.length > 0) throw new InvalidInputError(issues);
}

/** The recipient's key and normalised address (an invalid address is a 400 naming `address`). */
async function keyFor(
  deps: Dependencies,
  caller: Caller,
  ref: { channel: Channel; address: string },
): Promise<{ key: string; legacyKey?: string; address: string }> {
  const [keys, tenant] = await Promise.all([deps.keys.load(), tenantOf(deps, caller)]);
  const address = normalizeAddress(tenant, ref.channel, ref.address, 'address');
  return { ...recipientKeys(keys.hashKey, caller.tenantId, ref.channel, address), address };
}

export async function putRecipient(
  deps: Dependencies,
  caller: Caller,
  input: z.output<typeof putRecipientSchema>,
) {
  refuseFutureDates(deps.clock.now(), [
    ['lastActivityAt', input.lastActivityAt],
    ['collection.at', input.collection?.at],
    ...input.purchases.map((p, i) => [`purchases.${i}.at`, p.at] as const),
  ]);
  const { key, legacyKey, address } = await keyFor(deps, caller, input);
  const profile: RecipientProfile = { ...input, address, updatedAt: deps.clock.now().toISOString() };
  await recordChanges(
    deps,
    { tenantId: caller.tenantId, recipientKey: key, channel: input.channel },
    [
      {
        type: 'profile.updated',
        actor: actorOf(caller),
        why: 'PUT /v1/recipients',
        data: {
          audience: profile.audience,
          purchases: profile.purchases.length,
          collectedAt: profile.collection?.at,
          needsRepermission: profile.needsRepermission,
        },
      },
    ],
    [{ kind: 'profile', profile }],
  );
  // R11: an address that objected (or was erased) stays blocked when it comes back in an
  // import; say so, so that the importer knows why its sends will be refused.
  const { objections } = await readRecipientState(deps, caller.tenantId, { key, legacyKey });
  return {
    recipientKey: key,
    profile,
    opposition: objections.map((o) => ({ scope: o.scope, at: o.at, method: o.method })),
  };
}

export async function getRecipient(deps: Dependencies, caller: Caller, key: string) {
  const state = await deps.store.getRecipientState(caller.tenantId, key);
  const empty =
    state.profile === undefined &&
    Object.keys(state.consents).length === 0 &&
    state.objections.length === 0 &&
    state.suppressions.length === 0;
  if (empty) throw new NotFoundError('No recipient with this key in this tenant');
  return state;
}

export async function recordConsent(
  deps: Dependencies,
  caller: Caller,
  input: z.output<typeof recordConsentSchema>,
) {
  const tenant = await tenantOf(deps, caller);
  const { channel, address, purpose, ...proof } = input;
  refuseFutureDates(deps.clock.now(), [
    ['givenAt', proof.givenAt],
    ['confirmedAt', proof.confirmedAt],
  ]);
  if (own(tenant.purposes, purpose) === undefined)
    throw new NotFoundError(`Purpose "${purpose}" is not declared`);
  const { key } = await keyFor(deps, caller, { channel, address });
  const grant = {
    ...proof,
    preTicked: preTickedAsGiven(proof),
    id: randomUUID(),
    recordedAt: deps.clock.now().toISOString(),
  };
  // R3: say at once whether this consent will count, rather than at the first refused send.
  const check = checkConsent({ purpose, grant }, tenant);
  await recordChanges(
    deps,
    { tenantId: caller.tenantId, recipientKey: key, channel },
    [
      {
        type: 'consent.given',
        actor: actorOf(caller),
        why: 'R1/R3: POST /v1/consents',
        at: grant.recordedAt,
        data: { purpose, consentId: grant.id, method: grant.method, givenAt: grant.givenAt, valid: check.ok },
        publish: {
          detailType: 'Consent Given',
          detail: {
            purpose,
            consentId: grant.id,
            method: grant.method,
            wordingVersion: grant.wordingVersion,
            confirmedAt: grant.confirmedAt,
            valid: check.ok,
          },
        },
      },
    ],
    [{ kind: 'consent', purpose, grant }],
  );
  return {
    recipientKey: key,
    purpose,
    consent: grant,
    valid: check.ok,
    problems: check.ok ? [] : check.failures,
  };
}

export async function recordWithdrawal(
  deps: Dependencies,
  caller: Caller,
  input: z.output<typeof recordWithdrawalSchema>,
) {
  const { channel, address, purpose, ...proof } = input;
  refuseFutureDates(deps.clock.now(), [['at', proof.at]]);
  const { key } = await keyFor(deps, caller, { channel, address });
  const now = deps.clock.now().toISOString();
  const withdrawal = { ...proof, id: randomUUID(), at: proof.at ?? now, recordedAt: now };
  await recordChanges(
    deps,
    { tenantId: caller.tenantId, recipientKey: key, channel },
    [
      {
        type: 'consent.withdrawn',
        actor: actorOf(caller),
        why: 'R3: POST /v1/withdrawals',
        at: withdrawal.at,
        data: { purpose, withdrawalId: withdrawal.id, method: withdrawal.method },
        publish: { detailType: 'Consent Withdrawn', detail: { purpose, method: withdrawal.method } },
      },
    ],
    [{ kind: 'withdrawal', purpose, withdrawal }],
  );
  return { recipientKey: key, purpose, withdrawal };
}

export async function recordObjection(
  deps: Dependencies,
  caller: Caller,
  input: z.output<typeof recordObjectionSchema>,
) {
  const { channel, address, ...rest } = input;
  refuseFutureDates(deps.clock.now(), [['at', rest.at]]);
  const { key } = await keyFor(deps, caller, { channel, address });
  const now = deps.clock.now().toISOString();
  const objection = { ...rest, id: randomUUID(), at: rest.at ?? now, recordedAt: now };
  await recordChanges(
    deps,
    { tenantId: caller.tenantId, recipientKey: key, channel },
    [
      {
        type: 'objection.recorded',
        actor: actorOf(caller),
        why: 'R7: POST /v1/objections',
        at: objection.at,
        data: { objectionId: objection.id, scope: objection.scope, method: objection.method },
        publish: {
          detailType: 'Objection Recorded',
          detail: { objectionId: objection.id, scope: objection.scope, method: objection.method },
        },
      },
    ],
    [{ kind: 'objection', objection }],
  );
  return { recipientKey: key, objection };
}

export async function recordSuppression(
  deps: Dependencies,
  caller: Caller,
  input: z.output<typeof recordSuppressionSchema>,
) {
  const { channel, address, ...rest } = input;
  refuseFutureDates(deps.clock.now(), [['at', rest.at]]);
  const { key } = await keyFor(deps, caller, { channel, address });
  const now = deps.clock.now().toISOString();
  const suppression = { ...rest, at: rest.at ?? now, recordedAt: now };
  await recordChanges(
    deps,
    { tenantId: caller.tenantId, recipientKey: key, channel },
    [
      {
        type: 'suppression.recorded',
        actor: actorOf(caller),
        why: 'R8: POST /v1/suppressions',
        at: suppression.at,
        data: { reason: suppression.reason },
        publish: { detailType: 'Suppression Recorded', detail: { reason: suppression.reason } },
      },
    ],
    [{ kind: 'suppression', suppression }],
  );
  return { recipientKey: key, suppression };
}

/** A tenant with the default settings of docs/rules.md. */
export function newTenant(id: string, name: string, emailIdentities: string[] = []): Tenant {
  return {
    id,
    name,
    controllerNames: [name],
    purposes: {},
    emailIdentities,
    smsSenders: {},
    wordings: {},
    settings: tenantSettingsSchema.parse({}),
  };
}

/** PUT /v1/settings/confirmations (R3: one confirmation mail per recipient and purpose in the window). */
export async function putConfirmationSettings(
  deps: Dependencies,
  caller: Caller,
  settings: ConfirmationSettings,
): Promise<ConfirmationSettings> {
  await deps.tenants.putConfirmationSettings(caller.tenantId, settings);
  return settings;
}

/** PUT /v1/settings/sms: replaces them; `sms_settings.changed` in the tenant's trail. */
export async function putSmsSettings(
  deps: Dependencies,
  caller: Caller,
  settings: SmsSettings,
  actor: Actor,
): Promise<SmsSettings> {
  // R14's window and R10's mention may be stricter than the floors, never looser.
  const floors = deps.legalFloors ?? DEFAULT_LEGAL_FLOORS;
  const issues = [
    ...smsWindowIssues(settings.window, floors),
    ...optOutMentionIssues(settings.optOutMention, floors),
  ];
  if (issues.length > 0) throw new InvalidInputError(issues);
  await deps.tenants.putSmsSettings(caller.tenantId, settings);
  await recordTenantChange(deps, caller.tenantId, {
    type: 'sms_settings.changed',
    actor,
    why: 'R10/R14: PUT /v1/settings/sms',
    data: { ...settings },
  });
  return settings;
}
