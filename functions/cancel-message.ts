import * as z from 'zod';
import { apiHandler } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { wire } from '../shared/http/runtime';
import { table } from '../shared/http/wiring';
import { parseInput } from '../shared/schemas/validation';
import { cancelMessage } from '../shared/services/cancel-message';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table);

const paramsSchema = z.object({ messageId: z.uuid() });

/** DELETE /v1/messages/{messageId}: cancels a scheduled (sendAt) or deferred (R14) message before it is due. */
export const handler = apiHandler('sender', async ({ event, caller, deps }) => {
  const { messageId } = parseInput(paramsSchema, event.pathParameters ?? {});
  return json(200, await cancelMessage(deps, caller, messageId));
});
