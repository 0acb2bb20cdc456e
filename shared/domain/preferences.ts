import { createHash } from 'node:crypto';
import type { RecipientState } from '../schemas/recipient';
import type { Purpose, Tenant, Wording } from '../schemas/tenant';
import type { Basis } from '../schemas/vocabulary';
import { checkConsent, decide } from './decide';
import { frenchSpacing } from './french-typography';
import { own } from './own';

/**
 * The preference centre and consent page, as pure functions of (tenant, recipient state,
 * now): which purposes a person may choose, what each box means, and the exact wording
 * shown next to it (R3: a stored, versioned text with its hash).
 */
export type Lang = 'fr' | 'en';

/** Purposes a person can opt into or out of; transactional ones rest on the contract (R6), repermission is a one-off ask (R13). */
export function choosablePurposes(tenant: Tenant): Purpose[] {
  return Object.values(tenant.purposes)
    .filter(
      (p) => p.category === 'marketing' || p.category === 'profiling' || p.category === 'non_commercial',
    )
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function transactionalPurposes(tenant: Tenant): Purpose[] {
  return Object.values(tenant.purposes).filter((p) => p.category === 'transactional');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function defaultText(lang: Lang, brand: string, purpose: Purpose): string {
  return lang === 'fr'
    ? frenchSpacing(
        `J’accepte de recevoir par e-mail « ${purpose.name} » de ${brand}. Je peux retirer mon accord à tout moment, gratuitement.`,
      )
    : `I agree to receive “${purpose.name}” emails from ${brand}. I can withdraw this at any time, free of charge.`;
}

/**
 * The wording shown for a purpose: the tenant's declared version if the purpose names one,
 * otherwise a standard sentence whose version id is derived from its text, so that the
 * same text always has the same version and a changed text a new one.
 */
export function wordingFor(tenant: Tenant, purpose: Purpose, lang: Lang): Wording & { stored: boolean } {
  const declared =
    purpose.wordingVersion === undefined ? undefined : own(tenant.wordings, purpose.wordingVersion);
  if (declared) return { ...declared, stored: true };
  const text = defaultText(lang, tenant.name, purpose);
  const hash = sha256(text);
  const versionId = `auto-${purpose.id}-${lang}-${hash.slice(0, 12)}`;
  const existing = own(tenant.wordings, versionId);
  return existing
    ? { ...existing, stored: true }
    : { versionId, text, sha256: hash, createdAt: '', stored: false };
}

export type PreferenceStatus =
  /** A valid consent, not overridden by a later objection: the box is ticked. */
  | { readonly kind: 'consented'; readonly since: string }
  /** Sent on another basis (soft opt-in, professional, non-commercial): the box is not ticked; the person can stop it. */
  | { readonly kind: 'other_basis'; readonly basis: Basis }
  /** Not sent: the box is not ticked. */
  | { readonly kind: 'off' };

export interface PreferenceRow {
  readonly purpose: Purpose;
  readonly status: PreferenceStatus;
}

/**
 * Each choosable purpose with its current state, computed by the decision itself so that
 * what the page says is what the gate does. Never "ticked" without a valid consent.
 */
export function preferenceRows(tenant: Tenant, state: RecipientState, now: Date): PreferenceRow[] {
  const identity = tenant.emailIdentities[0];
  const from = identity === undefined ? undefined : identity.includes('@') ? identity : `info@${identity}`;
  return choosablePurposes(tenant).map((purpose) => {
    if (from === undefined) return { purpose, status: { kind: 'off' } };
    const decision = decide({
      tenant,
      channel: 'email',
      purposeId: purpose.id,
      from,
      to: state.profile?.address ?? '',
      recipient: state,
      now,
    });
    if (decision.outcome === 'rejected') return { purpose, status: { kind: 'off' } };
    if (decision.basis === 'consent') {
      const check = checkConsent(own(state.consents, purpose.id), tenant);
      return { purpose, status: { kind: 'consented', since: check.ok ? check.givenAt : '' } };
    }
    return { purpose, status: { kind: 'other_basis', basis: decision.basis } };
  });
}

/**
 * R8: why no marketing email can reach this address, whatever the boxes say: a hard bounce
 * (the address does not exist) or a spam complaint suppresses it for every purpose. A box
 * ticked here still records the person's consent, but the page must say why it stays
 * unticked. The bounce comes first: it also stops transactional email.
 */
export function suppressionOf(state: RecipientState): 'bounce' | 'complaint' | undefined {
  if (state.suppressions.some((s) => s.reason === 'bounce')) return 'bounce';
  if (state.suppressions.some((s) => s.reason === 'complaint')) return 'complaint';
  return undefined;
}

/** What saving the preference form changes, purpose by purpose. */
export type PreferenceChange =
  | { readonly type: 'consent'; readonly purpose: string }
  | { readonly type: 'withdraw_and_object'; readonly purpose: string }
  | { readonly type: 'object'; readonly purpose: string };

/**
 * R3/R7: a box ticked that was not → a new consent; a consented box unticked → the
 * consent is withdrawn and the purpose objected to (so that no other basis takes over);
 * "stop" on a purpose sent on another basis → an objection. Anything else changes nothing.
 */
export function preferenceChanges(
  rows: readonly PreferenceRow[],
  ticked: ReadonlySet<string>,
  stopped: ReadonlySet<string>,
): PreferenceChange[] {
  const changes: PreferenceChange[] = [];
  for (const { purpose, status } of rows) {
    if (status.kind === 'consented') {
      if (!ticked.has(purpose.id)) changes.push({ type: 'withdraw_and_object', purpose: purpose.id });
    } else if (ticked.has(purpose.id)) {
      changes.push({ type: 'consent', purpose: purpose.id });
    } else if (status.kind === 'other_basis' && stopped.has(purpose.id)) {
      changes.push({ type: 'object', purpose: purpose.id });
    }
  }
  return changes;
}
