import type { Objection, RecipientState } from '../schemas/recipient';

/**
 * R7: the state a decision weighs: the store's, plus the objections accepted by POST
 * /u/{token} and not yet applied to it (ports/pending-objections.ts). An objection already
 * in the store (the same id) counts once, as stored. Pure.
 */
export function withPendingObjections(state: RecipientState, pending: readonly Objection[]): RecipientState {
  if (pending.length === 0) return state;
  const stored = new Set(state.objections.map((o) => o.id));
  const waiting = pending.filter((o) => !stored.has(o.id));
  return waiting.length === 0 ? state : { ...state, objections: [...state.objections, ...waiting] };
}
