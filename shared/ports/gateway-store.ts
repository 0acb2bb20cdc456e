import type {
  ConsentGrant,
  Objection,
  RecipientProfile,
  RecipientState,
  Suppression,
  Withdrawal,
} from '../schemas/recipient';
import type { Purpose, Tenant, Wording } from '../schemas/tenant';
import type { Basis } from '../schemas/vocabulary';

/** Errors of the store, whatever its technology. Only the HTTP edge maps them to status codes. */
export class StoreError extends Error {
  override name = 'StoreError';
}
/** The store could not be reached or refused to serve (throttling, outage, timeout): fail closed. */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
}
export class NotFoundError extends StoreError {
  override name = 'NotFoundError';
}

export type ApiKeyRole = 'admin' | 'sender';

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly tenantId: string;
  readonly role: ApiKeyRole;
  readonly label?: string;
  readonly createdAt: string;
}

/** SES-style credentials of a sender (SigV4); the secret is kept encrypted (domain/sender-credential.ts). */
export interface SenderCredentialRecord {
  readonly accessKeyId: string;
  readonly tenantId: string;
  readonly keyId: string;
  readonly label?: string;
  readonly secretCiphertext: string;
  readonly createdAt: string;
}

/** What one decision needs to read: a recipient, for the purposes of the messages to it. */
export interface RecipientStateRequest {
  readonly recipientKey: string;
  readonly purposes: readonly string[];
}

/** What the gateway keeps of every message it sent, so that each can be justified later. */
export interface MessageRecord {
  readonly messageId: string;
  readonly providerMessageId: string;
  readonly channel: 'email' | 'sms';
  readonly purpose: string;
  readonly category: Purpose['category'];
  readonly basis: Basis;
  readonly proof: unknown;
  readonly from: string;
  readonly decidedAt: string;
  readonly sentAt: string;
  readonly senderKeyId: string;
}

export interface GatewayStore {
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  /** Creates the tenant; false when it already exists (nothing is changed then). */
  createTenant(tenant: Tenant): Promise<boolean>;
  putPurpose(tenantId: string, purpose: Purpose): Promise<void>;
  putEmailIdentity(tenantId: string, identity: string): Promise<void>;
  deleteEmailIdentity(tenantId: string, identity: string): Promise<void>;
  putWording(tenantId: string, wording: Wording): Promise<void>;

  getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  putApiKey(keyHash: string, record: ApiKeyRecord): Promise<void>;

  getSenderCredential(accessKeyId: string): Promise<SenderCredentialRecord | undefined>;
  putSenderCredential(record: SenderCredentialRecord): Promise<void>;

  /**
   * What the decision needs about many recipients of one tenant, in batched reads (not one
   * request per recipient): the profile, the consents of the given purposes, the
   * suppressions and the latest objection per scope. Decides exactly as getRecipientState.
   */
  getRecipientStates(
    tenantId: string,
    requests: readonly RecipientStateRequest[],
  ): Promise<Map<string, RecipientState>>;
  /** Everything the decision needs about one recipient: one strongly consistent read. */
  getRecipientState(tenantId: string, recipientKey: string): Promise<RecipientState>;
  putProfile(tenantId: string, recipientKey: string, profile: RecipientProfile): Promise<void>;
  putConsent(tenantId: string, recipientKey: string, purpose: string, grant: ConsentGrant): Promise<void>;
  putWithdrawal(
    tenantId: string,
    recipientKey: string,
    purpose: string,
    withdrawal: Withdrawal,
  ): Promise<void>;
  /** Append-only; 'duplicate' when an objection with this id is already recorded (idempotent one-click). */
  putObjection(
    tenantId: string,
    recipientKey: string,
    objection: Objection,
  ): Promise<'recorded' | 'duplicate'>;
  putSuppression(tenantId: string, recipientKey: string, suppression: Suppression): Promise<void>;
  putMessage(tenantId: string, recipientKey: string, message: MessageRecord): Promise<void>;
}
