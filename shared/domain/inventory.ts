import type { RecipientState } from '../schemas/recipient';
import type { Tenant } from '../schemas/tenant';
import type { Basis } from '../schemas/vocabulary';
import { decide } from './decide';

/**
 * The base's inventory, as the console shows it: recipients by audience; for each purpose
 * and channel, how many could be sent to now and on which basis; how many only by
 * repermission; how many are suppressed. A recipient's *standing* is the list of inventory
 * counters it adds one to, computed here from its state with the decision itself (R1–R13 in
 * their order), so that the inventory says what a send would be answered.
 *
 * What is the tenant's and not the person's is left out of a standing: the sender identity
 * (R10: any declared one), the complaint-rate hold (it holds the whole base at once; the
 * console shows it beside the figures) and the SMS hours (R14: deferred is still sendable).
 * Transactional purposes are left out too (R6: they rest on the contract, not on a basis the
 * person gave).
 *
 * Counter names: `recipients|<channel>|<audience>`, `suppressed|<channel>`,
 * `basis|<channel>|<purpose>|<basis>`, `repermissionOnly|<channel>` (only repermission
 * purposes would go: the person has a record, but no marketing basis, R13).
 */
export type StandingName = string;

/** An identity and an SMS sender that pass R10 for any tenant, so that only the person's state decides. */
const INVENTORY_FROM = { email: 'inventory@inventory.invalid', sms: 'INVENTORY' } as const;

export function standingOf(tenant: Tenant, state: RecipientState, now: Date): StandingName[] {
  const profile = state.profile;
  if (profile === undefined) return [];
  const channel = profile.channel;
  const names: StandingName[] = [`recipients|${channel}|${profile.audience}`];
  if (state.suppressions.length > 0) names.push(`suppressed|${channel}`);
  const neutral: Tenant = {
    ...tenant,
    hold: undefined,
    emailIdentities: ['inventory.invalid'],
    smsSenders: {
      [INVENTORY_FROM.sms]: {
        id: INVENTORY_FROM.sms,
        type: 'alphanumeric',
        originationIdentity: 'inventory',
      },
    },
  };
  let marketing = false;
  let repermission = false;
  for (const purpose of Object.values(tenant.purposes)) {
    if (purpose.category === 'transactional') continue;
    const decision = decide({
      tenant: neutral,
      channel,
      purposeId: purpose.id,
      from: INVENTORY_FROM[channel],
      to: profile.address,
      recipient: state,
      now,
    });
    if (decision.outcome === 'rejected') continue;
    const basis: Basis = decision.basis;
    names.push(`basis|${channel}|${purpose.id}|${basis}`);
    if (purpose.category === 'repermission') repermission = true;
    else marketing = true;
  }
  if (repermission && !marketing) names.push(`repermissionOnly|${channel}`);
  return names;
}

/** What replacing a recipient's standing `before` by `after` adds to the inventory's counters. */
export function standingDelta(
  before: readonly StandingName[],
  after: readonly StandingName[],
): Record<StandingName, number> {
  const delta: Record<StandingName, number> = {};
  const old = new Set(before);
  const next = new Set(after);
  for (const name of next) if (!old.has(name)) delta[name] = 1;
  for (const name of old) if (!next.has(name)) delta[name] = -1;
  return delta;
}

/**
 * Whether a stream record can change a recipient's standing: any write to its state items
 * (`S#…`: profile, consents, objections, suppressions, repermissions), by the gateway, an
 * erasure or DynamoDB's TTL (R9: expiry is how time changes a standing).
 */
export function changesStanding(sk: unknown): boolean {
  return typeof sk === 'string' && sk.startsWith('S#');
}
