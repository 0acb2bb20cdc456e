import { apiHandler } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { decisionRequestSchema } from '../shared/schemas/api';
import { parseInput } from '../shared/schemas/validation';
import { checkDecisions } from '../shared/services/decisions';

/** POST /v1/decisions: what /v1/messages would decide, without sending (one recipient or up to 1,000). */
export const handler = apiHandler('sender', async ({ event, caller, deps }) =>
  json(200, await checkDecisions(deps, caller, parseInput(decisionRequestSchema, event.body))),
);
