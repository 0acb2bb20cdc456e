import type { z } from 'zod';
import { deploymentEmailIdentities } from '../shared/config';
import { type ApiRequest, apiHandler } from '../shared/http/api-handler';
import { HttpError } from '../shared/http/errors';
import { type HttpResponse, json } from '../shared/http/responses';
import { wire } from '../shared/http/runtime';
import { secretsManager, table } from '../shared/http/wiring';
import {
  assignSmsSenderSchema,
  createTenantSchema,
  identityParamSchema,
  smsSenderIdSchema,
} from '../shared/schemas/api';
import { tenantIdSchema } from '../shared/schemas/tenant';
import { InvalidInputError, parseInput } from '../shared/schemas/validation';
import * as identities from '../shared/services/identities';
import { createTenant } from '../shared/services/operator';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager);

/**
 * The operator API (operator key only; a tenant key gets 403): tenants created, and each
 * sending identity assigned to exactly one tenant (docs/rules.md, Vocabulary "Tenant"; R10).
 */
const param = <S extends z.ZodType>(request: ApiRequest, name: string, schema: S): z.output<S> => {
  let value: string;
  try {
    value = decodeURIComponent(request.event.pathParameters?.[name] ?? '');
  } catch {
    throw new InvalidInputError([{ field: `path.${name}`, problem: 'is not valid percent-encoding' }]);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidInputError(
    result.error.issues.map((i) => ({ field: `path.${name}`, problem: i.message })),
  );
};

const tenantOf = (r: ApiRequest) => param(r, 'tenantId', tenantIdSchema);

const routes: Record<string, (request: ApiRequest) => Promise<HttpResponse>> = {
  'POST /v1/operator/tenants': async (r) => {
    const input = parseInput(createTenantSchema, r.event.body);
    const { created: _created, ...result } = await createTenant(r.deps, input, {
      deployment: deploymentEmailIdentities(),
    });
    return json(201, result);
  },
  'GET /v1/operator/tenants/{tenantId}/identities': async (r) =>
    json(200, await identities.listAssignedIdentities(r.deps, tenantOf(r))),
  'PUT /v1/operator/tenants/{tenantId}/identities/{identity}': async (r) => {
    const { claimed: _claimed, ...result } = await identities.assignEmailIdentity(
      r.deps,
      tenantOf(r),
      param(r, 'identity', identityParamSchema),
      deploymentEmailIdentities(),
    );
    return json(200, result);
  },
  'DELETE /v1/operator/tenants/{tenantId}/identities/{identity}': async (r) => {
    await identities.unassignEmailIdentity(r.deps, tenantOf(r), param(r, 'identity', identityParamSchema));
    return { statusCode: 204, body: '' };
  },
  'PUT /v1/operator/tenants/{tenantId}/sms-senders/{senderId}': async (r) =>
    json(
      200,
      await identities.assignSmsSender(
        r.deps,
        tenantOf(r),
        param(r, 'senderId', smsSenderIdSchema),
        parseInput(assignSmsSenderSchema, r.event.body),
      ),
    ),
  'DELETE /v1/operator/tenants/{tenantId}/sms-senders/{senderId}': async (r) => {
    await identities.unassignSmsSender(r.deps, tenantOf(r), param(r, 'senderId', smsSenderIdSchema));
    return { statusCode: 204, body: '' };
  },
};

export const handler = apiHandler('operator', async (request) => {
  const route = routes[request.event.routeKey];
  if (!route) throw new HttpError(404, 'not_found', `No route ${request.event.routeKey}`);
  return route(request);
});
