import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { hashApiKey } from '../../domain/api-key';
import type { ApiKeyRole, GatewayStore } from '../../ports/gateway-store';
import type { Caller } from '../../services/dependencies';
import { ForbiddenError, UnauthorizedError } from '../errors';
import type { HttpResponse } from '../responses';

export type AuthenticatedContext = Context & { caller: Caller };

const BEARER = /^Bearer\s+(\S{10,200})\s*$/i;

/**
 * Resolves `Authorization: Bearer <key>` to the key's tenant and role. The store keeps
 * only the key's hash. Every later read and write is scoped to that tenant, so a key of
 * one tenant cannot reach another's data.
 */
export function authenticate(options: {
  role: ApiKeyRole;
  store: () => GatewayStore;
}): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResponse, Error, AuthenticatedContext> {
  const before: middy.MiddlewareFn<
    APIGatewayProxyEventV2,
    HttpResponse,
    Error,
    AuthenticatedContext
  > = async (request) => {
    const header = request.event.headers?.authorization;
    const match = header === undefined ? null : BEARER.exec(header);
    if (!match) throw new UnauthorizedError();
    const record = await options.store().getApiKey(hashApiKey(match[1]!));
    if (record === undefined) throw new UnauthorizedError('Unknown API key');
    // An admin key may also send; a sender key may only send.
    if (options.role === 'admin' && record.role !== 'admin')
      throw new ForbiddenError('This endpoint needs an admin key');
    request.context.caller = { tenantId: record.tenantId, keyId: record.keyId, role: record.role };
  };
  return { before };
}
