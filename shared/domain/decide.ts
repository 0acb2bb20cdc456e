import type { ConsentRecord, Objection, RecipientState } from '../schemas/recipient';
import type { Purpose, Tenant } from '../schemas/tenant';
import { type Basis, type Channel, invalidConsentMethods } from '../schemas/vocabulary';
import { emailDomain, isRoleAddress } from './address';
import { earlierMs, instantMs, isoOf, laterMs } from './instant';
import { own } from './own';
import { regionOf } from './phone';
import { type Failure, failure } from './reasons';
import { addDays, DAY_MS, lastPurchaseMs, retentionEndMs } from './retention';
import { nextOpenSlot } from './sms-hours';
import { effectiveSenderType } from './sms-sender';

/**
 * The decision: one pure function of (message, recipient state, tenant, now) that
 * applies R1–R13 of docs/rules.md in its order of checks. No I/O, no clock, no AWS.
 */
export interface DecisionInput {
  readonly tenant: Tenant;
  readonly channel: Channel;
  readonly purposeId: string;
  /** Normalised sender address (email) or sender id (SMS). */
  readonly from: string;
  /** Normalised recipient address. */
  readonly to: string;
  readonly recipient: RecipientState;
  readonly now: Date;
}

/** What an allowed message rests on, so that it can be justified later. */
export interface ProofRef {
  readonly type: 'consent' | 'purchase' | 'collection' | 'role_address' | 'purpose' | 'repermission';
  /** Id of the consent, order reference, or purpose id. */
  readonly ref?: string;
  readonly at?: string;
  readonly detail?: string;
}

export type Decision =
  | { readonly outcome: 'allowed'; readonly basis: Basis; readonly proof: ProofRef }
  | { readonly outcome: 'rejected'; readonly failures: readonly Failure[] }
  /** R14: allowed, but not before `notBefore` (the next open slot of the SMS window). */
  | {
      readonly outcome: 'deferred';
      readonly basis: Basis;
      readonly proof: ProofRef;
      readonly notBefore: Date;
      readonly failures: readonly Failure[];
    };

type BasisResult = { ok: true; basis: Basis; proof: ProofRef } | { ok: false; failures: Failure[] };

const MARKETING_LIKE = new Set(['marketing', 'profiling', 'non_commercial', 'repermission']);
/** R3's invalid methods, as a set: a decision asks once per consent. */
const INVALID_METHODS: ReadonlySet<string> = new Set(invalidConsentMethods);

export function decide(input: DecisionInput): Decision {
  const { tenant, recipient, now } = input;
  // Instants compared as numbers: comparing two Dates converts each to a primitive first.
  const nowMs = now.getTime();
  const purpose = own(tenant.purposes, input.purposeId);

  // 1. The purpose is declared, the sender identity is allowed (R10).
  if (purpose === undefined) {
    return reject([failure('unknown_purpose', undefined, `Purpose "${input.purposeId}" is not declared`)]);
  }
  const failures: Failure[] = [];
  const senderProblem = senderCheck(input, purpose);
  if (senderProblem) failures.push(failure('sender_not_allowed', 'R10', senderProblem));

  // 2. Suppressions (R8). A hard bounce stops every category; a complaint stops all but
  // transactional (R6: no objection check for contract messages).
  if (recipient.suppressions.some((s) => s.reason === 'bounce')) {
    failures.push(failure('suppressed_bounce', 'R8', 'The address hard-bounced'));
  }
  if (purpose.category === 'transactional') {
    // R6: rests on the contract; logged with its purpose by the caller.
    return failures.length > 0
      ? reject(failures)
      : { outcome: 'allowed', basis: 'contract', proof: { type: 'purpose', ref: purpose.id } };
  }
  if (recipient.suppressions.some((s) => s.reason === 'complaint')) {
    failures.push(failure('suppressed_complaint', 'R8', 'The recipient complained (spam report)'));
  }
  // Mailbox provider thresholds (docs/rules.md, no rule id): the tenant's email complaint rate
  // crossed the hold threshold; every email but transactional waits until an admin lifts it.
  if (tenant.hold !== undefined && input.channel === 'email') {
    failures.push(
      failure(
        'complaint_rate_hold',
        undefined,
        `Marketing email is held since ${tenant.hold.since}: complaint rate ${(tenant.hold.rate * 100).toFixed(2)}% over ${tenant.hold.windowDays} days`,
      ),
    );
  }

  // 3. Objections (R7), retention (R9), sensitive purposes (R12).
  const consent = own(recipient.consents, purpose.id);
  const consentCheck = checkConsent(consent, tenant);
  if (MARKETING_LIKE.has(purpose.category)) {
    const objection = blockingObjection(
      recipient.objections,
      purpose.id,
      consentCheck.ok ? consentCheck : undefined,
    );
    if (objection) {
      failures.push(
        failure('objection', 'R7', `The recipient objected (${describeScope(objection)}) on ${objection.at}`),
      );
    }
  }
  // Read once: R9 here, R2 in softOptIn.
  const lastPurchase = lastPurchaseMs(recipient);
  const end = retentionEndMs(recipient, tenant.settings, lastPurchase);
  if (end !== undefined && nowMs > end) {
    failures.push(
      lastPurchase === undefined
        ? failure(
            'prospect_expired',
            'R9',
            'The prospect is past retention: no activity within the retention period',
          )
        : failure('customer_lapsed', 'R9', 'The customer relationship is past retention'),
    );
  }
  if (purpose.sensitive && !(consentCheck.ok && consent?.grant?.explicit === true)) {
    failures.push(
      failure(
        'explicit_consent_required',
        'R12',
        'A sensitive purpose needs explicit consent for that purpose',
      ),
    );
  }

  // 4. Bases, in order: consent, soft opt-in, professional, non-commercial, repermission.
  const basis = findBasis(input, purpose, consentCheck, end, lastPurchase);
  if (failures.length === 0 && basis.ok) {
    // 5. R14, last, for a message otherwise allowed: marketing SMS wait for the window.
    if (input.channel === 'sms') {
      const notBefore = nextOpenSlot(now, regionOf(input.to), tenant.settings.sms.window);
      if (notBefore === undefined) {
        return reject([failure('quiet_hours', 'R14', 'The SMS window never opens in the next two weeks')]);
      }
      const notBeforeMs = notBefore.getTime();
      if (notBeforeMs > nowMs) {
        return {
          outcome: 'deferred',
          basis: basis.basis,
          proof: basis.proof,
          notBefore,
          failures: [
            failure(
              'quiet_hours',
              'R14',
              `Outside the SMS sending window; deferred to ${isoOf(notBeforeMs)}`,
            ),
          ],
        };
      }
    }
    return { outcome: 'allowed', basis: basis.basis, proof: basis.proof };
  }
  if (!basis.ok) {
    for (const f of basis.failures) if (!failures.some((g) => g.reason === f.reason)) failures.push(f);
  }
  return reject(failures);
}

function reject(failures: Failure[]): Decision {
  return { outcome: 'rejected', failures };
}

/** R10: the sender's identity must be clear; returns what is wrong, if anything. */
function senderCheck(input: DecisionInput, purpose: Purpose): string | undefined {
  const { tenant, from } = input;
  if (input.channel === 'email') {
    const address = from.toLowerCase();
    const domain = emailDomain(from);
    for (const identity of tenant.emailIdentities) {
      const declared = identity.toLowerCase();
      if (declared === address || declared === domain) return undefined;
    }
    return `Sender "${from}" is not a declared identity`;
  }
  const sender = own(tenant.smsSenders, from);
  if (sender === undefined) return `SMS sender "${from}" is not declared`;
  // Marketing SMS to consumers only from a short code or an alphanumeric sender (ARCEP, 2019).
  // The id is read, not the declared type: a phone number stored as short_code is a long code.
  const toConsumer = input.recipient.profile?.audience !== 'professional';
  const type = effectiveSenderType(sender, tenant.settings.sms.defaultRegion);
  if (type === 'long_code' && purpose.category !== 'transactional' && toConsumer) {
    const declared = sender.type === 'long_code' ? '' : ` (declared ${sender.type}, but it is a long code)`;
    return `Marketing SMS to consumers must come from a short code or an alphanumeric sender, not the number "${from}"${declared}`;
  }
  return undefined;
}

function describeScope(objection: Objection): string {
  return objection.scope.type === 'purpose'
    ? `purpose ${objection.scope.purpose}`
    : 'all marketing on this channel';
}

/**
 * R7: when an objection took hold: the later of the time it was given and the time it was
 * recorded ("never reopened by evidence dated before it was recorded").
 */
export function objectionInstantMs(objection: Pick<Objection, 'at' | 'recordedAt'>): number {
  return laterMs(objection.at, objection.recordedAt);
}

/**
 * R7 (and R3 for withdrawals): when a consent can count from: the earlier of the time it
 * says it was given and the time it was recorded. A `givenAt` in the future (stored before
 * future dates were refused) thus counts from its recording, never from 2099.
 */
export function consentInstantMs(grant: { givenAt?: string; recordedAt?: string }): number {
  return earlierMs(grant.givenAt, grant.recordedAt);
}

/**
 * R7: an objection blocks its scope until a new, explicit consent for a purpose re-opens
 * that purpose alone, and only a consent both given and recorded after the objection took
 * hold: a tie goes to the objection (a false block costs one email; a missed objection is
 * a sanction).
 */
function blockingObjection(
  objections: readonly Objection[],
  purposeId: string,
  consent: { givenAt: string; recordedAt?: string } | undefined,
): Objection | undefined {
  if (objections.length === 0) return undefined;
  const consentMs = consent === undefined ? Number.NEGATIVE_INFINITY : consentInstantMs(consent);
  return objections.find(
    (o) =>
      (o.scope.type === 'channel' || o.scope.purpose === purposeId) &&
      // NaN (an unreadable date) never lets a consent through: only a consent provably later does.
      !(consentMs > objectionInstantMs(o)),
  );
}

type ConsentCheck =
  | { ok: true; givenAt: string; recordedAt?: string; id: string }
  | { ok: false; failures: Failure[] };

/** R1 and R3: a consent counts only when present, not withdrawn, validly collected and provable. */
export function checkConsent(record: ConsentRecord | undefined, tenant: Tenant): ConsentCheck {
  const grant = record?.grant;
  if (grant === undefined) {
    return record?.withdrawal
      ? {
          ok: false,
          failures: [failure('consent_withdrawn', 'R3', 'The consent for this purpose was withdrawn')],
        }
      : {
          ok: false,
          failures: [failure('consent_missing', 'R1', 'No consent for this purpose on this channel')],
        };
  }
  // The lists below are made only when a problem is found: a valid consent allocates none.
  let failures: Failure[] | undefined;
  // R3, as R7 for objections: a withdrawal stands unless the grant was both given and
  // recorded after it took hold; a tie keeps it withdrawn.
  if (
    record?.withdrawal &&
    grant.givenAt !== undefined &&
    !(consentInstantMs(grant) > laterMs(record.withdrawal.at, record.withdrawal.recordedAt))
  ) {
    failures = [failure('consent_withdrawn', 'R3', `The consent was withdrawn on ${record.withdrawal.at}`)];
  }
  let invalid: string[] | undefined;
  if (grant.method !== undefined && INVALID_METHODS.has(grant.method)) {
    invalid = [`method "${grant.method}" is not a valid consent`];
  }
  if (grant.preTicked) invalid = add(invalid, 'the box was pre-ticked');
  if (
    grant.controllers !== undefined &&
    grant.controllers.length > 0 &&
    !namesTenant(grant.controllers, tenant)
  ) {
    invalid = add(invalid, 'the tenant was not named as controller');
  }
  if (invalid !== undefined)
    failures = add(failures, failure('consent_invalid', 'R3', `Invalid consent: ${invalid.join('; ')}`));

  let missing: string[] | undefined;
  if (grant.givenAt === undefined) missing = ['time'];
  if (grant.method === undefined) missing = add(missing, 'method');
  if (grant.wording === undefined && grant.wordingVersion === undefined) missing = add(missing, 'wording');
  if (grant.wordingVersion !== undefined && own(tenant.wordings, grant.wordingVersion) === undefined) {
    missing = add(missing, `wording version "${grant.wordingVersion}" (not declared)`);
  }
  if (grant.source === undefined) missing = add(missing, 'source');
  if (grant.controllers === undefined || grant.controllers.length === 0)
    missing = add(missing, 'controllers named');
  if (grant.method === 'double_opt_in' && grant.confirmedAt === undefined)
    missing = add(missing, 'double opt-in confirmation');
  if (missing !== undefined)
    failures = add(failures, failure('consent_unproven', 'R3', `Consent proof lacks: ${missing.join(', ')}`));

  return failures !== undefined || grant.givenAt === undefined
    ? { ok: false, failures: failures ?? [] }
    : { ok: true, givenAt: grant.givenAt, recordedAt: grant.recordedAt, id: grant.id };
}

/** A list with one more item, made on the first (checkConsent allocates no list for a valid consent). */
function add<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  list.push(item);
  return list;
}

function namesTenant(controllers: readonly string[], tenant: Tenant): boolean {
  // No set built per call: a grant names one or two controllers, a tenant two or three names.
  const id = tenant.id.trim().toLowerCase();
  const name = tenant.name.trim().toLowerCase();
  for (const c of controllers) {
    const named = c.trim().toLowerCase();
    if (named === id || named === name) return true;
    for (const n of tenant.controllerNames) if (n.trim().toLowerCase() === named) return true;
  }
  return false;
}

function findBasis(
  input: DecisionInput,
  purpose: Purpose,
  consent: ConsentCheck,
  end: number | undefined,
  lastPurchase: number | undefined,
): BasisResult {
  const grant = own(input.recipient.consents, purpose.id)?.grant;
  if (consent.ok && (!purpose.sensitive || grant?.explicit === true)) {
    return { ok: true, basis: 'consent', proof: { type: 'consent', ref: consent.id, at: consent.givenAt } };
  }
  const failures: Failure[] = consent.ok ? [] : [...consent.failures];
  // R12: soft opt-in, legitimate interest and the non-commercial exemption never apply to a sensitive purpose.
  if (purpose.sensitive) return { ok: false, failures };

  const profile = input.recipient.profile;
  switch (purpose.category) {
    case 'marketing':
    case 'profiling': {
      if (profile?.audience === 'professional') {
        const b2b = legitimateInterestB2b(input, purpose);
        if (b2b.ok) return b2b;
        return { ok: false, failures: [...failures, ...b2b.failures] };
      }
      const soft = softOptIn(input, purpose, lastPurchase);
      if (soft.ok) return soft;
      return { ok: false, failures: [...failures, ...soft.failures] };
    }
    case 'non_commercial': {
      // R5: informed at collection and not objected (objections were checked in step 3).
      if (profile?.collection?.informed) {
        return {
          ok: true,
          basis: 'non_commercial',
          proof: { type: 'collection', at: profile.collection.at, detail: profile.collection.source },
        };
      }
      return {
        ok: false,
        failures: [...failures, failure('not_informed_at_collection', 'R5', 'Not informed at collection')],
      };
    }
    case 'repermission':
      return repermission(input, purpose, end);
    case 'transactional':
      return { ok: true, basis: 'contract', proof: { type: 'purpose', ref: purpose.id } };
  }
}

/** R2: soft opt-in for an existing customer, for products like those they bought. */
function softOptIn(input: DecisionInput, purpose: Purpose, lastPurchase: number | undefined): BasisResult {
  const profile = input.recipient.profile;
  const notApplicable = (why: string): BasisResult => ({
    ok: false,
    failures: [failure('soft_opt_in_not_applicable', 'R2', `Soft opt-in does not apply: ${why}`)],
  });
  if (purpose.category === 'profiling') return notApplicable('profiling purposes need consent');
  if (profile === undefined || profile.purchases.length === 0)
    return notApplicable('the recipient is not a customer');
  if (!profile.collection?.duringSale) return notApplicable('the address was not collected during a sale');
  if (!profile.collection.optOutOffered) return notApplicable('no opt-out was offered at collection');
  if (purpose.productFamily === undefined) return notApplicable('the purpose names no product family');
  // The latest purchase of the family, the first of them on a tie (as a stable sort, newest
  // first, would put it), without filtering and sorting a copy.
  let matching: (typeof profile.purchases)[number] | undefined;
  let matchingMs = Number.NaN;
  for (const p of profile.purchases) {
    if (p.productFamily !== purpose.productFamily) continue;
    const at = instantMs(p.at);
    if (matching === undefined || at > matchingMs) {
      matching = p;
      matchingMs = at;
    }
  }
  if (matching === undefined) {
    return notApplicable(`no purchase in product family "${purpose.productFamily}"`);
  }
  if (
    lastPurchase === undefined ||
    input.now.getTime() > lastPurchase + input.tenant.settings.customerRetentionDays * DAY_MS
  ) {
    return {
      ok: false,
      failures: [
        failure('customer_lapsed', 'R2', 'The customer relationship has lapsed (last purchase too old)'),
      ],
    };
  }
  return {
    ok: true,
    basis: 'soft_opt_in',
    proof: { type: 'purchase', ref: matching.ref, at: matching.at, detail: matching.productFamily },
  };
}

/** R4: a professional's work address, informed and able to object, for a job-related purpose. */
function legitimateInterestB2b(input: DecisionInput, purpose: Purpose): BasisResult {
  const profile = input.recipient.profile;
  if (input.channel === 'email' && isRoleAddress(input.to)) {
    return { ok: true, basis: 'legitimate_interest_b2b', proof: { type: 'role_address' } };
  }
  const failures: Failure[] = [];
  const collection = profile?.collection;
  if (!collection?.informed || !collection.optOutOffered) {
    failures.push(
      failure('not_informed_at_collection', 'R4', 'Not informed and offered an opt-out at collection'),
    );
  }
  const topics = new Set((profile?.professionalTopics ?? []).map((t) => t.toLowerCase()));
  if (!purpose.topics.some((t) => topics.has(t.toLowerCase()))) {
    failures.push(
      failure('not_job_related', 'R4', "The purpose does not relate to the recipient's profession"),
    );
  }
  if (failures.length > 0 || collection === undefined) return { ok: false, failures };
  return {
    ok: true,
    basis: 'legitimate_interest_b2b',
    proof: { type: 'collection', at: collection.at, detail: collection.source },
  };
}

/**
 * R13: repermission only to a recipient with a record here: a legacy opt-in marked for
 * repermission, or a prospect in the last days of retention; at most the tenant's number
 * of times per purpose (default once). Objections, complaints and bounces were refused in
 * steps 2 and 3.
 */
function repermission(input: DecisionInput, purpose: Purpose, endMs: number | undefined): BasisResult {
  const profile = input.recipient.profile;
  const asked = own(input.recipient.repermissions, purpose.id)?.count ?? 0;
  const max = input.tenant.settings.repermissionMaxPerPurpose;
  if (asked >= max) {
    return {
      ok: false,
      failures: [
        failure(
          'repermission_not_allowed',
          'R13',
          `Already asked ${asked} time(s) for this purpose; at most ${max}`,
        ),
      ],
    };
  }
  if (profile?.needsRepermission) {
    return { ok: true, basis: 'repermission', proof: { type: 'repermission', detail: 'needs_repermission' } };
  }
  const end = endMs === undefined ? undefined : new Date(endMs);
  const windowStart =
    end === undefined ? undefined : addDays(end.toISOString(), -input.tenant.settings.repermissionWindowDays);
  if (
    profile !== undefined &&
    end !== undefined &&
    windowStart !== undefined &&
    input.now >= windowStart &&
    input.now <= end
  ) {
    return {
      ok: true,
      basis: 'repermission',
      proof: { type: 'repermission', detail: 'retention_window', at: end.toISOString() },
    };
  }
  return {
    ok: false,
    failures: [
      failure(
        'repermission_not_allowed',
        'R13',
        'Repermission needs a legacy opt-in marked for it, or a prospect in the last days of retention',
      ),
    ],
  };
}
