import { apiHandler } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { wire } from '../shared/http/runtime';
import { endUserMessaging, s3, secretsManager, ses, table } from '../shared/http/wiring';
import { sendMessageSchema } from '../shared/schemas/message';
import { parseInput } from '../shared/schemas/validation';
import { sendMessage } from '../shared/services/send-message';
import { sendMessageOnce } from '../shared/services/send-once';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, ses, endUserMessaging, s3);

/**
 * POST /v1/messages: 202 sent with its basis (or deferred, R14), 403 rejected with reasons and rules. With an
 * `idempotencyKey`, a retry or a concurrent duplicate answers the first outcome
 * (`idempotent-replayed: true`) and nothing is sent twice.
 */
export const handler = apiHandler('sender', async ({ event, caller, deps }) => {
  const request = parseInput(sendMessageSchema, event.body);
  const { result, replayed } =
    request.idempotencyKey === undefined
      ? { result: await sendMessage(deps, caller, request), replayed: false }
      : await sendMessageOnce(deps, caller, request, `key:${request.idempotencyKey}`);
  return json(
    result.decision === 'rejected' ? 403 : 202,
    result,
    replayed ? { 'idempotent-replayed': 'true' } : {},
  );
});
