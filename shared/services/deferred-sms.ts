import { recordTtl } from '../domain/retention';
import type { ScheduledEmail } from '../ports/due-queue';
import { EmailProviderError, EmailRejectedByProviderError } from '../ports/email-sender';
import { PendingObjectionsUnavailableError } from '../ports/pending-objections';
import { SmsProviderError } from '../ports/sms-sender';
import { decideFor, loadContext } from './decisions';
import type { Dependencies } from './dependencies';
import { recordChanges } from './record-change';
import { deliverSms, sendScheduledEmail } from './send-message';

/** After a provider failure (nothing was sent), try again this much later. */
const RETRY_DELAY_MS = 5 * 60_000;
const MAX_ATTEMPTS = 12;
/** Who decides a deferred message again, as the audit trail names it. */
const SCHEDULER = { type: 'system' as const, id: 'deferred-sms-scheduler' };

export interface DeferredRun {
  sent: number;
  rejected: number;
  rescheduled: number;
  skipped: number;
  failed: number;
}

/**
 * R14: sends the deferred SMS whose slot has come, and the messages of both channels
 * scheduled by `sendAt` whose time has come, by a schedule in AWS and a timer locally.
 * Each message is decided again now: an objection that arrived meanwhile wins (R7).
 * A message is claimed (conditional write) before it is sent, so two runs never send it
 * twice; it is deleted once sent. A provider failure puts it back, nothing lost.
 */
export async function sendDueSms(deps: Dependencies, limit = 100): Promise<DeferredRun> {
  const run: DeferredRun = { sent: 0, rejected: 0, rescheduled: 0, skipped: 0, failed: 0 };
  const now = deps.clock.now();
  const due = await deps.dueQueue.listDueDeferredSms(now, limit);
  for (const message of due) {
    if (!(await deps.dueQueue.claimDeferredSms(message))) {
      run.skipped++;
      continue;
    }
    try {
      if (message.channel === 'email') {
        await sendDueEmail(deps, message, run);
        continue;
      }
      const ctx = await loadContext(deps, message.tenantId);
      const { decision, state } = await decideFor(deps, ctx, {
        channel: 'sms',
        purpose: message.purpose,
        from: message.from,
        to: message.to,
      });
      if (decision.outcome === 'rejected') {
        await recordChanges(
          deps,
          { tenantId: message.tenantId, recipientKey: message.recipientKey, channel: 'sms' },
          [
            {
              type: 'decision.rejected',
              actor: SCHEDULER,
              why: `deferred message decided again: ${decision.failures.map((f) => f.rule ?? f.reason).join(', ')}`,
              data: {
                messageId: message.messageId,
                channel: 'sms',
                purpose: message.purpose,
                failures: decision.failures,
              },
            },
          ],
        );
        await deps.dueQueue.deleteDeferredSms(message);
        deps.log.info('deferred message rejected at send time', {
          messageId: message.messageId,
          recipientKey: message.recipientKey,
          reasons: decision.failures.map((f) => f.reason),
        });
        run.rejected++;
      } else if (decision.outcome === 'deferred') {
        await deps.dueQueue.rescheduleDeferredSms(
          message,
          decision.notBefore.toISOString(),
          message.attempts,
        );
        run.rescheduled++;
      } else {
        await deliverSms(deps, ctx.tenant, SCHEDULER, {
          ttl: recordTtl(state, ctx.tenant.settings, now),
          messageId: message.messageId,
          recipientKey: message.recipientKey,
          purpose: ctx.tenant.purposes[message.purpose]!,
          from: message.from,
          to: message.to,
          text: message.text,
          optOutMention: message.optOutMention,
          decidedAt: now.toISOString(),
          senderKeyId: message.senderKeyId,
          basis: decision.basis,
          proof: decision.proof,
        });
        await deps.dueQueue.deleteDeferredSms(message);
        run.sent++;
      }
    } catch (error) {
      run.failed++;
      // R7: pending objections that cannot be read stop the decision before anything is
      // sent: the message waits for a later run, decided again then.
      const retryable =
        error instanceof PendingObjectionsUnavailableError ||
        error instanceof SmsProviderError ||
        (error instanceof EmailProviderError && !(error instanceof EmailRejectedByProviderError));
      if (retryable && message.attempts + 1 < MAX_ATTEMPTS) {
        // Nothing was sent: back in the queue for a later run.
        await deps.dueQueue.rescheduleDeferredSms(
          message,
          new Date(now.getTime() + RETRY_DELAY_MS).toISOString(),
          message.attempts + 1,
        );
      }
      // Otherwise the message stays claimed ('sending'), out of the queue and visible in
      // the table: it is never sent twice, and never silently dropped.
      deps.log.error('deferred message failed', {
        messageId: message.messageId,
        recipientKey: message.recipientKey,
        error: (error as Error).name,
      });
    }
  }
  if (due.length > 0) deps.log.info('deferred run', { ...run });
  return run;
}

/**
 * A scheduled email: sendEmail decides it against the latest state and sends it, or
 * audits the rejection (R7); either way it leaves the queue.
 */
async function sendDueEmail(deps: Dependencies, message: ScheduledEmail, run: DeferredRun): Promise<void> {
  const ctx = await loadContext(deps, message.tenantId);
  const result = await sendScheduledEmail(deps, ctx, message);
  await deps.dueQueue.deleteDeferredSms(message);
  if (result.decision === 'rejected') {
    deps.log.info('scheduled message rejected at send time', {
      messageId: message.messageId,
      recipientKey: message.recipientKey,
      reasons: result.reasons,
    });
    run.rejected++;
  } else run.sent++;
}
