import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { entryPoints } from '../../infra/entry-points';
import { buildOpenApiDocument } from '../../shared/http/openapi';

/**
 * The OpenAPI document passes Redocly's recommended rules (redocly.yaml) with no error
 * and no warning: servers, security on every route (public ones say `security: []`),
 * an operationId each, a 4xx each, and a response schema for every answer with a body.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'consent-gate-openapi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

async function lint(document: unknown): Promise<LintReport> {
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', file, '--format=json'],
    // From the repository root, so that redocly.yaml applies; no telemetry, no update check.
    { cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return JSON.parse(stdout) as LintReport;
}

it('passes redocly lint (recommended) with 0 errors and 0 warnings', async () => {
  const report = await lint(buildOpenApiDocument());
  const problems = report.problems.map(
    (p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`,
  );
  expect(problems).toEqual([]);
  expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
}, 60_000);

it('the linter does find problems (it can fail): a public route without security, no servers', async () => {
  const document = buildOpenApiDocument() as unknown as {
    servers?: unknown;
    paths: Record<string, Record<string, object>>;
  };
  const { security: _, ...unsecured } = document.paths['/u/{token}']!.get as { security?: unknown };
  document.paths['/u/{token}']!.get = unsecured;
  document.servers = [];
  const report = await lint(document);
  expect(report.problems.map((p) => p.ruleId)).toEqual(
    expect.arrayContaining(['security-defined', 'no-empty-servers']),
  );
}, 60_000);

it('documents every route with an operationId and, for every answer with a body, its schema', () => {
  const document = buildOpenApiDocument() as unknown as {
    paths: Record<
      string,
      Record<string, { operationId?: string; responses: Record<string, { content?: object }> }>
    >;
  };
  // Fallback routes answer only errors (an unserved SES v2 operation): no operation of their own.
  for (const route of entryPoints.flatMap((e) => e.routes).filter((r) => r.fallback !== true)) {
    const operation = document.paths[route.path]?.[route.method.toLowerCase()];
    expect(operation?.operationId, `${route.method} ${route.path}`).toMatch(/^[a-z][A-Za-z]+$/);
    for (const [status, response] of Object.entries(operation!.responses)) {
      if (status !== '204') expect(response.content, `${route.method} ${route.path} ${status}`).toBeDefined();
    }
  }
});
