import type { FeedbackSettings } from '../schemas/feedback';
import type { IdentityClaim, IdentityKind } from '../schemas/identity';
import type {
  ComplaintRateSettings,
  ConfirmationSettings,
  Purpose,
  SmsSender,
  SmsSettings,
  Tenant,
  Wording,
} from '../schemas/tenant';
import { ConflictError } from './store-errors';

/**
 * A sending identity is assigned to another tenant (docs/rules.md, Vocabulary "Tenant"): its
 * claim item stands. `holder` is for the operator's answer only, never a tenant's.
 */
export class IdentityTakenError extends ConflictError {
  override name = 'IdentityTakenError';
  constructor(
    readonly kind: IdentityKind,
    readonly identity: string,
    readonly holder: string,
  ) {
    super(
      `${kind} identity "${identity}" is assigned to tenant ${holder}: release it from that tenant first`,
    );
  }
}

/** Tenants, their configuration and the sending identities they hold (R10). */
export interface TenantStore {
  /**
   * The tenant, with only the identities it holds a claim for (R10): an identity in its item
   * without a claim of its own (stored before claims existed, or taken by another tenant) is
   * left out, so the decision never accepts it.
   */
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  /** The tenant as its item stores it, identities unchecked (the claim migration reads it). */
  getStoredTenant(tenantId: string): Promise<Tenant | undefined>;
  /** Creates the tenant; false when it already exists (nothing is changed then). */
  createTenant(tenant: Tenant): Promise<boolean>;
  putPurpose(tenantId: string, purpose: Purpose): Promise<void>;
  putEmailIdentity(tenantId: string, identity: string): Promise<void>;
  deleteEmailIdentity(tenantId: string, identity: string): Promise<void>;
  /**
   * R3: stores a wording version only if the tenant has none under its id, and returns the
   * version stored under it (this one, or the one that was there: never overwritten).
   */
  putWording(tenantId: string, wording: Wording): Promise<Wording>;

  /** Declares an SMS sender in the tenant's item; its claims (claimIdentity) come first. */
  putSmsSender(tenantId: string, sender: SmsSender): Promise<void>;
  /** Removes an SMS sender from the tenant's declarations (its claims are released apart). */
  deleteSmsSender(tenantId: string, senderId: string): Promise<void>;
  putSmsSettings(tenantId: string, settings: SmsSettings): Promise<void>;
  putComplaintRateSettings(tenantId: string, settings: ComplaintRateSettings): Promise<void>;
  putConfirmationSettings(tenantId: string, settings: ConfirmationSettings): Promise<void>;
  /** Where the tenant's own SES feedback is forwarded (services/feedback-forwarding.ts). */
  putFeedbackSettings(tenantId: string, settings: FeedbackSettings): Promise<void>;

  /**
   * The tenant that owns the number or short code replied to, for inbound replies: the owner
   * of the origination identity its sender claim sends through (the claim items, never a
   * tenant's own declaration).
   */
  findTenantBySmsSender(senderId: string): Promise<string | undefined>;

  // Sending identities: one claim item per identity, written only if absent (no two tenants).
  /**
   * Claims the identity for `claim.tenantId`: 'claimed' when it was free, 'already_yours'
   * when the tenant held it already; IdentityTakenError when another tenant holds it.
   */
  claimIdentity(claim: IdentityClaim): Promise<'claimed' | 'already_yours'>;
  /** Frees the identity if `tenantId` holds it (a conditional delete); false otherwise. */
  releaseIdentity(kind: IdentityKind, identity: string, tenantId: string): Promise<boolean>;
  /** The claim of an identity, if any (strongly consistent). */
  getIdentityClaim(kind: IdentityKind, identity: string): Promise<IdentityClaim | undefined>;
  /** The tenant's claims (gsi1: a listing, eventually consistent). */
  listIdentityClaims(tenantId: string): Promise<IdentityClaim[]>;
  /** Every tenant id (a scan: for the operator's one-off migration, never a request path). */
  listTenantIds(): Promise<string[]>;
}
