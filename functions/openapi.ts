import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { API_REFERENCE_ASSET } from '../infra/entry-points';
import { buildOpenApiDocument } from '../shared/http/openapi';
import { API_REFERENCE_CSP, API_REFERENCE_START, apiReferencePage } from '../shared/http/pages/api-reference';
import { publicHandler } from '../shared/http/public-handler';
import { html, json } from '../shared/http/responses';

let document: unknown;
let script: string | undefined;

/**
 * Redoc's browser bundle. In AWS the construct copies it beside this function's bundle
 * (infra/gateway.ts, `assets`); locally it is read where npm installed it.
 */
function redocScript(): string {
  const beside = new URL(`./${basename(API_REFERENCE_ASSET)}`, import.meta.url);
  const file = existsSync(beside) ? beside : createRequire(import.meta.url).resolve(API_REFERENCE_ASSET);
  return readFileSync(file, 'utf8');
}

function javascript(body: string) {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}

/**
 * GET /openapi.json, the document, built once per execution environment; GET /docs, the
 * same rendered as a page; GET /docs/reference.js and /docs/redoc.standalone.js, the
 * scripts that render it.
 */
export const handler = publicHandler(async (event) => {
  const path = event.requestContext.http.path;
  if (path === '/docs') {
    return html(200, apiReferencePage(), { 'content-security-policy': API_REFERENCE_CSP });
  }
  if (path === '/docs/reference.js') return javascript(API_REFERENCE_START);
  if (path === '/docs/redoc.standalone.js') {
    script ??= redocScript();
    return javascript(script);
  }
  document ??= buildOpenApiDocument();
  return json(200, document, { 'access-control-allow-origin': '*' });
});
