import { randomUUID } from 'node:crypto';
import { frenchSpacingOf } from '../domain/french-typography';
import { own } from '../domain/own';
import { choosablePurposes, type Lang } from '../domain/preferences';
import {
  type ConfirmClaims,
  type ConsentPageClaims,
  expiryFor,
  signPageToken,
  verifyPageToken,
} from '../domain/unsubscribe-token';
import { NotFoundError, type StateWrite } from '../ports/gateway-store';
import type { PendingConsent } from '../schemas/recipient';
import type { Purpose, Tenant, Wording } from '../schemas/tenant';
import { InvalidInputError } from '../schemas/validation';
import type { Dependencies } from './dependencies';
import { ensureWordings, type RecipientProof } from './preference-centre';
import { type Change, recordChanges } from './record-change';

/**
 * R3/R13: the consent page behind `/c/{token}` for sign-up and repermission. The person
 * ticks what they want (nothing pre-ticked) and confirms; for email the consent takes
 * effect only once the double opt-in link sent to the address is clicked, and both
 * times are kept as proof (`givenAt`, `confirmedAt`; decide.ts requires the latter).
 */
const SOURCE = 'consent page';

export type ConsentLink =
  | { kind: 'consent'; claims: ConsentPageClaims; tenant: Tenant }
  | { kind: 'confirm'; claims: ConfirmClaims; tenant: Tenant };

export async function openConsentLink(deps: Dependencies, token: string): Promise<ConsentLink | undefined> {
  const claims = verifyPageToken(token, await deps.keys.load(), deps.clock.now(), ['consent', 'confirm']);
  if (claims === undefined) return undefined;
  const tenant = await deps.tenants.getTenant(claims.tenant);
  if (tenant === undefined) return undefined;
  return claims.kind === 'consent'
    ? { kind: 'consent', claims, tenant }
    : { kind: 'confirm', claims, tenant };
}

function offered(tenant: Tenant, claims: ConsentPageClaims): Purpose[] {
  const all = choosablePurposes(tenant);
  return claims.purposes === undefined ? all : all.filter((p) => claims.purposes!.includes(p.id));
}

/** GET /c/{token} (consent kind): the purposes offered, each with the wording that will be recorded. */
export async function viewConsentPage(
  deps: Dependencies,
  link: Extract<ConsentLink, { kind: 'consent' }>,
  lang: Lang,
): Promise<{ purpose: Purpose; wording: Wording }[]> {
  const purposes = offered(link.tenant, link.claims);
  const wordings = await ensureWordings(deps, link.tenant, purposes, lang);
  return purposes.map((purpose) => ({ purpose, wording: wordings.get(purpose.id)! }));
}

export type ConsentRequestOutcome =
  | { pending: PendingConsent }
  | { nothing: true }
  /** R3: a confirmation for these purposes was mailed within the tenant's window: none sent again. */
  | { alreadySent: true }
  /** R8: the address hard-bounced or complained: no mail goes to it, not even a confirmation. */
  | { undeliverable: true };

/**
 * POST /c/{token} (consent kind): keeps what was ticked as a pending consent and mails
 * the confirmation link to the address. Nothing counts yet.
 *
 * Not a mail cannon: nothing is mailed to an address that hard-bounced or
 * complained (R8), and at most one confirmation per recipient and purpose is pending
 * within `settings.confirmation.windowHours` (24 h by default), claimed by a conditional
 * write in the store so that concurrent requests mail once.
 */
export async function requestConsent(
  deps: Dependencies,
  link: Extract<ConsentLink, { kind: 'consent' }>,
  form: { ticked: ReadonlySet<string>; wordings: ReadonlyMap<string, string> },
  proof: RecipientProof,
  lang: Lang,
): Promise<ConsentRequestOutcome> {
  const { tenant, claims } = link;
  const ticked = offered(tenant, claims).filter((p) => form.ticked.has(p.id));
  if (ticked.length === 0) return { nothing: true };
  const asked = ticked.map((p) => {
    const version = form.wordings.get(p.id);
    const wording = version === undefined ? undefined : own(tenant.wordings, version);
    if (wording === undefined) {
      throw new InvalidInputError([
        { field: `wording:${p.id}`, problem: 'the wording shown is not a stored version' },
      ]);
    }
    return { purpose: p.id, wordingVersion: wording.versionId, wordingSha256: wording.sha256 };
  });
  const state = await deps.store.getRecipientState(tenant.id, claims.recipientKey);
  const address = state.profile?.address;
  if (address === undefined) throw new NotFoundError('No address to confirm: the recipient has no profile');
  if (state.suppressions.some((s) => s.reason === 'bounce' || s.reason === 'complaint')) {
    deps.log.info('confirmation not sent: the address is suppressed', { recipientKey: claims.recipientKey });
    return { undeliverable: true };
  }

  const now = deps.clock.now();
  const until = new Date(now.getTime() + tenant.settings.confirmation.windowHours * 3_600_000);
  const claimed = new Set(
    await deps.store.claimConfirmation(
      tenant.id,
      claims.recipientKey,
      asked.map((p) => p.purpose),
      now,
      until,
    ),
  );
  if (claimed.size === 0) {
    deps.log.info('confirmation not sent again within the window', { recipientKey: claims.recipientKey });
    return { alreadySent: true };
  }
  // Purposes whose confirmation is already pending are not asked again in this mail.
  const purposes = asked.filter((p) => claimed.has(p.purpose));
  const chosen = ticked.filter((p) => claimed.has(p.id));
  try {
    return await mailConfirmation(deps, link, { purposes, chosen, address, now, proof, lang });
  } catch (error) {
    // Nothing was mailed: the person may ask again at once.
    await deps.store
      .releaseConfirmation(tenant.id, claims.recipientKey, [...claimed], until)
      .catch((e: Error) => deps.log.error('confirmation claim not released', { error: e.name }));
    throw error;
  }
}

async function mailConfirmation(
  deps: Dependencies,
  link: Extract<ConsentLink, { kind: 'consent' }>,
  input: {
    purposes: PendingConsent['purposes'];
    chosen: Purpose[];
    address: string;
    now: Date;
    proof: RecipientProof;
    lang: Lang;
  },
): Promise<{ pending: PendingConsent }> {
  const { tenant, claims } = link;
  const { purposes, chosen, address, now, proof, lang } = input;
  const expiresAt = expiryFor('confirm', now);
  const pending: PendingConsent = {
    id: randomUUID(),
    channel: claims.channel,
    purposes,
    givenAt: now.toISOString(),
    source: SOURCE,
    ip: proof.ip,
    userAgent: proof.userAgent,
    expiresAt: new Date(expiresAt * 1000).toISOString(),
  };
  await deps.store.putPendingConsent(tenant.id, claims.recipientKey, pending);
  const keys = await deps.keys.load();
  const confirmUrl = `${deps.publicBaseUrl.replace(/\/$/, '')}/c/${signPageToken(
    {
      kind: 'confirm',
      tenant: tenant.id,
      recipientKey: claims.recipientKey,
      channel: claims.channel,
      expiresAt,
      pendingId: pending.id,
    },
    keys,
  )}`;
  const from = confirmationSender(tenant);
  const names = chosen.map((p) => p.name).join(', ');
  const mail = confirmationMail(lang, tenant.name, names, confirmUrl);
  const providerMessageId = await deps.email.send({
    from,
    to: address,
    subject: mail.subject,
    text: mail.text,
    headers: [],
    tags: [
      { name: 'tenant', value: tenant.id },
      { name: 'purpose', value: 'double-opt-in' },
    ],
  });
  const sentAt = deps.clock.now().toISOString();
  await deps.store.putMessage(tenant.id, claims.recipientKey, {
    messageId: pending.id,
    providerMessageId,
    channel: 'email',
    purpose: 'double-opt-in',
    category: 'transactional',
    basis: 'contract',
    proof: { type: 'purpose', ref: 'double_opt_in', detail: 'confirmation asked for on the consent page' },
    from,
    decidedAt: pending.givenAt,
    sentAt,
    senderKeyId: 'consent-page',
  });
  await recordChanges(
    deps,
    { tenantId: tenant.id, recipientKey: claims.recipientKey, channel: claims.channel },
    [
      {
        type: 'consent.requested',
        actor: { type: 'recipient', id: 'consent_page' },
        why: 'R3: double opt-in confirmation sent',
        at: pending.givenAt,
        data: { pendingId: pending.id, purposes: purposes.map((p) => p.purpose) },
      },
    ],
  );
  return { pending };
}

/** The From of confirmation mails: the tenant's first identity (an address, or no-reply@ a domain). */
export function confirmationSender(tenant: Tenant): string {
  const identity = tenant.emailIdentities[0];
  if (identity === undefined) throw new NotFoundError('The tenant has no email identity to send from');
  return identity.includes('@') ? identity : `no-reply@${identity}`;
}

/** GET /c/{token} (confirm kind): what is about to be confirmed; changes nothing (link scanners prefetch). */
export async function describeConfirmation(
  deps: Dependencies,
  link: Extract<ConsentLink, { kind: 'confirm' }>,
): Promise<{ pending: PendingConsent; purposes: Purpose[] } | undefined> {
  const pending = await deps.store.getPendingConsent(
    link.tenant.id,
    link.claims.recipientKey,
    link.claims.pendingId,
  );
  if (pending === undefined) return undefined;
  return {
    pending,
    purposes: pending.purposes.flatMap((p) => own(link.tenant.purposes, p.purpose) ?? []),
  };
}

/**
 * POST /c/{token} (confirm kind): the consents take effect, method `double_opt_in`, with
 * the time they were ticked and the time they were confirmed. Idempotent: a consent's id
 * derives from the pending request, so a second click rewrites the same consent.
 */
export async function confirmConsent(
  deps: Dependencies,
  link: Extract<ConsentLink, { kind: 'confirm' }>,
  proof: RecipientProof,
): Promise<{ purposes: Purpose[] } | undefined> {
  const described = await describeConfirmation(deps, link);
  if (described === undefined) return undefined;
  const { pending } = described;
  const { tenant, claims } = link;
  const now = deps.clock.now().toISOString();
  const changes: Change[] = [];
  const writes: StateWrite[] = [];
  for (const p of pending.purposes) {
    const grant = {
      id: `doi-${pending.id}-${p.purpose}`,
      givenAt: pending.givenAt,
      confirmedAt: now,
      method: 'double_opt_in' as const,
      wordingVersion: p.wordingVersion,
      wordingSha256: p.wordingSha256,
      source: pending.source,
      confirmedIp: proof.ip,
      confirmedUserAgent: proof.userAgent,
      controllers: [tenant.name],
      explicit: true,
      preTicked: false,
      ip: pending.ip,
      userAgent: pending.userAgent,
      recordedAt: now,
    };
    writes.push({ kind: 'consent', purpose: p.purpose, grant });
    changes.push({
      type: 'consent.given',
      actor: { type: 'recipient', id: 'consent_page' },
      why: 'R1/R3: double opt-in confirmed',
      at: now,
      data: {
        purpose: p.purpose,
        consentId: grant.id,
        method: grant.method,
        givenAt: grant.givenAt,
        confirmedAt: now,
      },
      publish: {
        detailType: 'Consent Given',
        detail: {
          purpose: p.purpose,
          consentId: grant.id,
          method: grant.method,
          wordingVersion: grant.wordingVersion,
          confirmedAt: now,
          valid: true,
        },
      },
    });
  }
  // R3/R15: every purpose confirmed and its event, in one transaction.
  await recordChanges(
    deps,
    { tenantId: tenant.id, recipientKey: claims.recipientKey, channel: claims.channel },
    changes,
    writes,
  );
  return { purposes: described.purposes };
}

/** R3: the double opt-in email, in the page's language. */
export function confirmationMail(
  lang: Lang,
  brand: string,
  names: string,
  confirmUrl: string,
): { subject: string; text: string } {
  return lang === 'fr'
    ? frenchSpacingOf({
        subject: `Confirmez votre inscription – ${brand}`,
        text: `Bonjour,\n\nPour confirmer que vous souhaitez recevoir « ${names} » de ${brand}, ouvrez ce lien :\n${confirmUrl}\n\nSi vous n’êtes pas à l’origine de cette demande, ignorez ce message : rien ne vous sera envoyé.`,
      })
    : {
        subject: `Confirm your subscription – ${brand}`,
        text: `Hello,\n\nTo confirm that you want to receive “${names}” from ${brand}, open this link:\n${confirmUrl}\n\nIf you did not ask for this, ignore this message: nothing will be sent to you.`,
      };
}
