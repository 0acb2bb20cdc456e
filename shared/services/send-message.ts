import { randomUUID } from 'node:crypto';
import { formatMailbox } from '../domain/address';
import { injectIntoHtml, injectIntoText, unsubscribeHeaders } from '../domain/inject-unsubscribe';
import { signToken } from '../domain/unsubscribe-token';
import type { SendMessageRequest } from '../schemas/api';
import {
  type DecisionContext,
  decideFor,
  loadContext,
  type PrefetchedState,
  type RejectedBody,
  rejectedBody,
} from './decisions';
import type { Caller, Dependencies } from './dependencies';

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
  /** The bulk queue loads the context once and reads the states of a whole batch ahead. */
  ahead?: { ctx: DecisionContext; state?: PrefetchedState },
): Promise<SendResult> {
  const ctx = ahead?.ctx ?? (await loadContext(deps, caller));
  const decidedAt = deps.clock.now().toISOString();
  const { decision, recipientKey } = await decideFor(
    deps,
    ctx,
    { purpose: request.purpose, from: request.from.address, to: request.to },
    ahead?.state,
  );
  if (decision.outcome === 'rejected') {
    deps.log.info('message rejected', {
      recipientKey,
      purpose: request.purpose,
      reasons: decision.failures.map((f) => f.reason),
    });
    return rejectedBody(decision);
  }

  const messageId = randomUUID();
  const purpose = ctx.tenant.purposes[request.purpose]!;
  let { html, text } = request;
  let headers: { name: string; value: string }[] = [];
  // R6: transactional messages need no unsubscribe link; every other category gets one (R10).
  if (purpose.category !== 'transactional') {
    const token = signToken(
      { tenant: ctx.tenant.id, recipientKey, purpose: purpose.id, channel: 'email', messageId },
      ctx.keys,
    );
    const url = `${deps.publicBaseUrl.replace(/\/$/, '')}/u/${token}`;
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
