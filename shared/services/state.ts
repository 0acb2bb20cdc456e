import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { generateApiKey, hashApiKey } from '../domain/api-key';
import { checkConsent } from '../domain/decide';
import { recipientKey } from '../domain/recipient-key';
import { encryptSecret, generateAccessKeyId, generateSecretAccessKey } from '../domain/sender-credential';
import { NotFoundError } from '../ports/gateway-store';
import type {
  createKeySchema,
  putRecipientSchema,
  recordConsentSchema,
  recordObjectionSchema,
  recordSuppressionSchema,
  recordWithdrawalSchema,
} from '../schemas/api';
import type { RecipientProfile } from '../schemas/recipient';
import {
  type Purpose,
  type PurposeInput,
  purposeInputSchema,
  type Tenant,
  tenantSettingsSchema,
} from '../schemas/tenant';
import type { Caller, Dependencies } from './dependencies';

/** The state API: what an admin key of a tenant may read and change, in that tenant only. */

async function tenantOf(deps: Dependencies, caller: Caller): Promise<Tenant> {
  const tenant = await deps.store.getTenant(caller.tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  return tenant;
}

export const getTenant = tenantOf;

export async function putPurpose(
  deps: Dependencies,
  caller: Caller,
  id: string,
  input: PurposeInput,
): Promise<Purpose> {
  const purpose = { id, ...purposeInputSchema.parse(input) };
  await deps.store.putPurpose(caller.tenantId, purpose);
  return purpose;
}

export async function putEmailIdentity(deps: Dependencies, caller: Caller, identity: string) {
  await deps.store.putEmailIdentity(caller.tenantId, identity);
  return { identity, channel: 'email' as const };
}

export async function deleteEmailIdentity(deps: Dependencies, caller: Caller, identity: string) {
  await deps.store.deleteEmailIdentity(caller.tenantId, identity);
}

export async function putWording(deps: Dependencies, caller: Caller, versionId: string, text: string) {
  const wording = {
    versionId,
    text,
    sha256: createHash('sha256').update(text).digest('hex'),
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.store.putWording(caller.tenantId, wording);
  return wording;
}

export async function createApiKey(
  deps: Pick<Dependencies, 'store' | 'clock'>,
  tenantId: string,
  input: z.output<typeof createKeySchema>,
) {
  const key = generateApiKey(input.role);
  const keyId = randomUUID();
  await deps.store.putApiKey(hashApiKey(key), {
    keyId,
    tenantId,
    role: input.role,
    label: input.label,
    createdAt: deps.clock.now().toISOString(),
  });
  return { keyId, role: input.role, key, label: input.label };
}

/**
 * SES-style credentials for a sender: the secret is shown once and stored encrypted
 * (domain/sender-credential.ts explains why not hashed: SigV4 needs the secret).
 */
export async function createSenderCredential(
  deps: Pick<Dependencies, 'store' | 'clock' | 'keys'>,
  tenantId: string,
  input: { label?: string },
) {
  const keys = await deps.keys.load();
  const accessKeyId = generateAccessKeyId();
  const secretAccessKey = generateSecretAccessKey();
  const keyId = randomUUID();
  await deps.store.putSenderCredential({
    accessKeyId,
    tenantId,
    keyId,
    label: input.label,
    secretCiphertext: encryptSecret(keys.hashKey, accessKeyId, secretAccessKey),
    createdAt: deps.clock.now().toISOString(),
  });
  return { keyId, accessKeyId, secretAccessKey, label: input.label };
}

async function keyFor(deps: Dependencies, caller: Caller, address: string): Promise<string> {
  const keys = await deps.keys.load();
  return recipientKey(keys.hashKey, caller.tenantId, 'email', address);
}

export async function putRecipient(
  deps: Dependencies,
  caller: Caller,
  input: z.output<typeof putRecipientSchema>,
) {
  const key = await keyFor(deps, caller, input.address);
  const profile: RecipientProfile = { ...input, updatedAt: deps.clock.now().toISOString() };
  await deps.store.putProfile(caller.tenantId, key, profile);
  return { recipientKey: key, profile };
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
  const { channel: _channel, address, purpose, ...proof } = input;
  if (tenant.purposes[purpose] === undefined) throw new NotFoundError(`Purpose "${purpose}" is not declared`);
  const key = await keyFor(deps, caller, address);
  const grant = { ...proof, id: randomUUID(), recordedAt: deps.clock.now().toISOString() };
  await deps.store.putConsent(caller.tenantId, key, purpose, grant);
  // R3: say at once whether this consent will count, rather than at the first refused send.
  const check = checkConsent({ purpose, grant }, tenant);
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
  const { channel: _channel, address, purpose, ...proof } = input;
  const key = await keyFor(deps, caller, address);
  const now = deps.clock.now().toISOString();
  const withdrawal = { ...proof, id: randomUUID(), at: proof.at ?? now, recordedAt: now };
  await deps.store.putWithdrawal(caller.tenantId, key, purpose, withdrawal);
  return { recipientKey: key, purpose, withdrawal };
}

export async function recordObjection(
  deps: Dependencies,
  caller: Caller,
  input: z.output<typeof recordObjectionSchema>,
) {
  const { channel: _channel, address, ...rest } = input;
  const key = await keyFor(deps, caller, address);
  const now = deps.clock.now().toISOString();
  const objection = { ...rest, id: randomUUID(), at: rest.at ?? now, recordedAt: now };
  await deps.store.putObjection(caller.tenantId, key, objection);
  return { recipientKey: key, objection };
}

export async function recordSuppression(
  deps: Dependencies,
  caller: Caller,
  input: z.output<typeof recordSuppressionSchema>,
) {
  const { channel: _channel, address, ...rest } = input;
  const key = await keyFor(deps, caller, address);
  const now = deps.clock.now().toISOString();
  const suppression = { ...rest, at: rest.at ?? now, recordedAt: now };
  await deps.store.putSuppression(caller.tenantId, key, suppression);
  return { recipientKey: key, suppression };
}

/** A tenant with RULES.md's default settings. */
export function newTenant(id: string, name: string, emailIdentities: string[] = []): Tenant {
  return {
    id,
    name,
    controllerNames: [name],
    purposes: {},
    emailIdentities,
    wordings: {},
    settings: tenantSettingsSchema.parse({}),
  };
}
