import type { Decision } from '../domain/decide';
import type { Actor } from '../schemas/audit';
import { rejectedBody } from './decisions';
import type { Dependencies } from './dependencies';
import { EarlierSend, recordChanges } from './record-change';

/*
 * The audit events of a send's decision, for both send paths (./send-message.ts and the SES
 * endpoint's ./ses-send-email.ts). Apart from the first so that the SES endpoint, which
 * sends email only, does not bundle the SMS content and sender code with it.
 */

/** Where a decision is recorded; `once`: a keyed send (../ports/gateway-store.ts, SendOnce). */
type RecordTarget = Parameters<typeof recordChanges>[1] & { channel: 'email' | 'sms' };

/** Logs and audits a rejection; failing to audit it never lets the message through. */
export async function recordRejected(
  deps: Dependencies,
  target: RecordTarget,
  actor: Actor,
  message: { purpose: string; from: string; decidedAt: string },
  decision: Extract<Decision, { outcome: 'rejected' }>,
) {
  deps.log.info('message rejected', {
    recipientKey: target.recipientKey,
    purpose: message.purpose,
    reasons: decision.failures.map((f) => f.reason),
  });
  await recordChanges(deps, target, [
    {
      type: 'decision.rejected',
      actor,
      why: rejectedBody(decision).rules.join(', ') || 'unknown_purpose',
      at: message.decidedAt,
      data: {
        channel: target.channel,
        purpose: message.purpose,
        from: message.from,
        failures: decision.failures,
      },
    },
  ]).catch((error: Error) => {
    // A keyed send decided already: its first answer is given, not this one.
    if (error instanceof EarlierSend) throw error;
    deps.log.error('rejection not audited', { recipientKey: target.recipientKey, error: error.name });
  });
}

/**
 * Audits an allowed decision before acting on it: if it cannot be recorded, nothing is sent (fail
 * closed). The channel is the target's, written here, not by each caller: the console's counters
 * count a decision by its channel, and the SES endpoint's once had none.
 */
export async function recordAllowed(
  deps: Dependencies,
  target: RecordTarget,
  actor: Actor,
  type: 'decision.sent' | 'decision.deferred' | 'decision.scheduled',
  data: Record<string, unknown> & { basis: string },
  at: string,
) {
  await recordChanges(deps, target, [
    { type, actor, why: `basis ${data.basis}`, at, data: { ...data, channel: target.channel } },
  ]);
}

/**
 * The provider failed after an allowed decision was audited (`decision.sent`): the trail
 * says so, so that no audit line claims a message that never went out. Best effort: the
 * caller answers 5xx either way, and the message record (`M#`) is never written.
 */
export async function recordSendFailed(
  deps: Dependencies,
  target: RecordTarget,
  actor: Actor,
  messageId: string,
  error: unknown,
) {
  // Never as a keyed send: it follows the key's own decision, which a look-back would find.
  // A retry with the key then sees this event after that decision and sends again.
  const { once: _once, ...plain } = target;
  await recordChanges(deps, plain, [
    {
      type: 'send.failed',
      actor,
      why: 'provider failed; nothing was sent',
      data: { messageId, error: (error as Error).name },
    },
  ]).catch((audit: Error) =>
    deps.log.error('send failure not audited', {
      recipientKey: target.recipientKey,
      messageId,
      error: audit.name,
    }),
  );
}
