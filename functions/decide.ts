import { apiHandler } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { wire } from '../shared/http/runtime';
import { s3, secretsManager, table } from '../shared/http/wiring';
import { decisionRequestSchema } from '../shared/schemas/api';
import { parseInput } from '../shared/schemas/validation';
import { checkDecisions } from '../shared/services/decisions';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, s3);

/** POST /v1/decisions: what /v1/messages would decide, without sending (one recipient or up to 1,000). */
export const handler = apiHandler('sender', async ({ event, caller, deps }) =>
  json(200, await checkDecisions(deps, caller, parseInput(decisionRequestSchema, event.body))),
);
