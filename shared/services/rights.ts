import { randomUUID } from 'node:crypto';
import { own } from '../domain/own';
import { recipientKey as keyOf } from '../domain/recipient-key';
import { sentMessagesOf } from '../domain/sent-messages';
import { expiryFor, freshLinkClaims, signPageToken } from '../domain/unsubscribe-token';
import { NotFoundError } from '../ports/gateway-store';
import { type Actor, AUDIT_TYPES_KEPT_AFTER_ERASURE } from '../schemas/audit';
import type { Objection, RecipientProfile, RecipientState } from '../schemas/recipient';
import type { Dependencies } from './dependencies';
import { recordChanges } from './record-change';

/** R15: data-subject rights, for the admin API and the preference centre alike. */

function isEmpty(state: RecipientState): boolean {
  return (
    state.profile === undefined &&
    Object.keys(state.consents).length === 0 &&
    state.objections.length === 0 &&
    state.suppressions.length === 0
  );
}

/**
 * R15 access and portability: everything held about the recipient as one JSON
 * document: profile, consents with their proof, objections, suppressions, every message
 * sent with its basis and proof, and the audit trail (which holds the rejected decisions).
 */
export async function exportRecipient(
  deps: Dependencies,
  tenantId: string,
  recipientKey: string,
  actor: Actor,
) {
  const tenant = await deps.tenants.getTenant(tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${tenantId} not found`);
  const state = await deps.store.getRecipientState(tenantId, recipientKey);
  const [records, audit] = await Promise.all([
    deps.store.listMessages(tenantId, recipientKey),
    deps.store.listAudit(tenantId, recipientKey),
  ]);
  // A send's record is its `decision.sent` event (one write per send); message items remain
  // from earlier versions and the paths that still write one.
  const messages = sentMessagesOf(audit, records);
  if (isEmpty(state) && messages.length === 0 && audit.length === 0) {
    throw new NotFoundError('No recipient with this key in this tenant');
  }
  await recordChanges(deps, { tenantId, recipientKey, channel: state.profile?.channel ?? 'email' }, [
    { type: 'data.exported', actor, why: 'R15: access and portability', data: {} },
  ]);
  return {
    format: 'consent-gate.recipient-export',
    version: 1,
    exportedAt: deps.clock.now().toISOString(),
    controller: { tenant: tenant.id, name: tenant.name, controllerNames: tenant.controllerNames },
    recipientKey,
    profile: state.profile ?? null,
    consents: Object.values(state.consents).map((c) => ({
      ...c,
      purposeName: own(tenant.purposes, c.purpose)?.name,
      wording:
        c.grant?.wordingVersion === undefined ? undefined : own(tenant.wordings, c.grant.wordingVersion),
    })),
    objections: state.objections,
    suppressions: state.suppressions,
    messages,
    auditTrail: audit,
  };
}

export async function auditTrail(deps: Dependencies, tenantId: string, recipientKey: string) {
  const events = await deps.store.listAudit(tenantId, recipientKey);
  if (events.length === 0) throw new NotFoundError('No audit trail for this key in this tenant');
  return { recipientKey, events };
}

export interface ErasureProof {
  readonly source: string;
  readonly ip?: string;
  readonly userAgent?: string;
}

/**
 * R15 erasure, R11 opposition list. Order matters for failing closed: the objection to
 * all marketing is written first, so that a failure halfway leaves the recipient blocked,
 * never reachable. Then everything is deleted except the objections and suppressions
 * (keyed hash, scope, date, proof) and the audit events that prove them and the erasure.
 * A later import of the same address lands on the same keyed hash and stays blocked (R7).
 */
export async function eraseRecipient(
  deps: Dependencies,
  tenantId: string,
  recipientKey: string,
  actor: Actor,
  proof: ErasureProof,
) {
  const state = await deps.store.getRecipientState(tenantId, recipientKey);
  const messages = await deps.store.listMessages(tenantId, recipientKey);
  // A send leaves its decision in the trail and no message item: a recipient only ever sent
  // transactional messages (no state) is found by its trail.
  if (
    isEmpty(state) &&
    messages.length === 0 &&
    (await deps.store.listAudit(tenantId, recipientKey)).length === 0
  ) {
    throw new NotFoundError('No recipient with this key in this tenant');
  }
  const channel = state.profile?.channel ?? 'email';
  const now = deps.clock.now().toISOString();
  const objection: Objection = {
    id: `erasure-${randomUUID()}`,
    scope: { type: 'channel' },
    at: now,
    method: 'erasure_request',
    source: proof.source,
    ip: proof.ip,
    userAgent: proof.userAgent,
    recordedAt: now,
  };
  const target = { tenantId, recipientKey, channel };
  await recordChanges(
    deps,
    target,
    [
      {
        type: 'objection.recorded',
        actor,
        why: 'R11/R15: erasure request; the opposition entry outlives the data',
        at: now,
        data: { objectionId: objection.id, scope: objection.scope, method: objection.method },
        publish: {
          detailType: 'Objection Recorded',
          detail: { objectionId: objection.id, scope: objection.scope, method: objection.method },
        },
      },
    ],
    [{ kind: 'objection', objection }],
  );
  const deleted = await deps.store.eraseRecipient(tenantId, recipientKey, AUDIT_TYPES_KEPT_AFTER_ERASURE);
  await recordChanges(deps, target, [
    {
      type: 'recipient.erased',
      actor,
      why: 'R15: right to erasure',
      at: now,
      data: { deletedItems: deleted, kept: ['objections', 'suppressions', 'their audit events'] },
      publish: { detailType: 'Recipient Erased', detail: {} },
    },
  ]);
  deps.log.info('recipient erased', { recipientKey, deletedItems: deleted });
  return {
    recipientKey,
    erasedAt: now,
    deletedItems: deleted,
    opposition: { scope: objection.scope, at: now },
  };
}

/**
 * Links a tenant hands to a person (sign-up, repermission, "manage my preferences"). The
 * tenant is the controller and authenticates the person its own way: a preferences link
 * minted here is a *fresh* link (R15: it opens the data, export, erasure and records
 * consents with `proof.link: tenant_link`), valid `confirmation.freshLinkHours`, and must
 * be given only to the person (behind their login, or mailed to the address).
 */
export async function createLink(
  deps: Dependencies,
  tenantId: string,
  input: {
    address: string;
    kind: 'preferences' | 'consent';
    purposes?: string[];
  },
  actor: Actor,
) {
  const [tenant, keys] = await Promise.all([deps.tenants.getTenant(tenantId), deps.keys.load()]);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${tenantId} not found`);
  for (const purpose of input.purposes ?? []) {
    if (own(tenant.purposes, purpose) === undefined)
      throw new NotFoundError(`Purpose "${purpose}" is not declared`);
  }
  const key = keyOf(keys.hashKey, tenantId, 'email', input.address);
  const state = await deps.store.getRecipientState(tenantId, key);
  const now = deps.clock.now();
  if (state.profile === undefined && input.kind === 'consent') {
    // The double opt-in mail needs somewhere to go: a sign-up starts a minimal prospect
    // profile. Nothing in it claims the person was informed (R5) or offered an opt-out
    // (R2, R4): until they confirm a consent, nothing but that confirmation may be sent.
    const profile: RecipientProfile = {
      channel: 'email',
      address: input.address,
      audience: 'consumer',
      collection: {
        at: now.toISOString(),
        source: 'consent page',
        duringSale: false,
        informed: false,
        optOutOffered: false,
      },
      purchases: [],
      professionalTopics: [],
      needsRepermission: false,
      updatedAt: now.toISOString(),
    };
    await recordChanges(
      deps,
      { tenantId, recipientKey: key, channel: 'email' },
      [
        {
          type: 'profile.updated',
          actor,
          why: 'consent page link for a new address',
          data: { audience: 'consumer' },
        },
      ],
      [{ kind: 'profile', profile }],
    );
  }
  const fresh = freshLinkClaims(
    { tenant: tenantId, recipientKey: key, channel: 'email' },
    'tenant',
    now,
    tenant.settings.confirmation.freshLinkHours,
  );
  const expiresAt = input.kind === 'preferences' ? fresh.expiresAt : expiryFor(input.kind, now);
  const token =
    input.kind === 'preferences'
      ? signPageToken(fresh, keys)
      : signPageToken(
          {
            kind: 'consent',
            tenant: tenantId,
            recipientKey: key,
            channel: 'email',
            expiresAt,
            ...(input.purposes && input.purposes.length > 0 ? { purposes: input.purposes } : {}),
          },
          keys,
        );
  const path = input.kind === 'preferences' ? 'p' : 'c';
  return {
    recipientKey: key,
    kind: input.kind,
    url: `${deps.publicBaseUrl.replace(/\/$/, '')}/${path}/${token}`,
    expiresAt: new Date(expiresAt * 1000).toISOString(),
  };
}
