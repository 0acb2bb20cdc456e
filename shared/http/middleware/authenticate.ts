import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { hashApiKey, type KeyUse, keyRefusal, roleRefusal, usageDay } from '../../domain/api-key';
import type { CredentialStore } from '../../ports/credential-store';
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
  /** What the endpoint asks of the key (domain/api-key.ts `roleRefusal`: who may do what). */
  role: KeyUse;
  credentials: () => CredentialStore;
  /** Expiry and revocation are judged on this clock (the dependencies' one). */
  now?: () => Date;
  /** Where a failed `lastUsedDay` write is logged (it never fails the request). */
  warn?: (message: string, data: Record<string, unknown>) => void;
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
    const credentials = options.credentials();
    const hash = hashApiKey(match[1]!);
    const record = await credentials.getApiKey(hash);
    if (record === undefined) throw new UnauthorizedError('Unknown API key');
    const now = options.now?.() ?? new Date();
    // A revoked or expired key is refused (up to TENANT_CACHE_MS late in another
    // function instance, whose cached record does not yet carry the revocation).
    const expired = keyRefusal(record, now);
    if (expired !== undefined) throw new UnauthorizedError(`This API key is ${expired}`);
    touchOncePerDay(credentials, hash, record.lastUsedDay, usageDay(now), options.warn);
    // The operator key reaches the operator routes only, and only it does: it acts for no
    // tenant, and no tenant key acts as the operator (docs/rules.md, Vocabulary "Tenant").
    // An admin key may also send; a sender key may only send; a compliance key may only read.
    const refusal = roleRefusal(
      record.role,
      options.role,
      request.event.requestContext?.http?.method === 'GET',
    );
    if (refusal !== undefined) throw new ForbiddenError(refusal);
    request.context.caller = {
      tenantId: record.tenantId,
      keyId: record.keyId,
      role: record.role,
      scopes: record.scopes,
    };
  };
  return { before };
}

/** Keys this instance has marked used today, so that a cached record does not ask again. */
const touched = new Set<string>();

/**
 * The "last used day": at most one conditional update per key, function instance and
 * UTC day, not awaited (the send does not wait for it, and its failure only logs). The
 * condition (`lastUsedDay < today`) makes the other instances' attempts of the day no-ops.
 */
function touchOncePerDay(
  credentials: CredentialStore,
  hash: string,
  lastUsedDay: string | undefined,
  today: string,
  warn: ((message: string, data: Record<string, unknown>) => void) | undefined,
): void {
  if (lastUsedDay !== undefined && lastUsedDay >= today) return;
  const memo = `${hash}:${today}`;
  if (touched.has(memo)) return;
  touched.add(memo);
  credentials.touchApiKey(hash, today).catch((error: unknown) => {
    touched.delete(memo);
    warn?.('lastUsedDay not written', { error: (error as Error).name });
  });
}
