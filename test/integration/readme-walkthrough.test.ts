import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localDescription } from '../../infra/local/seed';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * The README's walkthrough is a contract: its shell blocks run, in order, against the
 * local gateway, from a folder holding .consent-gate/local.json as `npm start` writes it.
 */
let gw: LocalGateway;
let cwd: string;

beforeAll(async () => {
  gw = await startLocalGateway();
  // A Tuesday, 10:00 in Paris: the SMS part would otherwise be deferred (R14) when CI runs at night.
  setDependencies({ ...runtimeDependencies(), clock: { now: () => new Date('2026-11-24T09:00:00Z') } });
  cwd = mkdtempSync(join(tmpdir(), 'consent-gate-readme-'));
  mkdirSync(join(cwd, '.consent-gate'));
  writeFileSync(
    join(cwd, '.consent-gate', 'local.json'),
    // The file npm start writes, made by the same function.
    JSON.stringify(localDescription(gw, gw)),
  );
});
afterAll(async () => {
  await gw?.stop();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

function walkthroughScript(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## Walkthrough');
  const end = readme.indexOf('### The whole API');
  expect(start).toBeGreaterThan(0);
  const section = readme.slice(start, end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(6);
  // Each curl's answer on its own line, so that the assertions below read one answer each.
  return `set -euo pipefail\ncurl() { command curl "$@"; echo; }\n${blocks.join('\n')}`;
}

it("runs the README's walkthrough and gets the answers it describes", async () => {
  const { stdout } = await promisify(execFile)('bash', ['-c', walkthroughScript()], {
    cwd,
    maxBuffer: 10_000_000,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    // Show how far the walkthrough went: the last answers before the failing command.
    throw new Error(
      `README walkthrough failed:\n${error.stdout?.slice(-3000)}\n${error.stderr?.slice(-2000)}`,
    );
  });
  expect(stdout).toContain('"id":"garden-deals"');
  expect(stdout).toMatch(/^204$/m);
  expect(stdout).toMatch(/"role":"sender","key":"cg_send_[A-Za-z0-9_-]{43}","label":"CRM"/);
  expect(stdout).toMatch(/"purpose":"newsletter","consent":\{[^\n]*"valid":true/);
  expect(stdout).toMatch(/"valid":false,"problems":\[\{"reason":"consent_invalid","rule":"R3"/);
  expect(stdout).toContain(
    '"decision":"rejected","reasons":["consent_missing","soft_opt_in_not_applicable"],"rules":["R1","R2"]',
  );
  expect(stdout).toMatch(/"decision":"sent","messageId":"[^"]+","basis":"consent"/);
  expect(stdout).toMatch(
    /"decision":"sent","messageId":"[^"]+","basis":"soft_opt_in","proof":\{"type":"purchase","ref":"order-1001"/,
  );
  expect(stdout).toContain('{"name":"List-Unsubscribe-Post","value":"List-Unsubscribe=One-Click"}');
  expect(stdout).toContain('"summary":{"allowed":1,"deferred":0,"rejected":3}');
  expect(stdout).toContain('<h1>Confirmer la désinscription</h1>');
  expect(stdout).toContain('<h1>You are unsubscribed</h1>');
  expect(stdout).toContain('"decision":"rejected","reasons":["objection"],"rules":["R7"]');
  // SMS
  // A decision time (`at`): Saturday allowed, Sunday deferred (R14), whatever the hour the walkthrough runs.
  expect(stdout).toMatch(/^\{"decision":"allowed","basis":"consent","proof":\{"type":"consent"/m);
  expect(stdout).toMatch(/"decision":"deferred","notBefore":"[^"]+","basis":"consent",.*"rules":\["R14"\]/);
  expect(stdout).toMatch(
    /"decision":"sent","messageId":"[^"]+","basis":"consent".*"encoding":"GSM-7","segments":1/,
  );
  expect(stdout).toContain(
    '"body":"Demo Shop: -20% on books this week\\nSTOP au 36123","messageType":"PROMOTIONAL"',
  );
  expect(stdout).toContain('"decision":"rejected","reasons":["sender_not_allowed"],"rules":["R10"]');
  expect(stdout.match(/"reasons":\["objection"\],"rules":\["R7"\]/g)).toHaveLength(2);
  // 7. Repermission, once.
  expect(stdout).toMatch(/"decision":"sent","messageId":"[^"]+","basis":"repermission"/);
  expect(stdout).toContain('"decision":"rejected","reasons":["repermission_not_allowed"],"rules":["R13"]');
  // 5. Rights and proof.
  expect(stdout).toMatch(/"kind":"preferences","url":"http:\/\/127\.0\.0\.1:\d+\/p\/v1\.k1\./);
  expect(stdout).toContain('"format":"consent-gate.recipient-export"');
  expect(stdout).toMatch(/"type":"decision\.sent","actor":\{"type":"sender_key"/);
  expect(stdout).toMatch(/"source":"consent-gate","time":"[^"]+","detailType":"Objection Recorded"/);
  expect(stdout).toMatch(/"deletedItems":\d+,"opposition":\{"scope":\{"type":"channel"\}/);
  expect(stdout).toMatch(/"opposition":\[[^\n]*"method":"erasure_request"/);
  // 9. Complaint rate: held at 0.3% of 1,000 deliveries, transactional still goes, lifted once.
  expect(stdout).toMatch(/"sends":1000,"complaints":3,"rate":0\.003,[^\n]*"status":"hold","hold":\{/);
  expect(stdout).toContain('"decision":"rejected","reasons":["complaint_rate_hold"],"rules":[]');
  expect(stdout).toMatch(/"decision":"sent","messageId":"[^"]+","basis":"contract"/);
  expect(stdout).toMatch(/^\{"lifted":true,[^\n]*"by":\{"type":"admin_key"/m);
  expect(stdout).toMatch(/^\{"lifted":false,"message":"No complaint-rate hold is set/m);
  expect(stdout.match(/"basis":"soft_opt_in"/g)?.length).toBeGreaterThanOrEqual(2);
  // After the erasure: the objection first (R7 wins), then the missing bases.
  expect(stdout).toContain(
    '"decision":"rejected","reasons":["objection","consent_missing","soft_opt_in_not_applicable"]',
  );
  // 8. Legacy import over the API: one row per outcome.
  expect(stdout).toContain(
    '{"counts":{"migrated_consent":1,"soft_opt_in":1,"needs_repermission":1,"opted_out":1,"expired":1,"bounced":1,"invalid":1},"rows":[{"row":1,"outcome":"migrated_consent"},',
  );
});

/** The shell blocks of a README section that run against the local gateway (not the deployed-only ones). */
function sectionBlocks(title: string): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf(title);
  const end = readme.indexOf('\n## ', start + title.length);
  expect(start).toBeGreaterThan(0);
  return [...readme.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((block) => block.includes('"$API'));
}

it("runs the README's credentials and local bulk queue examples", async () => {
  const setup = walkthroughScript().split('\n').slice(0, 8).join('\n');
  const script = [
    setup,
    ...sectionBlocks('## Switch an existing sender'),
    ...sectionBlocks('## Bulk queue'),
  ].join('\n');
  const { stdout } = await promisify(execFile)('bash', ['-c', script], { cwd, maxBuffer: 10_000_000 });
  expect(stdout).toMatch(
    /"accessKeyId":"CGAK[A-Z2-7]{16}","secretAccessKey":"[^"]+","label":"legacy newsletter app"/,
  );
  expect(stdout).toMatch(/"messageIds":\["[^"]+","[^"]+"\]/);
  expect(stdout).toMatch(/"depth":0,"batches":\[2\],"deadLetters":\[\]/);
  expect(stdout.match(/"detailType":"Message Outcome"/g)).toHaveLength(2);
});
