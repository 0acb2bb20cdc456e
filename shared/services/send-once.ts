import type { SendOnce } from '../ports/gateway-store';
import type { AuditEvent } from '../schemas/audit';
import type { SendMessageRequest } from '../schemas/message';
import { rejectedBody } from './decisions';
import type { Caller, Dependencies } from './dependencies';
import { fingerprintOf, IdempotencyKeyReusedError, RETENTION_S } from './idempotency';
import { EarlierSend } from './record-change';
import { type SendResult, sendMessage } from './send-message';

/**
 * A send that carries an idempotency key (`POST /v1/messages`' `idempotencyKey`, the bulk
 * queue's key or SQS message id), written once: its decision event is its claim
 * (../ports/gateway-store.ts, SendOnce). A retry or a concurrent duplicate finds the first
 * decision in the recipient's chain and answers it, sending nothing; after a `send.failed`
 * (nothing went out) it sends. One write per send, as without a key.
 *
 * At most once: a function that dies between its decision and the provider's answer leaves
 * a decision that a retry answers as sent, and nothing goes out (the message has no SES
 * event, and `GET /v1/messages/{id}` shows no delivery). A key is scoped to its tenant and
 * recipient: the same key for another recipient is another send.
 */
export async function sendMessageOnce(
  deps: Dependencies,
  caller: Caller,
  request: SendMessageRequest,
  key: string,
  ahead?: Parameters<typeof sendMessage>[3],
): Promise<{ result: SendResult; replayed: boolean }> {
  const once: SendOnce = {
    key,
    fingerprint: fingerprintOf(request),
    since: new Date(deps.clock.now().getTime() - RETENTION_S * 1000).toISOString(),
  };
  try {
    return { result: await sendMessage(deps, caller, request, ahead, once), replayed: false };
  } catch (error) {
    if (!(error instanceof EarlierSend)) throw error;
    const { event, fingerprint, answer } = error.earlier;
    if (fingerprint !== once.fingerprint) {
      throw new IdempotencyKeyReusedError(
        'This idempotency key was already used for a different message to this recipient; use a new key for a new message',
      );
    }
    return { result: answerOf(event, answer ?? {}), replayed: true };
  }
}

/** The first answer, from its decision event (and what was kept beside it). */
function answerOf(event: AuditEvent, answer: Readonly<Record<string, unknown>>): SendResult {
  const data = event.data as Record<string, unknown>;
  const messageId = String(data.messageId);
  switch (event.type) {
    case 'decision.sent': {
      const sms = data.sms as { encoding: 'GSM-7' | 'UCS-2'; segments: number } | undefined;
      return {
        decision: 'sent',
        messageId,
        basis: String(data.basis),
        proof: data.proof,
        ...(sms === undefined ? {} : { encoding: sms.encoding, segments: sms.segments }),
      };
    }
    case 'decision.rejected':
      return rejectedBody({ failures: data.failures as Parameters<typeof rejectedBody>[0]['failures'] });
    case 'decision.deferred':
      return { decision: 'deferred', messageId, notBefore: String(data.notBefore), ...answer } as SendResult;
    case 'decision.scheduled':
      return { decision: 'scheduled', messageId, sendAt: String(data.sendAt), ...answer } as SendResult;
    default:
      throw new Error(`A send key names a ${event.type} event`);
  }
}
