import { type ChainBreak, type ChainVerdict, ChainVerifier, type Tombstone } from '../domain/audit-chain';
import { NotFoundError } from '../ports/gateway-store';
import { AUDIT_TYPES_KEPT_AFTER_ERASURE } from '../schemas/audit';
import type { AuditVerification } from '../schemas/audit-verify';
import type { Dependencies } from './dependencies';

/** What the chain letters stand for, as the API and the CLI name them. */
const CHAIN_NAMES = { C: 'changes', D: 'decisions' } as const;

/**
 * R15: checks a recipient's audit trail against its hash chains (shared/domain/audit-chain.ts),
 * page by page: the chain of changes to its state, anchored by the state items (each keeps
 * the link of the event that last wrote it, so a cut tail is seen), and the chain of sending
 * decisions. Events written before the chain existed are counted apart (`unchained`), never
 * silently taken as verified. A tombstone (an erasure, R11) is accepted except where the
 * content must stay: the proof of an objection, a suppression or the erasure itself; a
 * tombstone of expiry (R9: DynamoDB's TTL removed the event once its retention ended) always.
 */
export async function verifyRecipientAudit(
  deps: Pick<Dependencies, 'store'>,
  tenantId: string,
  recipientKey: string,
  now: Date = new Date(),
): Promise<AuditVerification> {
  // R9: past its retention, any event may go, the proof of an objection too (its TTL was
  // the suppression retention, R11); a tombstone of expiry says when, and an expiry yet to
  // come is no expiry (DynamoDB's TTL never removes an item before its time).
  const mayBeEmpty = (t: Tombstone) =>
    (t.expired !== undefined && Date.parse(t.expired) <= now.getTime()) ||
    !AUDIT_TYPES_KEPT_AFTER_ERASURE.includes(t.type as (typeof AUDIT_TYPES_KEPT_AFTER_ERASURE)[number]);
  const anchors = await deps.store.chainAnchors(tenantId, recipientKey);
  const verifiers = { C: new ChainVerifier(mayBeEmpty, anchors), D: new ChainVerifier(mayBeEmpty) };
  let unchained = 0;
  for await (const entry of deps.store.auditEntries(tenantId, recipientKey)) {
    // Written before the chain existed: counted and reported, never taken as verified.
    if (!entry.chained) unchained += 1;
    else verifiers[entry.chain].push(entry);
  }
  const verdicts = { C: verifiers.C.finish(), D: verifiers.D.finish() };
  const summary = (v: ChainVerdict) =>
    v.ok
      ? { ok: true as const, events: v.events, tombstones: v.tombstones, ...(v.head ? { head: v.head } : {}) }
      : { ok: false as const, checked: v.checked };
  const first = (['C', 'D'] as const).find((c) => !verdicts[c].ok);
  const result: AuditVerification = {
    recipientKey,
    ok: first === undefined,
    unchained,
    changes: summary(verdicts.C),
    decisions: summary(verdicts.D),
  };
  if (first !== undefined) {
    const verdict = verdicts[first] as Extract<ChainVerdict, { ok: false }>;
    return { ...result, break: describe(CHAIN_NAMES[first], verdict.break) };
  }
  return result;
}

function describe(
  chain: 'changes' | 'decisions',
  found: ChainBreak,
): NonNullable<AuditVerification['break']> {
  switch (found.kind) {
    case 'missing':
      return {
        chain,
        kind: found.kind,
        seq: found.seq,
        detail: `event ${found.seq} is missing (next found: ${found.found})`,
      };
    case 'out_of_order':
      return {
        chain,
        kind: found.kind,
        seq: found.seq,
        detail: `expected event ${found.seq}, found ${found.found}`,
      };
    case 'altered':
      return {
        chain,
        kind: found.kind,
        seq: found.seq,
        detail: `event ${found.seq} no longer gives its hash`,
      };
    case 'unlinked':
      return {
        chain,
        kind: found.kind,
        seq: found.seq,
        detail: `event ${found.seq} does not point at the one before it`,
      };
    case 'emptied':
      return {
        chain,
        kind: found.kind,
        seq: found.seq,
        detail: `the content of event ${found.seq} (${found.type}) must stay (R11)`,
      };
    case 'truncated':
      return {
        chain,
        kind: found.kind,
        seq: found.seq,
        detail: `the state was written by event ${found.seq}; the chain ends at ${found.last}`,
      };
    case 'rewritten':
      return {
        chain,
        kind: found.kind,
        seq: found.seq,
        detail: `the state records another hash for event ${found.seq}`,
      };
    case 'head_mismatch':
      return {
        chain,
        kind: found.kind,
        seq: found.head,
        detail: `the chain ends at ${found.last}, its head is ${found.head}`,
      };
  }
}

/**
 * Every chain of a tenant, one recipient after the other (a paged scan lists them; each
 * trail is read page by page): nothing of the tenant is held in memory but one recipient's
 * verifier. `onChecked` is called after each recipient (a progress bar).
 */
export async function verifyTenantAudit(
  deps: Pick<Dependencies, 'store'>,
  tenantId: string,
  onChecked: (verdict: AuditVerification) => void = () => {},
): Promise<{ recipients: number; broken: AuditVerification[]; unchained: number }> {
  let recipients = 0;
  let unchained = 0;
  const broken: AuditVerification[] = [];
  for await (const recipientKey of deps.store.auditedRecipients(tenantId)) {
    const verdict = await verifyRecipientAudit(deps, tenantId, recipientKey);
    recipients += 1;
    unchained += verdict.unchained;
    // Only the broken ones are kept (a tenant with many breaks is rare and worth the memory).
    if (!verdict.ok) broken.push(verdict);
    onChecked(verdict);
  }
  return { recipients, broken, unchained };
}

/** GET /v1/recipients/{key}/audit/verify: 404 for a key with no trail at all. */
export async function verifyAudit(deps: Pick<Dependencies, 'store'>, tenantId: string, recipientKey: string) {
  const verdict = await verifyRecipientAudit(deps, tenantId, recipientKey);
  const empty = (s: AuditVerification['changes']) => s.ok && s.events === 0 && s.tombstones === 0;
  if (verdict.ok && verdict.unchained === 0 && empty(verdict.changes) && empty(verdict.decisions))
    throw new NotFoundError('No audit trail for this key in this tenant');
  return verdict;
}
