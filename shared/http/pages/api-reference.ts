/**
 * GET /docs: the OpenAPI document (GET /openapi.json) rendered by Redoc, whose script the
 * gateway serves itself (GET /docs/redoc.standalone.js): nothing from another origin.
 * GET /docs/reference.js starts it with Redoc's telemetry off (it would post to Redocly's
 * servers; the CSP blocks that anyway). Paths are relative, so the page works behind any
 * base URL.
 */
export const API_REFERENCE_START = `import { init } from './redoc.standalone.js';
init('openapi.json', { disableTelemetry: true }, document.getElementById('reference'));
`;

export function apiReferencePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>consent-gate API reference</title>
<link rel="icon" href="data:,">
<style>body { margin: 0; }</style>
</head>
<body>
<noscript><p>The API reference needs JavaScript. The document itself is at <a href="openapi.json">openapi.json</a>.</p></noscript>
<div id="reference"></div>
<script type="module" src="docs/reference.js"></script>
</body>
</html>`;
}

/**
 * Redoc renders with inline styles and may start a search worker from a blob; everything
 * else comes from this origin only (its attribution logo on Redocly's CDN is blocked).
 */
export const API_REFERENCE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');
