import { randomUUID } from 'node:crypto';
import { grants, type LinkAction } from '../domain/link-capabilities';
import { own } from '../domain/own';
import {
  type Lang,
  type PreferenceChange,
  type PreferenceRow,
  preferenceChanges,
  preferenceRows,
  suppressionOf,
  transactionalPurposes,
  wordingFor,
} from '../domain/preferences';
import { type ManageClaims, type PreferencesClaims, verifyPageToken } from '../domain/unsubscribe-token';
import type { StateWrite } from '../ports/gateway-store';
import type { Purpose, Tenant, Wording } from '../schemas/tenant';
import { InvalidInputError } from '../schemas/validation';
import type { Dependencies } from './dependencies';
import { mailFreshLink, maskedAddressOf } from './fresh-link';
import { type Change, recordChanges } from './record-change';
import { eraseRecipient, exportRecipient } from './rights';

/** R15: the preference centre behind `/p/{token}`. */
export interface PreferenceView {
  readonly claims: ManageClaims;
  readonly tenant: Tenant;
  readonly rows: readonly (PreferenceRow & { wording: Wording })[];
  readonly transactional: readonly Purpose[];
  /** R8: the address is suppressed, so no box can be ticked whatever the person chooses. */
  readonly suppressed?: 'bounce' | 'complaint';
}

export interface RecipientProof {
  readonly ip?: string;
  readonly userAgent?: string;
}

const SOURCE = 'preference centre';

/**
 * The wordings the page shows are stored (R3: versioned, with their hash) before anyone
 * can tick a box next to them, so that a consent always points at a text the tenant holds.
 */
export async function ensureWordings(
  deps: Dependencies,
  tenant: Tenant,
  purposes: readonly Purpose[],
  lang: Lang,
): Promise<Map<string, Wording>> {
  const out = new Map<string, Wording>();
  for (const purpose of purposes) {
    const { stored, ...wording } = wordingFor(tenant, purpose, lang);
    if (!stored) {
      // Stored once (two pages opened at once): the version stored is the one shown.
      const created = { ...wording, createdAt: deps.clock.now().toISOString() };
      out.set(purpose.id, await deps.tenants.putWording(tenant.id, created));
    } else out.set(purpose.id, wording);
  }
  return out;
}

/**
 * A genuine preferences link of either kind: `manage` (fresh) or `preferences` (stale, as
 * senders put in bodies). Undefined for anything else.
 */
async function openAny(
  deps: Dependencies,
  token: string,
): Promise<{ claims: PreferencesClaims | ManageClaims; tenant: Tenant } | undefined> {
  const claims = verifyPageToken(token, await deps.keys.load(), deps.clock.now(), ['preferences', 'manage']);
  if (claims === undefined) return undefined;
  const tenant = await deps.tenants.getTenant(claims.tenant);
  if (tenant === undefined) return undefined;
  return { claims, tenant };
}

/**
 * R15 (amended): the link, only if its kind grants `action` (link-capabilities.ts). Every
 * service below opens its link through here, whatever the handler checked before.
 */
async function open(deps: Dependencies, token: string, action: 'stop_all'): ReturnType<typeof openAny>;
async function open(
  deps: Dependencies,
  token: string,
  action: Exclude<LinkAction, 'stop_all'>,
): Promise<{ claims: ManageClaims; tenant: Tenant } | undefined>;
async function open(deps: Dependencies, token: string, action: LinkAction) {
  const opened = await openAny(deps, token);
  if (opened === undefined || !grants(opened.claims.kind, action)) return undefined;
  return opened;
}

/** GET /p/{token}: what the person receives, purpose by purpose. Undefined for a link that is not genuine. */
export async function viewPreferences(
  deps: Dependencies,
  token: string,
  lang: Lang,
): Promise<PreferenceView | undefined> {
  const opened = await open(deps, token, 'view_preferences');
  if (opened === undefined) return undefined;
  const { claims, tenant } = opened;
  const state = await deps.store.getRecipientState(tenant.id, claims.recipientKey);
  const rows = preferenceRows(tenant, state, deps.clock.now());
  const wordings = await ensureWordings(
    deps,
    tenant,
    rows.map((r) => r.purpose),
    lang,
  );
  return {
    claims,
    tenant,
    rows: rows.map((row) => ({ ...row, wording: wordings.get(row.purpose.id)! })),
    transactional: transactionalPurposes(tenant),
    suppressed: suppressionOf(state),
  };
}

export interface PreferenceForm {
  readonly ticked: ReadonlySet<string>;
  readonly stopped: ReadonlySet<string>;
  /** purpose → wording version shown next to its box (hidden field of the form). */
  readonly wordings: ReadonlyMap<string, string>;
}

/**
 * POST /p/{token}, "save": each change recorded with R3's proof (time, method
 * `preference_center`, the wording version shown and its hash, IP, user agent) and, R15,
 * the fresh link it came through (`proof`: how the link reached the person, when it was
 * sent, when it was used): only a fresh link records anything.
 */
export async function savePreferences(
  deps: Dependencies,
  token: string,
  form: PreferenceForm,
  proof: RecipientProof,
): Promise<{ changes: PreferenceChange[] } | undefined> {
  const opened = await open(deps, token, 'save_preferences');
  if (opened === undefined) return undefined;
  const { claims, tenant } = opened;
  const state = await deps.store.getRecipientState(tenant.id, claims.recipientKey);
  const changes = preferenceChanges(
    preferenceRows(tenant, state, deps.clock.now()),
    form.ticked,
    form.stopped,
  );
  const now = deps.clock.now().toISOString();
  const audit: Change[] = [];
  const actor = { type: 'recipient' as const, id: 'preference_center' };
  const target = { tenantId: tenant.id, recipientKey: claims.recipientKey, channel: claims.channel };
  const writes: StateWrite[] = [];
  // Each purpose's change and its events commit in one transaction (R15): a failure halfway
  // leaves the purposes before it changed and audited, none of it unaudited.
  const flush = () => recordChanges(deps, target, audit.splice(0), writes.splice(0));
  for (const change of changes) {
    if (change.type === 'consent') {
      const version = form.wordings.get(change.purpose);
      const wording = version === undefined ? undefined : own(tenant.wordings, version);
      if (wording === undefined) {
        throw new InvalidInputError([
          { field: `wording:${change.purpose}`, problem: 'the wording shown is not a stored version' },
        ]);
      }
      const grant = {
        id: randomUUID(),
        givenAt: now,
        method: 'preference_center' as const,
        wordingVersion: wording.versionId,
        wordingSha256: wording.sha256,
        source: SOURCE,
        controllers: [tenant.name],
        // A box of its own, next to the purpose's own wording, ticked by the person: an
        // express statement (EDPB 05/2020 §4), which R12 needs for sensitive purposes.
        explicit: true,
        preTicked: false,
        ip: proof.ip,
        userAgent: proof.userAgent,
        recordedAt: now,
        // R15/R3: provable as the person's act: the link reached the address (or the tenant's own login).
        proof: {
          link: claims.via === 'email' ? ('fresh_email_link' as const) : ('tenant_link' as const),
          sentAt: new Date(claims.issuedAt * 1000).toISOString(),
          usedAt: now,
        },
      };
      writes.push({ kind: 'consent', purpose: change.purpose, grant });
      audit.push({
        type: 'consent.given',
        actor,
        why: 'R1/R3: box ticked in the preference centre',
        at: now,
        data: {
          purpose: change.purpose,
          consentId: grant.id,
          method: grant.method,
          wordingVersion: wording.versionId,
          link: grant.proof.link,
        },
        publish: {
          detailType: 'Consent Given',
          detail: {
            purpose: change.purpose,
            consentId: grant.id,
            method: grant.method,
            wordingVersion: wording.versionId,
            valid: true,
          },
        },
      });
      await flush();
      continue;
    }
    if (change.type === 'withdraw_and_object') {
      const withdrawal = {
        id: randomUUID(),
        at: now,
        method: 'preference_center',
        source: SOURCE,
        ip: proof.ip,
        userAgent: proof.userAgent,
        recordedAt: now,
      };
      writes.push({ kind: 'withdrawal', purpose: change.purpose, withdrawal });
      audit.push({
        type: 'consent.withdrawn',
        actor,
        why: 'R3: box unticked in the preference centre',
        at: now,
        data: { purpose: change.purpose, withdrawalId: withdrawal.id, method: withdrawal.method },
        publish: {
          detailType: 'Consent Withdrawn',
          detail: { purpose: change.purpose, method: withdrawal.method },
        },
      });
    }
    const objectionId = randomUUID();
    const scope = { type: 'purpose' as const, purpose: change.purpose };
    writes.push({
      kind: 'objection',
      objection: {
        id: objectionId,
        scope,
        at: now,
        method: 'preference_center',
        source: SOURCE,
        ip: proof.ip,
        userAgent: proof.userAgent,
        recordedAt: now,
      },
    });
    audit.push({
      type: 'objection.recorded',
      actor,
      why: 'R7: opted out in the preference centre',
      at: now,
      data: { objectionId, scope, method: 'preference_center' },
      publish: {
        detailType: 'Objection Recorded',
        detail: { objectionId, scope, method: 'preference_center' },
      },
    });
    await flush();
  }
  deps.log.info('preferences saved', {
    recipientKey: claims.recipientKey,
    changes: changes.map((c) => `${c.type}:${c.purpose}`),
  });
  return { changes };
}

/** POST /p/{token}, "stop all marketing": one objection to all marketing on this channel (R7). */
export async function stopAll(deps: Dependencies, token: string, proof: RecipientProof) {
  const opened = await open(deps, token, 'stop_all');
  if (opened === undefined) return undefined;
  const { claims, tenant } = opened;
  const now = deps.clock.now().toISOString();
  const objectionId = randomUUID();
  const scope = { type: 'channel' as const };
  const objection = {
    id: objectionId,
    scope,
    at: now,
    method: 'preference_center' as const,
    source: SOURCE,
    ip: proof.ip,
    userAgent: proof.userAgent,
    recordedAt: now,
  };
  await recordChanges(
    deps,
    { tenantId: tenant.id, recipientKey: claims.recipientKey, channel: claims.channel },
    [
      {
        type: 'objection.recorded',
        actor: { type: 'recipient', id: 'preference_center' },
        why: 'R7: "stop all marketing" in the preference centre',
        at: now,
        data: { objectionId, scope, method: 'preference_center' },
        publish: {
          detailType: 'Objection Recorded',
          detail: { objectionId, scope, method: 'preference_center' },
        },
      },
    ],
    [{ kind: 'objection', objection }],
  );
  return { tenant };
}

/** POST /p/{token}, "download my data", once confirmed (R15): a fresh link only. */
export async function downloadData(deps: Dependencies, token: string) {
  const opened = await open(deps, token, 'export');
  if (opened === undefined) return undefined;
  return exportRecipient(deps, opened.tenant.id, opened.claims.recipientKey, {
    type: 'recipient',
    id: 'preference_center',
  });
}

/** POST /p/{token}, "forget me", once confirmed (R15, R11): a fresh link only. */
export async function forgetMe(deps: Dependencies, token: string, proof: RecipientProof) {
  const opened = await open(deps, token, 'erase');
  if (opened === undefined) return undefined;
  await eraseRecipient(
    deps,
    opened.tenant.id,
    opened.claims.recipientKey,
    { type: 'recipient', id: 'preference_center' },
    { source: SOURCE, ...proof },
  );
  return { tenant: opened.tenant };
}

/**
 * For the handler: the link is genuine (fresh or stale) and its tenant exists; with the
 * masked address that a page reached with a stale link may show (R15).
 */
export async function describePreferencesLink(deps: Dependencies, token: string) {
  const opened = await openAny(deps, token);
  if (opened === undefined) return undefined;
  return { ...opened, maskedAddress: await maskedAddressOf(deps, opened.claims) };
}

/** POST /p/{token}, `action=preferences_link` (R15): mails a fresh link to the address. */
export async function requestFreshLink(deps: Dependencies, token: string, lang: Lang) {
  const opened = await openAny(deps, token);
  if (opened === undefined || !grants(opened.claims.kind, 'request_fresh_link')) return undefined;
  return mailFreshLink(deps, opened.claims, lang);
}
