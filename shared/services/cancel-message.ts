import { ConflictError, NotFoundError } from '../ports/gateway-store';
import type { Caller, Dependencies } from './dependencies';
import { actorOf, recordChanges } from './record-change';

/*
 * Apart from the send path (./send-message.ts): the function that cancels decides and sends
 * nothing, and this module keeps the HTML injection, the SMS content and the phone metadata
 * out of its bundle.
 */

/** DELETE /v1/messages/{messageId}: a scheduled (or deferred, R14) message, before it is due. */
export async function cancelMessage(deps: Dependencies, caller: Caller, messageId: string) {
  const found = await deps.dueQueue.getPendingMessage(caller.tenantId, messageId);
  if (found === undefined)
    throw new NotFoundError(
      `No scheduled or deferred message ${messageId}: it was sent, refused, or cancelled already`,
    );
  if (found.status === 'sending' || !(await deps.dueQueue.cancelPendingMessage(found.message)))
    throw new ConflictError(`Message ${messageId} is being sent now: too late to cancel`);
  await recordChanges(
    deps,
    {
      tenantId: caller.tenantId,
      recipientKey: found.message.recipientKey,
      channel: found.message.channel ?? 'sms',
    },
    [
      {
        type: 'message.cancelled',
        actor: actorOf(caller),
        why: 'cancelled by its sender before it was due',
        data: { messageId, purpose: found.message.purpose, notBefore: found.message.notBefore },
      },
    ],
  ).catch((error: Error) => deps.log.error('cancellation not audited', { messageId, error: error.name }));
  deps.log.info('message cancelled', { messageId, recipientKey: found.message.recipientKey });
  return { decision: 'cancelled' as const, messageId };
}
