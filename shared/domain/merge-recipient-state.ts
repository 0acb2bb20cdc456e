import type { ConsentRecord, RecipientProfile, RecipientState } from '../schemas/recipient';
import { laterMs } from './instant';

/**
 * One recipient's state stored under two keys (the case-folded key and the legacy
 * case-preserving one), merged so that nothing that blocks is lost:
 * every objection and suppression of both (R7, R8, R11), per purpose the latest grant and
 * the latest withdrawal (decide.ts weighs the two, R3), the newer profile, the higher
 * repermission count (R13). Pure; the migration merges stored items with the same rules.
 */
export function mergeRecipientStates(primary: RecipientState, other: RecipientState): RecipientState {
  const consents: Record<string, ConsentRecord> = { ...primary.consents };
  for (const [purpose, record] of Object.entries(other.consents)) {
    consents[purpose] = mergeConsentRecords(consents[purpose], record);
  }
  const objectionIds = new Set(primary.objections.map((o) => o.id));
  const repermissions = { ...other.repermissions };
  for (const [purpose, r] of Object.entries(primary.repermissions ?? {})) {
    const o = repermissions[purpose];
    repermissions[purpose] =
      o === undefined
        ? r
        : { purpose, count: Math.max(r.count, o.count), lastAt: laterIso(r.lastAt, o.lastAt) };
  }
  const profile = newerProfile(primary.profile, other.profile);
  return {
    recipientKey: primary.recipientKey,
    ...(profile ? { profile } : {}),
    consents,
    objections: [...primary.objections, ...other.objections.filter((o) => !objectionIds.has(o.id))],
    suppressions: [...primary.suppressions, ...other.suppressions],
    ...(primary.repermissions || other.repermissions ? { repermissions } : {}),
  };
}

/** Per purpose: the grant recorded last, and the withdrawal that took hold last. */
export function mergeConsentRecords(a: ConsentRecord | undefined, b: ConsentRecord): ConsentRecord {
  if (a === undefined) return b;
  const grant =
    a.grant === undefined
      ? b.grant
      : b.grant === undefined
        ? a.grant
        : laterMs(a.grant.recordedAt, undefined) >= laterMs(b.grant.recordedAt, undefined)
          ? a.grant
          : b.grant;
  const withdrawal =
    a.withdrawal === undefined
      ? b.withdrawal
      : b.withdrawal === undefined
        ? a.withdrawal
        : laterMs(a.withdrawal.at, a.withdrawal.recordedAt) >=
            laterMs(b.withdrawal.at, b.withdrawal.recordedAt)
          ? a.withdrawal
          : b.withdrawal;
  return {
    purpose: a.purpose,
    ...(grant ? { grant } : {}),
    ...(withdrawal ? { withdrawal } : {}),
  };
}

export function newerProfile(
  a: RecipientProfile | undefined,
  b: RecipientProfile | undefined,
): RecipientProfile | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(b.updatedAt) > Date.parse(a.updatedAt) ? b : a;
}

function laterIso(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}
