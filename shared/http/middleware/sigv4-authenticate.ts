import type middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { keyRefusal, usageDay } from '../../domain/api-key';
import { parseAuthorization, SignatureError, verifySignature } from '../../domain/sigv4';
import type { Dependencies } from '../../services/dependencies';
import type { HttpResponse } from '../responses';
import type { AuthenticatedContext } from './authenticate';

/** The request body's bytes, exactly as signed. */
export function bodyBytes(event: APIGatewayProxyEventV2): Buffer {
  if (event.body === undefined || event.body === '') return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

function queryOf(raw: string | undefined): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(raw ?? '')) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return query;
}

/**
 * Resolves an AWS Signature Version 4 to the sender whose credentials signed it: the
 * access key id names a gateway-issued credential, whose secret (stored encrypted) must
 * reproduce the signature over the request as received. Any failure is a SignatureError
 * carrying the AWS error code the SDK understands.
 */
/** The verified signature (hex), which identifies one signed request: replays are told apart by it. */
export type SignedContext = AuthenticatedContext & { signature: string };

export function sigv4Authenticate(options: {
  service: string;
  /** The deployment's region: a signature scoped to any other is refused. */
  region: () => string;
  deps: () => Dependencies;
}): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResponse, Error, AuthenticatedContext> {
  const before: middy.MiddlewareFn<
    APIGatewayProxyEventV2,
    HttpResponse,
    Error,
    AuthenticatedContext
  > = async (request) => {
    const { event } = request;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.headers ?? {}))
      if (v !== undefined) headers[k.toLowerCase()] = v;
    const auth = parseAuthorization(headers.authorization);
    const deps = options.deps();
    const credential = await deps.credentials.getSenderCredential(auth.accessKeyId);
    if (credential === undefined) {
      throw new SignatureError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    // A revoked or expired credential is refused as AWS refuses a deleted key.
    if (keyRefusal(credential, deps.clock.now()) !== undefined) {
      throw new SignatureError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    const secret = await deps.keys.openCredentialSecret(credential.accessKeyId, credential.secretCiphertext);
    await verifySignature(
      {
        method: event.requestContext.http.method,
        path: event.rawPath,
        query: queryOf(event.rawQueryString),
        headers,
        body: bodyBytes(event),
      },
      auth,
      secret,
      deps.clock.now(),
      { service: options.service, region: options.region() },
    );
    const today = usageDay(deps.clock.now());
    if (credential.lastUsedDay === undefined || credential.lastUsedDay < today) {
      // At most one conditional write a day once written; not awaited.
      deps.credentials.touchSenderCredential(credential.accessKeyId, today).catch(() => undefined);
    }
    request.context.caller = {
      tenantId: credential.tenantId,
      keyId: credential.keyId,
      role: 'sender',
      scopes: credential.scopes,
    };
    (request.context as SignedContext).signature = auth.signature;
  };
  return { before };
}
