import { randomUUID } from 'node:crypto';
import { formatMailbox } from '../domain/address';
import {
  injectIntoHtml,
  injectIntoText,
  injectPreferencesUrl,
  unsubscribeHeaders,
} from '../domain/inject-unsubscribe';
import { expiryFor, signPageToken, signToken } from '../domain/unsubscribe-token';
import type { SendMessageRequest } from '../schemas/api';
import { decideFor, loadContext, type RejectedBody, rejectedBody } from './decisions';
import type { Caller, Dependencies } from './dependencies';
import { actorOf, recordChanges } from './record-change';

export type SendResult =
  | { decision: 'sent'; messageId: string; basis: string; proof: unknown }
  | RejectedBody;

/**
 * POST /v1/messages. Decide against the latest state, then (for an allowed message only)
 * inject the opt-out, send, and keep the record that justifies it. Any store or provider
 * failure before the send throws, so nothing goes out without a verified basis.
 */
export async function sendMessage(
  deps: Dependencies,
  caller: Caller,
  request: SendMessageRequest,
): Promise<SendResult> {
  const ctx = await loadContext(deps, caller);
  const decidedAt = deps.clock.now().toISOString();
  const { decision, recipientKey } = await decideFor(deps, ctx, {
    purpose: request.purpose,
    from: request.from.address,
    to: request.to,
  });
  const target = { tenantId: ctx.tenant.id, recipientKey, channel: 'email' as const };
  if (decision.outcome === 'rejected') {
    deps.log.info('message rejected', {
      recipientKey,
      purpose: request.purpose,
      reasons: decision.failures.map((f) => f.reason),
    });
    // Audit trail: a rejection is recorded too; failing to record it never lets the message through.
    await recordChanges(deps, target, [
      {
        type: 'decision.rejected',
        actor: actorOf(caller),
        why: rejectedBody(decision).rules.join(', ') || 'unknown_purpose',
        at: decidedAt,
        data: { purpose: request.purpose, from: request.from.address, failures: decision.failures },
      },
    ]).catch((error: Error) => deps.log.error('rejection not audited', { recipientKey, error: error.name }));
    return rejectedBody(decision);
  }

  const messageId = randomUUID();
  const purpose = ctx.tenant.purposes[request.purpose]!;
  // Audit before acting: if the decision cannot be recorded, nothing is sent (fail closed).
  await recordChanges(deps, target, [
    {
      type: 'decision.sent',
      actor: actorOf(caller),
      why: `basis ${decision.basis}`,
      at: decidedAt,
      data: {
        messageId,
        purpose: purpose.id,
        category: purpose.category,
        from: request.from.address,
        basis: decision.basis,
        proof: decision.proof,
      },
    },
  ]);
  let { html, text } = request;
  const base = deps.publicBaseUrl.replace(/\/$/, '');
  const preferencesUrl = `${base}/p/${signPageToken(
    {
      kind: 'preferences',
      tenant: ctx.tenant.id,
      recipientKey,
      channel: 'email',
      expiresAt: expiryFor('preferences', deps.clock.now()),
    },
    ctx.keys,
  )}`;
  html = html === undefined ? undefined : injectPreferencesUrl(html, preferencesUrl);
  text = text === undefined ? undefined : injectPreferencesUrl(text, preferencesUrl);
  let headers: { name: string; value: string }[] = [];
  // R6: transactional messages need no unsubscribe link; every other category gets one (R10).
  if (purpose.category !== 'transactional') {
    const token = signToken(
      { tenant: ctx.tenant.id, recipientKey, purpose: purpose.id, channel: 'email', messageId },
      ctx.keys,
    );
    const url = `${base}/u/${token}`;
    html = html === undefined ? undefined : injectIntoHtml(html, url);
    text = text === undefined ? undefined : injectIntoText(text, url);
    headers = unsubscribeHeaders(url);
  }

  const providerMessageId = await deps.email.send({
    from: formatMailbox(request.from),
    to: request.to,
    replyTo: request.replyTo ? formatMailbox(request.replyTo) : undefined,
    subject: request.subject,
    html,
    text,
    headers,
    tags: [
      { name: 'tenant', value: ctx.tenant.id },
      { name: 'purpose', value: purpose.id },
      { name: 'messageId', value: messageId },
    ],
  });

  const sentAt = deps.clock.now().toISOString();
  try {
    await deps.store.putMessage(ctx.tenant.id, recipientKey, {
      messageId,
      providerMessageId,
      channel: 'email',
      purpose: purpose.id,
      category: purpose.category,
      basis: decision.basis,
      proof: decision.proof,
      from: request.from.address,
      decidedAt,
      sentAt,
      senderKeyId: caller.keyId,
    });
  } catch (error) {
    // The message is already out: answering an error would make the sender retry and send twice.
    deps.log.error('message sent but its record could not be written', {
      messageId,
      recipientKey,
      error: (error as Error).name,
    });
  }
  deps.log.info('message sent', { messageId, recipientKey, purpose: purpose.id, basis: decision.basis });
  return { decision: 'sent', messageId, basis: decision.basis, proof: decision.proof };
}
