import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { expect, it } from 'vitest';
import { handler } from '../../functions/openapi';

it('serves the OpenAPI document with no table or keys in its environment (its entry point needs none)', async () => {
  expect(process.env.TABLE_NAME).toBeUndefined();
  const event = {
    version: '2.0',
    routeKey: 'GET /openapi.json',
    rawPath: '/openapi.json',
    rawQueryString: '',
    headers: {},
    requestContext: {
      http: { method: 'GET', path: '/openapi.json', sourceIp: '127.0.0.1', userAgent: 'test' },
    },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const context = {
    functionName: 'OpenApi',
    awsRequestId: 'r-1',
    getRemainingTimeInMillis: () => 1000,
  } as unknown as Context;
  const response = await handler(event, context);
  expect(response.statusCode).toBe(200);
  expect(JSON.parse(String(response.body)).openapi).toBe('3.1.0');
});
