import { publicHandler } from '../shared/http/api-handler';
import { buildOpenApiDocument } from '../shared/http/openapi';
import { json } from '../shared/http/responses';

let document: unknown;

/** GET /openapi.json, built once per execution environment. */
export const handler = publicHandler(async () => {
  document ??= buildOpenApiDocument();
  return json(200, document, { 'access-control-allow-origin': '*' });
});
