import type { KeyScopes } from '../domain/key-scope';

/**
 * `operator`: the deployment's operator, above tenants: creates tenants and assigns sending
 * identities (routes under /v1/operator/…); it acts for no tenant. `compliance`: a tenant's
 * compliance officer, who may only read (the admin routes' GETs, the console's pages), never
 * change anything nor send (domain/api-key.ts, `roleRefusal`).
 */
export type ApiKeyRole = 'admin' | 'sender' | 'operator' | 'compliance';

/** The tenant id an operator key is recorded under: not a valid tenant id (tenantIdSchema), so it names none. */
export const OPERATOR_TENANT_ID = '#operator';

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly tenantId: string;
  readonly role: ApiKeyRole;
  readonly label?: string;
  readonly createdAt: string;
  /** Refused from this instant on. */
  readonly expiresAt?: string;
  /** Refused from this instant on (a future one while a rotation's grace runs). */
  readonly revokedAt?: string;
  /** The UTC day of the last use, written at most once a day (a conditional update). */
  readonly lastUsedDay?: string;
  /** Sender keys only: what the key may send (domain/key-scope.ts); absent, no bound. */
  readonly scopes?: KeyScopes;
}

/** SES-style credentials of a sender (SigV4); the secret is kept encrypted (domain/sender-credential.ts). */
export interface SenderCredentialRecord {
  readonly accessKeyId: string;
  readonly tenantId: string;
  readonly keyId: string;
  readonly label?: string;
  readonly secretCiphertext: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  readonly lastUsedDay?: string;
  /** What the credentials may send (no channel: email only). */
  readonly scopes?: Omit<KeyScopes, 'channels'>;
}

/** API keys (stored by the hash of the key) and SES-style sender credentials. */
export interface CredentialStore {
  getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  putApiKey(keyHash: string, record: ApiKeyRecord): Promise<void>;
  /** The tenant's API keys (metadata; the hash is not returned). */
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  /** Sets `revokedAt` on the tenant's key (NotFoundError if it has none of that id); returns it. */
  revokeApiKey(tenantId: string, keyId: string, at: string): Promise<ApiKeyRecord>;
  /** `lastUsedDay` := day, only if it was older (a conditional update; false when it was not). */
  touchApiKey(keyHash: string, day: string): Promise<boolean>;

  getSenderCredential(accessKeyId: string): Promise<SenderCredentialRecord | undefined>;
  putSenderCredential(record: SenderCredentialRecord): Promise<void>;
  listSenderCredentials(tenantId: string): Promise<SenderCredentialRecord[]>;
  revokeSenderCredential(tenantId: string, keyId: string, at: string): Promise<SenderCredentialRecord>;
  touchSenderCredential(accessKeyId: string, day: string): Promise<boolean>;
}
