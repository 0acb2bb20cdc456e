import { apiHandler } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { wire } from '../shared/http/runtime';
import { endUserMessaging, s3, secretsManager, ses, table } from '../shared/http/wiring';
import { sendMessageSchema } from '../shared/schemas/message';
import { parseInput } from '../shared/schemas/validation';
import { fingerprintOf, runOnce } from '../shared/services/idempotency';
import { sendMessage } from '../shared/services/send-message';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, ses, endUserMessaging, s3);

/**
 * POST /v1/messages: 202 sent with its basis (or deferred, R14), 403 rejected with reasons and rules. With an
 * `idempotencyKey`, a retry or a concurrent duplicate answers the first outcome
 * (`idempotent-replayed: true`) and nothing is sent twice.
 */
export const handler = apiHandler('sender', async ({ event, caller, deps }) => {
  const request = parseInput(sendMessageSchema, event.body);
  const send = () => sendMessage(deps, caller, request);
  const { result, replayed } =
    request.idempotencyKey === undefined
      ? { result: await send(), replayed: false }
      : await runOnce(
          deps,
          {
            tenantId: caller.tenantId,
            key: `key:${request.idempotencyKey}`,
            fingerprint: fingerprintOf(request),
          },
          send,
        );
  return json(
    result.decision === 'rejected' ? 403 : 202,
    result,
    replayed ? { 'idempotent-replayed': 'true' } : {},
  );
});
