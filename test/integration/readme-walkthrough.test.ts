import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDescription } from '../../infra/local/seed';
import { DEFAULT_SMS_WINDOW, isOpen } from '../../shared/domain/sms-hours';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * The README's tour and every page of docs/ are a contract: their shell blocks run, page
 * after page in the order below, against one local gateway, from a folder holding
 * .consent-gate/local.json as `npm start` writes it. State flows from page to page as it
 * does for a reader who follows the README and then the pages in this order (bob
 * consents and unsubscribes in the tour, the API page declares `garden-deals`, …).
 *
 * A block fenced ```sh runs; one fenced ```sh no-run (deploying, benchmarks, a CSV of the
 * reader's own) is counted, and the count is asserted, so that no command slips out of
 * the test unnoticed. Commands go in ```sh blocks only: ```bash, ```console or ```shell
 * fail the test.
 */
const PAGES = [
  'README.md',
  'docs/local.md',
  'docs/api.md',
  'docs/recipients.md',
  'docs/senders.md',
  'docs/migration.md',
  'docs/sms.md',
  'docs/import.md',
  'docs/operations.md',
  'docs/architecture.md',
  'docs/rules.md',
  'docs/reliability.md',
  'docs/performance.md',
  'docs/deploy.md',
  'docs/testing.md',
  'docs/console.md',
] as const;
type Page = (typeof PAGES)[number];

/** Blocks that cannot run against the local gateway, per page (fenced ```sh no-run). */
const SKIPPED: Record<Page, number> = {
  'README.md': 1, // npm ci && npm start / npm test
  'docs/local.md': 0,
  'docs/api.md': 0,
  'docs/recipients.md': 1, // unsubscribe by mail: needs UNSUBSCRIBE_MAIL_DOMAIN and the id of a delivered message
  'docs/senders.md': 1, // aws sqs send-message
  'docs/migration.md': 0,
  'docs/sms.md': 0,
  'docs/import.md': 2, // npm run import, npm run audit-segment on the reader's own files
  'docs/operations.md': 1, // npx consent-gate operator-key, assign-identity… (on the table)
  'docs/architecture.md': 0,
  'docs/rules.md': 0,
  'docs/reliability.md': 0,
  'docs/performance.md': 3, // npm run bench; its decide and bundles sections; the million-row import
  'docs/deploy.md': 7, // synth, cdk deploy, create-tenant, secret rotation, SMTP relay certificate (create, renew), console-user add
  'docs/testing.md': 1, // npm run mutate (minutes)
  'docs/console.md': 1, // unzip and sha256sum -c of an evidence pack downloaded in the browser
};

let gw: LocalGateway;
let cwd: string;
type Clock = ReturnType<typeof runtimeDependencies>['clock'];
let realClock: Clock;
let walkthroughClock: Clock;

beforeAll(async () => {
  // With the SMTP relay, as npm start runs it (docs/senders.md sends with swaks).
  gw = await startLocalGateway({ smtp: true });
  // The latest Tuesday 09:00 UTC before now that the SMS window is open in Paris (R14; not a
  // public holiday): the SMS page would otherwise be deferred when CI runs at night. Derived
  // from the real date, so the pages' "next Saturday" (sms.md) always lies ahead of it.
  const clock = walkthroughNow(new Date());
  realClock = runtimeDependencies().clock;
  walkthroughClock = { now: () => clock };
  setDependencies({ ...runtimeDependencies(), clock: walkthroughClock });
  cwd = mkdtempSync(join(tmpdir(), 'consent-gate-readme-'));
  mkdirSync(join(cwd, '.consent-gate'));
  writeFileSync(
    join(cwd, '.consent-gate', 'local.json'),
    // The file npm start writes, made by the same function.
    JSON.stringify(localDescription(gw, gw)),
  );
  // The pages run at the repository root: their SDK snippets (node -e) import its node_modules.
  symlinkSync(
    fileURLToPath(new URL('../../node_modules', import.meta.url)),
    join(cwd, 'node_modules'),
    'dir',
  );
});
function walkthroughNow(real: Date): Date {
  const at = new Date(real);
  at.setUTCHours(9, 0, 0, 0);
  at.setUTCDate(at.getUTCDate() - ((at.getUTCDay() + 5) % 7)); // back to a Tuesday
  if (at > real) at.setUTCDate(at.getUTCDate() - 7);
  while (!isOpen(at, { country: 'FR', timeZones: ['Europe/Paris'] }, DEFAULT_SMS_WINDOW)) {
    at.setUTCDate(at.getUTCDate() - 7);
  }
  return at;
}

afterAll(async () => {
  await gw?.stop();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

interface Blocks {
  readonly run: string[];
  readonly skipped: number;
  /** Blocks fenced with a shell language other than sh: commands the test would miss. */
  readonly misfenced: string[];
}

function blocksOf(page: string): Blocks {
  const text = readFileSync(new URL(`../../${page}`, import.meta.url), 'utf8');
  const run: string[] = [];
  const misfenced: string[] = [];
  let skipped = 0;
  for (const m of text.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)) {
    const [lang = '', ...flags] = m[1]!.trim().split(/\s+/);
    if (lang === 'sh') {
      if (flags.includes('no-run')) skipped++;
      else run.push(m[2]!);
    } else if (['bash', 'console', 'shell', 'zsh', 'shell-session'].includes(lang)) {
      misfenced.push(m[2]!.split('\n')[0]!);
    }
  }
  return { run, skipped, misfenced };
}

async function runPage(page: Page): Promise<string> {
  const { run } = blocksOf(page);
  // Each curl's answer on its own line, so that the assertions below read one answer each.
  const script = `set -euo pipefail\ncurl() { command curl "$@"; echo; }\n${run.join('\n')}`;
  const { stdout } = await promisify(execFile)('bash', ['-c', script], {
    cwd,
    maxBuffer: 10_000_000,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    // Show how far the page went: the last answers before the failing command.
    throw new Error(`${page} failed:\n${error.stdout?.slice(-3000)}\n${error.stderr?.slice(-2000)}`);
  });
  return stdout;
}

describe('the docs are run', () => {
  it('lists every page of docs/, and every page fences its commands as sh', () => {
    const docs = readdirSync(new URL('../../docs', import.meta.url))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`);
    expect(docs.filter((d) => !(PAGES as readonly string[]).includes(d))).toEqual([]);
    for (const page of PAGES) expect(blocksOf(page).misfenced, page).toEqual([]);
  });

  it('skips exactly the blocks that cannot run locally', () => {
    const skipped = Object.fromEntries(PAGES.map((p) => [p, blocksOf(p).skipped]));
    expect(skipped).toEqual(SKIPPED);
    expect(Object.values(skipped).reduce((a, b) => a + b, 0)).toBe(18);
  });
});

// Pages run in order against the same gateway: each test relies on the ones before it.
describe('the README tour, then each page, against one local gateway', () => {
  it('README.md: refused, allowed, unsubscribed, refused', async () => {
    const out = await runPage('README.md');
    expect(out).toContain(
      '"decision":"rejected","reasons":["consent_missing","soft_opt_in_not_applicable"],"rules":["R1","R2"]',
    );
    expect(out).toMatch(/"purpose":"newsletter","consent":\{[^\n]*"valid":true/);
    expect(out).toMatch(/"decision":"sent","messageId":"[^"]+","basis":"consent"/);
    expect(out).toContain('<h1>Confirmer la désinscription</h1>');
    expect(out).toContain('<h1>You are unsubscribed</h1>');
    expect(out.split('\n').at(-2)).toContain('"decision":"rejected","reasons":["objection"],"rules":["R7"]');
    // What was delivered: one newsletter, to bob, with the one-click headers.
    const delivered = await gw.sentEmails();
    expect(delivered.map((e) => e.destination.to)).toEqual([['bob@example.org']]);
  });

  it('docs/local.md and docs/api.md: purposes, identities, keys, the OpenAPI document', async () => {
    // The local-only routes: bob's newsletter as handed to SES, an empty objection queue, and a
    // mail to an unsubscribe address that records nothing (npm start sets no inbound domain).
    expect((await runPage('docs/local.md')).split('\n')).toEqual([
      '["simple",["List-Unsubscribe","List-Unsubscribe-Post"]]',
      '{"depth":0,"batches":[],"deadLetters":[]}',
      '{"outcomes":["not_ours"]}',
      '',
    ]);
    const out = await runPage('docs/api.md');
    expect(out).toContain('"id":"garden-deals"');
    expect(out).toMatch(/^204$/m);
    // The operator assigns; the tenant admin cannot take an identity, and lists its own.
    expect(out).toContain('{"tenantId":"demo","identity":"news.shop.example","channel":"email"}');
    expect(out).toMatch(/"error":"identity_not_assigned","message":"\\"brand-b\.example\\" is not assigned/);
    expect(out).toMatch(/"emailIdentities":\["news\.shop\.example","shop\.example"\]/);
    expect(out).toMatch(/"role":"sender","key":"cg_send_[A-Za-z0-9_-]{43}","label":"CRM"/);
    expect(out).toMatch(/^consent-gate/m);
    expect(out).toContain('<title>consent-gate API reference</title>');
  });

  it('docs/recipients.md: consents, objections, rights, erasure, repermission', async () => {
    const out = await runPage('docs/recipients.md');
    expect(out).toMatch(/"valid":false,"problems":\[\{"reason":"consent_invalid","rule":"R3"/);
    // Bob's state holds the objection his one-click unsubscribe made in the tour.
    expect(out).toMatch(/"objections":\[\{[^\n]*"method":"one_click"/);
    expect(out).toMatch(/"kind":"preferences","url":"http:\/\/127\.0\.0\.1:\d+\/p\/v1\.k1\./);
    expect(out).toContain('"format":"consent-gate.recipient-export"');
    expect(out).toMatch(/"type":"decision\.sent","actor":\{"type":"sender_key"/);
    // R15: bob's chains verify (changes and decisions), nothing of before the chain.
    expect(out).toMatch(
      /"ok":true,"unchained":0,"changes":\{"ok":true,"events":\d+,"tombstones":0,"head":\{"seq":\d+,"hash":"[0-9a-f]{64}"\}\},"decisions":\{"ok":true,"events":[1-9]/,
    );
    expect(out).toMatch(/"source":"consent-gate","time":"[^"]+","detailType":"Objection Recorded"/);
    expect(out).toMatch(/"deletedItems":\d+,"opposition":\{"scope":\{"type":"channel"\}/);
    expect(out).toMatch(/"opposition":\[[^\n]*"method":"erasure_request"/);
    // After the erasure: the objection first (R7 wins), then the missing bases.
    expect(out).toContain(
      '"decision":"rejected","reasons":["objection","consent_missing","soft_opt_in_not_applicable"]',
    );
    expect(out).toMatch(/"decision":"sent","messageId":"[^"]+","basis":"repermission"/);
    expect(out).toContain('"decision":"rejected","reasons":["repermission_not_allowed"],"rules":["R13"]');
  });

  it('docs/senders.md: soft opt-in, headers, a segment, SES credentials, SMTP, the bulk queue, your own feedback', async () => {
    const out = await runPage('docs/senders.md');
    expect(out).toMatch(
      /"decision":"sent","messageId":"[^"]+","basis":"soft_opt_in","proof":\{"type":"purchase","ref":"order-1001"/,
    );
    expect(out).toContain('{"name":"List-Unsubscribe-Post","value":"List-Unsubscribe=One-Click"}');
    expect(out).toContain('"summary":{"allowed":1,"deferred":0,"rejected":3}');
    expect(out).toMatch(
      /"accessKeyId":"CGAK[A-Z2-7]{16}","secretAccessKey":"[^"]+","label":"legacy newsletter app"/,
    );
    // SMTP with swaks: alice (soft opt-in) sent, carol refused with her reasons in the 250.
    expect(out).toMatch(
      /<~ {1,2}250 2\.0\.0 Sent to 1 of 2 recipient\(s\) id=\S+; refused by consent-gate, not sent: carol@example\.org: consent_missing, soft_opt_in_not_applicable \(R1, R2\)$/m,
    );
    expect(out).toMatch(/"messageIds":\["[^"]+","[^"]+"\]/);
    expect(out).toMatch(/"depth":0,"batches":\[2\],"deadLetters":\[\]/);
    expect(out.match(/"detailType":"Message Outcome"/g)).toHaveLength(2);
    // Your own feedback: a foreign account refused, then a bounce forwarded with SES's MessageId and the tags.
    expect(out).toMatch(
      /"issues":\[\{"field":"destination\.topicArn","problem":"must be in this deployment's account 000000000000"\}\]/,
    );
    expect(out).toContain(
      '{"destination":{"type":"sns","topicArn":"arn:aws:sns:eu-west-3:000000000000:crm-feedback"},"eventTypes":["Bounce","Complaint","Delivery"]}',
    );
    expect(out).toMatch(
      /"detailType":"Sender Feedback","detail":\{"destination":\{"type":"sns",[^\n]*"eventType":"Bounce","sesMessageId":"0100018c-docs-000000","tags":\{"campaign":\["autumn"\]\}/,
    );
    expect(out.match(/"detailType":"Sender Feedback"/g)).toHaveLength(1);
    expect(out).toContain('{"destination":null,"eventTypes":["Bounce","Complaint","Delivery"]}');
  });

  it('docs/migration.md: the SDKs (SES v2 and v1), nodemailer and the AWS CLI, endpoint and credentials changed', async () => {
    const before = await gw.sentEmails();
    // Real SDKs and the AWS CLI sign with the machine's time, which the gateway checks to
    // within 5 minutes (SigV4): this page runs on the real clock, the pages after it on the
    // walkthrough's again (nothing after it reads what this page records).
    setDependencies({ ...runtimeDependencies(), clock: realClock });
    const out = await runPage('docs/migration.md').finally(() =>
      setDependencies({ ...runtimeDependencies(), clock: walkthroughClock }),
    );
    expect(out).toMatch(/"recipientKey":"[^"]+","purpose":"newsletter",[^\n]*"valid":true/);
    // AWS SDK v3, SES v2: sent; with a refused recipient among two, nothing sent.
    expect(out).toContain(
      'MessageRejected: Message rejected by consent-gate for 1 of 2 recipient(s); nothing was sent. henri@example.org: consent_missing (R1)',
    );
    expect(out.match(/^\{"MessageId":"ses-\d+"\}$/gm)).toHaveLength(2);
    // nodemailer (SES v2): verify() succeeds, messageId built from SES's MessageId.
    expect(out).toContain('verify: true');
    expect(out).toMatch(/^messageId: <ses-\d+@eu-west-3\.amazonses\.com>$/m);
    // The AWS CLI: sesv2 sends, ses (v1) is refused with the reasons.
    expect(out).toMatch(/"MessageId": "ses-\d+"/);
    expect(out).toContain(
      'An error occurred (MessageRejected) when calling the SendEmail operation: Message rejected by consent-gate for 1 of 1 recipient(s); nothing was sent. henri@example.org: consent_missing (R1)',
    );
    expect(out).toContain('["List-Unsubscribe","List-Unsubscribe-Post"]');
    // Four messages, all to hana, none to henri.
    const sent = (await gw.sentEmails()).slice(before.length);
    expect(sent.map((e) => e.destination.to)).toEqual([
      ['hana@example.org'],
      ['hana@example.org'],
      ['hana@example.org'],
      ['hana@example.org'],
    ]);
    expect(out).toMatch(/^4$/m);
  });

  it('docs/sms.md: sent with its opt-out mention, a long code refused, STOP', async () => {
    const out = await runPage('docs/sms.md');
    expect(out).toMatch(
      /"decision":"sent","messageId":"[^"]+","basis":"consent".*"encoding":"GSM-7","segments":1/,
    );
    expect(out).toContain(
      '"body":"Demo Shop: -20% on books this week\\nSTOP au 36123","messageType":"PROMOTIONAL"',
    );
    expect(out).toContain('"decision":"rejected","reasons":["sender_not_allowed"],"rules":["R10"]');
    expect(out).toContain('"decision":"rejected","reasons":["objection"],"rules":["R7"]');
    // A decision time (`at`): Saturday allowed, Sunday deferred (R14), whatever the hour it runs.
    expect(out).toMatch(/^\{"decision":"allowed","basis":"consent","proof":\{"type":"consent"/m);
    expect(out).toMatch(/"decision":"deferred","notBefore":"[^"]+","basis":"consent",.*"rules":\["R14"\]/);
  });

  it('docs/import.md: one row per outcome', async () => {
    const out = await runPage('docs/import.md');
    expect(out).toContain(
      '{"counts":{"migrated_consent":1,"soft_opt_in":1,"needs_repermission":1,"opted_out":1,"expired":1,"bounced":1,"invalid":1},"rows":[{"row":1,"outcome":"migrated_consent"},',
    );
  });

  it('docs/operations.md: tenants and identities; the hold at 0.3%, lifted once; a complaint, then a bounce', async () => {
    const out = await runPage('docs/operations.md');
    expect(out).toMatch(
      /"tenant":"garden-co","emailIdentities":\["garden-co\.example"\],"smsSenders":\[\],"adminKeyId":"[^"]+","adminKey":"cg_admin_/,
    );
    expect(out).toMatch(
      /"error":"identity_taken","message":"email identity \\"shop\.example\\" is assigned to tenant demo/,
    );
    expect(out).toContain(
      '{"tenantId":"garden-co","emailIdentities":["garden-co.example"],"smsSenders":[{"senderId":"GARDENCO","originationIdentity":"sender-id/GARDENCO/FR"}]}',
    );
    expect(out).toContain('"error":"forbidden","message":"This endpoint needs the operator key"');
    // Nothing was sent as another tenant: every delivered mail so far is the demo tenant's.
    expect((await gw.sentEmails()).every((e) => /@(news\.)?shop\.example>?$/.test(e.from))).toBe(true);
    expect(out).toMatch(/"sends":1000,"complaints":3,"rate":0\.003,[^\n]*"status":"hold","hold":\{/);
    expect(out).toContain('"decision":"rejected","reasons":["complaint_rate_hold"],"rules":[]');
    expect(out).toMatch(/^\{"lifted":true,[^\n]*"by":\{"type":"admin_key"/m);
    expect(out).toMatch(/^\{"lifted":false,"message":"No complaint-rate hold is set/m);
    expect(out).toMatch(/"decision":"sent","messageId":"[^"]+","basis":"soft_opt_in"/);
    // Frank: a complaint stops marketing, not his receipts; a hard bounce stops those too.
    expect(out).toMatch(/"decision":"rejected","reasons":\["suppressed_complaint","objection"/);
    expect(out.match(/"decision":"sent","messageId":"[^"]+","basis":"contract"/g)).toHaveLength(2);
    expect(out).toContain('"decision":"rejected","reasons":["suppressed_bounce"],"rules":["R8"]');
  });

  it('the pages without local commands run nothing', async () => {
    for (const page of [
      'docs/architecture.md',
      'docs/rules.md',
      'docs/reliability.md',
      'docs/performance.md',
      'docs/deploy.md',
      'docs/testing.md',
    ] as const) {
      expect(blocksOf(page).run, page).toEqual([]);
    }
  });

  it('docs/console.md: the console URL from local.json, its sign-in page', async () => {
    const out = await runPage('docs/console.md');
    expect(out).toContain(`${gw.apiUrl}/console\n`);
    expect(out).toContain('<h1>Sign in</h1>');
  });
});
