import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { ApiKeyRecord, SenderCredentialRecord } from '../ports/credential-store';
import { NotFoundError } from '../ports/gateway-store';
import type { keyMetadataSchema } from '../schemas/api';
import type { Actor } from '../schemas/audit';
import { InvalidInputError } from '../schemas/validation';
import type { Dependencies } from './dependencies';
import { createApiKey, createSenderCredential } from './state';

/**
 * Listing, revoking and rotating a tenant's API keys and SES credentials. A listing
 * shows metadata only: never a key, its hash, nor a credential's secret (or its ciphertext).
 * Revocation is `revokedAt`: refused from that instant (authenticate.ts, sigv4-authenticate.ts);
 * a rotation sets it `graceSeconds` ahead on the old key, or leaves it until revoked.
 */
type KeyMetadata = z.output<typeof keyMetadataSchema>;

const apiKeyMetadata = (r: ApiKeyRecord): KeyMetadata => ({
  keyId: r.keyId,
  kind: 'api_key',
  role: r.role,
  label: r.label,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  revokedAt: r.revokedAt,
  lastUsedDay: r.lastUsedDay,
  scopes: r.scopes,
});

const credentialMetadata = (r: SenderCredentialRecord): KeyMetadata => ({
  keyId: r.keyId,
  kind: 'ses_credential',
  role: 'sender',
  label: r.label,
  accessKeyId: r.accessKeyId,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  revokedAt: r.revokedAt,
  lastUsedDay: r.lastUsedDay,
  scopes: r.scopes,
});

const byCreation = (a: KeyMetadata, b: KeyMetadata) => a.createdAt.localeCompare(b.createdAt);

export async function listKeys(deps: Pick<Dependencies, 'credentials'>, tenantId: string) {
  return { keys: (await deps.credentials.listApiKeys(tenantId)).map(apiKeyMetadata).sort(byCreation) };
}

export async function listCredentials(deps: Pick<Dependencies, 'credentials'>, tenantId: string) {
  return {
    credentials: (await deps.credentials.listSenderCredentials(tenantId))
      .map(credentialMetadata)
      .sort(byCreation),
  };
}

type RevokeDeps = Pick<Dependencies, 'credentials' | 'clock' | 'tenantAudit'>;

/**
 * Recorded in the tenant's audit trail after the revocation: a failure to record leaves the
 * key revoked (the safe side) and the request failed, to be retried (revoking again is harmless).
 */
async function recordRevocation(deps: RevokeDeps, tenantId: string, revoked: KeyMetadata, actor: Actor) {
  await deps.tenantAudit.appendTenantAudit(tenantId, {
    id: randomUUID(),
    at: revoked.revokedAt ?? deps.clock.now().toISOString(),
    type: 'key.revoked',
    actor,
    why: `${revoked.kind === 'api_key' ? 'API key' : 'SES credential'} revoked: refused from this instant`,
    data: { keyId: revoked.keyId, kind: revoked.kind, role: revoked.role, label: revoked.label },
  });
  return revoked;
}

export async function revokeKey(deps: RevokeDeps, tenantId: string, keyId: string, actor: Actor) {
  const revoked = apiKeyMetadata(
    await deps.credentials.revokeApiKey(tenantId, keyId, deps.clock.now().toISOString()),
  );
  return recordRevocation(deps, tenantId, revoked, actor);
}

export async function revokeCredential(deps: RevokeDeps, tenantId: string, keyId: string, actor: Actor) {
  const revoked = credentialMetadata(
    await deps.credentials.revokeSenderCredential(tenantId, keyId, deps.clock.now().toISOString()),
  );
  return recordRevocation(deps, tenantId, revoked, actor);
}

const graceEnd = (now: Date, graceSeconds: number) =>
  new Date(now.getTime() + graceSeconds * 1000).toISOString();

function refuseRevoked(record: { revokedAt?: string }, now: Date): void {
  if (record.revokedAt !== undefined && Date.parse(record.revokedAt) <= now.getTime()) {
    throw new InvalidInputError([{ field: 'path.keyId', problem: 'is revoked: create a new key instead' }]);
  }
}

/** A new key of the same role, label and scopes; the old one works until revoked, or `graceSeconds` more. */
export async function rotateKey(
  deps: Pick<Dependencies, 'credentials' | 'clock'>,
  tenantId: string,
  keyId: string,
  input: { graceSeconds?: number; expiresAt?: string },
) {
  const now = deps.clock.now();
  const old = (await deps.credentials.listApiKeys(tenantId)).find((k) => k.keyId === keyId);
  if (old === undefined) throw new NotFoundError(`No key ${keyId}`);
  refuseRevoked(old, now);
  const created = await createApiKey(deps, tenantId, {
    role: old.role,
    label: old.label,
    expiresAt: input.expiresAt,
    scopes: old.scopes,
  });
  const previous =
    input.graceSeconds === undefined
      ? apiKeyMetadata(old)
      : apiKeyMetadata(
          await deps.credentials.revokeApiKey(tenantId, keyId, graceEnd(now, input.graceSeconds)),
        );
  return { ...created, previous };
}

export async function rotateCredential(
  deps: Pick<Dependencies, 'credentials' | 'clock' | 'keys'>,
  tenantId: string,
  keyId: string,
  input: { graceSeconds?: number; expiresAt?: string },
) {
  const now = deps.clock.now();
  const old = (await deps.credentials.listSenderCredentials(tenantId)).find((k) => k.keyId === keyId);
  if (old === undefined) throw new NotFoundError(`No credential ${keyId}`);
  refuseRevoked(old, now);
  const created = await createSenderCredential(deps, tenantId, {
    label: old.label,
    expiresAt: input.expiresAt,
    scopes: old.scopes,
  });
  const previous =
    input.graceSeconds === undefined
      ? credentialMetadata(old)
      : credentialMetadata(
          await deps.credentials.revokeSenderCredential(tenantId, keyId, graceEnd(now, input.graceSeconds)),
        );
  return { ...created, previous };
}
