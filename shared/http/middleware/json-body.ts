import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { InvalidInputError } from '../../schemas/validation';
import type { HttpResponse } from '../responses';

/** Replaces `event.body` with the parsed JSON value (undefined when empty); a 400 names a malformed body. */
export type JsonEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body: unknown };

export function rawBody(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined || event.body === '') return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/**
 * `textRoutes`: routes that also take a text body (route key → content type); the body then
 * stays the string it was sent as, for the route to read.
 */
export function jsonBody<C extends Context>(
  textRoutes: Readonly<Record<string, RegExp>> = {},
): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResponse, Error, C> {
  const before: middy.MiddlewareFn<APIGatewayProxyEventV2, HttpResponse, Error, C> = async (request) => {
    const text = rawBody(request.event);
    if (text === undefined) {
      (request.event as unknown as JsonEvent).body = undefined;
      return;
    }
    const type = request.event.headers?.['content-type'] ?? 'application/json';
    if (textRoutes[request.event.routeKey]?.test(type)) {
      (request.event as unknown as JsonEvent).body = text;
      return;
    }
    if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
      throw new InvalidInputError([
        { field: '(body)', problem: `content-type must be application/json, not ${type}` },
      ]);
    }
    try {
      (request.event as unknown as JsonEvent).body = JSON.parse(text);
    } catch (error) {
      throw new InvalidInputError([
        { field: '(body)', problem: `is not valid JSON: ${(error as Error).message}` },
      ]);
    }
  };
  return { before };
}
