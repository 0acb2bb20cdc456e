import { recipientKey } from '../domain/recipient-key';
import type { SesFeedbackEvent } from '../schemas/ses-feedback';
import { InvalidInputError } from '../schemas/validation';
import { countComplaint, countDeliveries, judge, type TenantEvaluation } from './complaint-rate';
import { normalizeAddress } from './decisions';
import type { Dependencies } from './dependencies';
import { forwardSenderFeedback } from './feedback-forwarding';
import { recordChanges } from './record-change';

export type FeedbackOutcome =
  | 'suppressed_bounce'
  | 'complaint'
  | 'duplicate'
  | 'transient_bounce'
  | 'counted'
  | 'ignored'
  | 'unknown_tenant';

export interface FeedbackResult {
  readonly outcomes: FeedbackOutcome[];
  /** The complaint rate, when this notification had it judged (complaints; every 100th delivery). */
  readonly complaintRate?: TenantEvaluation;
  /** Where the tenant's own copy went (services/feedback-forwarding.ts); absent, nowhere. */
  readonly forwarded?: 'sns' | 'eventbridge' | 'gateway_bus';
}

/**
 * R8 from SES feedback (event publishing through SNS). A permanent bounce suppresses the
 * address on email for every category; a complaint is an objection to all email marketing
 * of the tenant (R7, method `spam_complaint`) and a complaint suppression. Transient and
 * undetermined bounces change nothing. Store failures propagate: Lambda retries, then the
 * event goes to the dead-letter queue (`npm run redrive`), and every write is idempotent
 * (the suppression is a put on a fixed key; the objection's and the audit events' ids and
 * times come from the SES feedback): a retry completes what a failed attempt left half done. Addresses are never logged: recipient keys are.
 *
 * Mailbox provider thresholds: deliveries and complaints are counted per tenant and UTC day,
 * and the complaint rate judged (services/complaint-rate.ts): each complaint is counted once
 * per complaint id, whatever SNS redelivers.
 */
export async function handleSesFeedback(
  deps: Dependencies,
  event: SesFeedbackEvent,
  raw?: Record<string, unknown>,
): Promise<FeedbackResult> {
  const result = await recordSesFeedback(deps, event);
  // R8 first: forwarded only once the gateway's own record is written; a forwarding failure
  // throws after it, and the retry finds the record written (idempotent) and forwards again.
  if (!('mail' in event) || result.outcomes.includes('unknown_tenant')) return result;
  const tenantId = event.mail.tags.tenant?.[0];
  const tenant = tenantId === undefined ? undefined : await deps.tenants.getTenant(tenantId);
  if (tenant === undefined) return result;
  const destination = await forwardSenderFeedback(deps, tenant, event, raw);
  return destination === undefined ? result : { ...result, forwarded: destination.type };
}

async function recordSesFeedback(deps: Dependencies, event: SesFeedbackEvent): Promise<FeedbackResult> {
  if (!('mail' in event)) return { outcomes: ['ignored'] };
  if ('delivery' in event) {
    const tenantId = event.mail.tags.tenant?.[0];
    if (tenantId === undefined) return { outcomes: ['ignored'] };
    const complaintRate = await countDeliveries(
      deps,
      tenantId,
      Math.max(1, event.delivery.recipients.length),
    );
    return { outcomes: ['counted'], complaintRate };
  }
  if (event.eventType !== 'Bounce' && event.eventType !== 'Complaint') return { outcomes: ['ignored'] };
  return recordFeedback(deps, event);
}

/** A message id as the gateway makes them (a UUID); anything else in the tag is not ours. */
const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function recordFeedback(deps: Dependencies, event: SesFeedbackEvent): Promise<FeedbackResult> {
  if (!('mail' in event)) return { outcomes: ['ignored'] };
  const tenantId = event.mail.tags.tenant?.[0];
  const tenant = tenantId === undefined ? undefined : await deps.tenants.getTenant(tenantId);
  if (tenantId === undefined || tenant === undefined) {
    // Not sent through the gateway (or the tenant is gone): nothing of ours to suppress.
    deps.log.warn('SES feedback for an unknown tenant', {
      eventType: event.eventType,
      sesMessageId: event.mail.messageId,
    });
    return { outcomes: ['unknown_tenant'] };
  }
  if ('bounce' in event && event.bounce.bounceType !== 'Permanent') {
    deps.log.info('transient bounce ignored', { tenantId, bounceType: event.bounce.bounceType });
    return { outcomes: ['transient_bounce'] };
  }
  const keys = await deps.keys.load();
  const recordedAt = deps.clock.now().toISOString();
  const feedback =
    'bounce' in event
      ? { kind: 'bounce' as const, ...event.bounce, recipients: event.bounce.bouncedRecipients }
      : 'complaint' in event
        ? { kind: 'complaint' as const, ...event.complaint, recipients: event.complaint.complainedRecipients }
        : undefined;
  if (feedback === undefined) return { outcomes: ['ignored'] };

  // The gateway's message id, from the send's tags: links SES's message id to the send's
  // decision (R15 export), which is written before the provider answers.
  const tagged = event.mail.tags.messageId?.[0];
  const link = {
    sesMessageId: event.mail.messageId,
    ...(tagged !== undefined && MESSAGE_ID.test(tagged) ? { messageId: tagged } : {}),
  };
  const outcomes: FeedbackOutcome[] = [];
  for (const [index, recipient] of feedback.recipients.entries()) {
    // Every id derives from the SES feedback id (and the recipient's place in it), every time
    // from the feedback's: a redelivery, a Lambda retry or a redrive rewrites the same items.
    const sourceId = `${feedback.feedbackId}${feedback.recipients.length > 1 ? `-${index}` : ''}`;
    const objectionId = `ses-complaint-${sourceId}`;
    if (feedback.kind === 'complaint') {
      // Counted first, once per id: a retry after a later failure finds it counted (mailbox provider thresholds).
      await countComplaint(deps, tenant, objectionId);
    }
    let address: string;
    try {
      address = normalizeAddress(tenant, 'email', recipient.emailAddress, `recipients.${index}`);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      // SES reported an address we could never have sent to; retrying would not help.
      deps.log.warn('SES feedback with an unreadable address skipped', {
        tenantId,
        feedbackId: feedback.feedbackId,
      });
      outcomes.push('ignored');
      continue;
    }
    const key = recipientKey(keys.hashKey, tenant.id, 'email', address);
    const target = { tenantId: tenant.id, recipientKey: key, channel: 'email' as const };
    const actor = { type: 'system' as const, id: `SES ${feedback.kind} ${feedback.feedbackId}` };
    const source = `SES ${feedback.kind} ${feedback.feedbackId}`;
    const suppression = { reason: feedback.kind, at: feedback.timestamp, source, recordedAt };

    if (feedback.kind === 'bounce') {
      const state = await deps.store.getRecipientState(tenant.id, key);
      // R15: the suppression and its audit event in one transaction, under a fixed id: an SNS
      // redelivery finds the event's marker and writes nothing. The state check also catches a
      // redelivery of a bounce recorded before the chain (no marker).
      const recorded = state.suppressions.some((s) => s.reason === 'bounce' && s.source === source);
      const written = recorded
        ? []
        : await recordChanges(
            deps,
            target,
            [
              {
                id: `ses-bounce-${sourceId}-suppression`,
                type: 'suppression.recorded',
                actor,
                why: 'R8: permanent bounce reported by SES',
                at: feedback.timestamp,
                data: {
                  reason: 'bounce',
                  feedbackId: feedback.feedbackId,
                  ...link,
                },
                publish: { detailType: 'Suppression Recorded', detail: { reason: 'bounce' } },
              },
            ],
            [{ kind: 'suppression', suppression }],
          );
      const duplicate = written.length === 0;
      deps.log.info('suppression recorded', { tenantId, recipientKey: key, reason: 'bounce', duplicate });
      outcomes.push(duplicate ? 'duplicate' : 'suppressed_bounce');
      continue;
    }

    const scope = { type: 'channel' as const };
    // R7/R8/R15: the suppression, the objection and both audit events in one transaction,
    // under fixed ids: a redelivery writes nothing ('duplicate').
    const written = await recordChanges(
      deps,
      target,
      [
        {
          id: `${objectionId}-objection`,
          type: 'objection.recorded',
          actor,
          why: 'R7/R8: spam complaint reported by SES',
          at: feedback.timestamp,
          data: { objectionId, scope, method: 'spam_complaint', feedbackId: feedback.feedbackId },
          publish: {
            detailType: 'Objection Recorded',
            detail: { objectionId, scope, method: 'spam_complaint' },
          },
        },
        {
          id: `${objectionId}-suppression`,
          type: 'suppression.recorded',
          actor,
          why: 'R8: spam complaint reported by SES',
          at: feedback.timestamp,
          data: { reason: 'complaint', feedbackId: feedback.feedbackId, ...link },
          publish: { detailType: 'Suppression Recorded', detail: { reason: 'complaint' } },
        },
      ],
      [
        { kind: 'suppression', suppression },
        {
          kind: 'objection',
          objection: {
            id: objectionId,
            scope,
            at: feedback.timestamp,
            method: 'spam_complaint',
            messageId: event.mail.messageId,
            source,
            recordedAt,
          },
        },
      ],
    );
    const objection = written.length > 0 ? 'recorded' : 'duplicate';
    if (objection === 'duplicate') {
      outcomes.push('duplicate');
      continue;
    }
    deps.log.info('complaint recorded', { tenantId, recipientKey: key });
    outcomes.push('complaint');
  }
  if (feedback.kind === 'complaint') {
    // Judged on duplicates too: a judgement lost to a failure after counting is made on the retry.
    return { outcomes, complaintRate: await judge(deps, tenant) };
  }
  return { outcomes };
}
