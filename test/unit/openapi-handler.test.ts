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

async function get(path: string) {
  const event = {
    version: '2.0',
    routeKey: `GET ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: {},
    requestContext: { http: { method: 'GET', path, sourceIp: '127.0.0.1', userAgent: 'test' } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const context = {
    functionName: 'OpenApi',
    awsRequestId: 'r-2',
    getRemainingTimeInMillis: () => 1000,
  } as unknown as Context;
  return handler(event, context);
}

it('serves the API reference page: relative links, a CSP that allows this origin only', async () => {
  const page = await get('/docs');
  expect(page.statusCode).toBe(200);
  expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
  expect(page.body).toContain('<script type="module" src="docs/reference.js"></script>');
  const csp = String(page.headers?.['content-security-policy']);
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("connect-src 'self'");
  expect(csp).not.toMatch(/https?:/);
  const start = await get('/docs/reference.js');
  expect(start.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
  expect(start.body).toContain("import { init } from './redoc.standalone.js'");
  expect(start.body).toContain("init('openapi.json', { disableTelemetry: true }");
});

it("serves Redoc's browser bundle from node_modules (API_REFERENCE_ASSET), no CDN", async () => {
  const script = await get('/docs/redoc.standalone.js');
  expect(script.statusCode).toBe(200);
  expect(script.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
  const body = String(script.body);
  // Redoc 3's standalone ES module, as @redocly/cli ships it: fails if an upgrade moves or changes it.
  expect(body.slice(0, 200)).toMatch(/Redocly LLC[\s\S]*Version: 3\./);
  expect(body).toContain('export{RedocStandalone,hydrate,init}');
  expect(body.length).toBeGreaterThan(1_000_000);
});
