import { apiHandler } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { sendMessageSchema } from '../shared/schemas/api';
import { parseInput } from '../shared/schemas/validation';
import { sendMessage } from '../shared/services/send-message';

/** POST /v1/messages: 202 sent with its basis (or deferred, R14), 403 rejected with reasons and rules. */
export const handler = apiHandler('sender', async ({ event, caller, deps }) => {
  const result = await sendMessage(deps, caller, parseInput(sendMessageSchema, event.body));
  return json(result.decision === 'rejected' ? 403 : 202, result);
});
