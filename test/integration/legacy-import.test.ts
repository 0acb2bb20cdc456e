import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../scripts/import';
import { LEGACY_COLUMNS, type LegacyRow } from '../../shared/domain/legacy-import';
import { recipientKey } from '../../shared/domain/recipient-key';
import { runtimeDependencies } from '../../shared/http/runtime';
import { type GatewayStore, StoreUnavailableError } from '../../shared/ports/gateway-store';
import { type LocalGateway, newsletter, startLocalGateway } from '../support/local-gateway';

const run$ = promisify(execFile);

/** R16 end to end: a legacy CSV through the streaming import into the real local DynamoDB. */
let gw: LocalGateway;
let dir: string;

const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
const proven: LegacyRow = {
  channel: 'email',
  purpose: 'newsletter',
  optin_at: day(100),
  method: 'web_form',
  source: 'https://shop.example/signup',
  wording_version: 'newsletter-v1',
  controllers: 'Demo Shop',
};
const rows: LegacyRow[] = [
  { ...proven, address: 'migrated@example.org' },
  {
    ...proven,
    address: 'customer@example.org',
    optin_at: '',
    method: '',
    purchase_family: 'books',
    purchase_at: day(50),
    opt_out_offered: 'yes',
  },
  { ...proven, address: 'unproven@example.org', wording_version: '' },
  { ...proven, address: 'optout@example.org', opted_out: 'yes' },
  { ...proven, address: 'stale@example.org', optin_at: day(2000) },
  { ...proven, address: 'bounced@example.org', hard_bounce: 'yes' },
  { ...proven, address: 'not an address' },
  // Proven, but the gateway already holds a bounce for it (R8/R11: stays suppressed).
  { ...proven, address: 'already-suppressed@example.org' },
];

function csv(list: readonly LegacyRow[]): string {
  const cell = (v: string | undefined) => (v === undefined ? '' : /[",\n]/.test(v) ? `"${v}"` : v);
  return `${LEGACY_COLUMNS.join(',')}\n${list.map((r) => LEGACY_COLUMNS.map((c) => cell(r[c])).join(',')).join('\n')}\n`;
}

async function recipientItems(): Promise<string[]> {
  const client = new DynamoDBClient({ endpoint: gw.dynamodbUrl });
  const items: string[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: gw.tableName, ExclusiveStartKey: start }));
    for (const i of page.Items ?? []) {
      const pk = i.pk?.S ?? '';
      if (pk.startsWith('TENANT#demo#R#')) items.push(`${pk}|${i.sk?.S}`);
    }
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  client.destroy();
  return items.sort();
}

/** A recipient's stored items: sort key, TTL and, for audit events, their type. */
async function partition(address: string): Promise<{ sk: string; ttl?: number; type?: string }[]> {
  const keys = await runtimeDependencies().keys.load();
  const key = recipientKey(keys.hashKey, 'demo', 'email', address);
  const client = new DynamoDBClient({ endpoint: gw.dynamodbUrl });
  const page = await client.send(
    new QueryCommand({
      TableName: gw.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: `TENANT#demo#R#${key}` } },
      ConsistentRead: true,
    }),
  );
  client.destroy();
  return (page.Items ?? []).map((i) => ({
    sk: i.sk?.S ?? '',
    ttl: i.ttl?.N === undefined ? undefined : Number(i.ttl.N),
    type: i.data?.M?.type?.S,
  }));
}

const ttlAfterDays = (iso: string, days: number) => Math.floor((Date.parse(iso) + days * 86_400_000) / 1000);

async function run(file: string, out: string) {
  const deps = runtimeDependencies();
  return runImport({
    store: deps.store,
    tenants: deps.tenants,
    keys: await deps.keys.load(),
    tenantId: 'demo',
    file,
    outDir: out,
  });
}

beforeAll(async () => {
  gw = await startLocalGateway();
  dir = mkdtempSync(join(tmpdir(), 'legacy-import-'));
  writeFileSync(join(dir, 'base.csv'), csv(rows));
  const r = await gw.call('POST', '/v1/suppressions', {
    key: gw.adminKey,
    body: { channel: 'email', address: 'already-suppressed@example.org', reason: 'bounce' },
  });
  expect(r.status).toBeLessThan(300);
});
afterAll(async () => {
  await gw?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('R16 legacy import', () => {
  let firstItems: string[] = [];

  it('R16 sorts every row into its outcome and writes an inventory per outcome (mode 0600)', async () => {
    const counts = await run(join(dir, 'base.csv'), join(dir, 'out1'));
    expect(counts).toEqual({
      migrated_consent: 1,
      soft_opt_in: 1,
      needs_repermission: 1,
      opted_out: 1,
      expired: 1,
      bounced: 2,
      invalid: 1,
    });
    const bounced = readFileSync(join(dir, 'out1', 'bounced.csv'), 'utf8');
    expect(bounced).toContain('already-suppressed@example.org');
    expect(bounced).toContain('already suppressed');
    expect(statSync(join(dir, 'out1', 'migrated_consent.csv')).mode & 0o777).toBe(0o600);
    firstItems = await recipientItems();
    // R9: the stale row left nothing behind.
    const keys = await runtimeDependencies().keys.load();
    const stale = recipientKey(keys.hashKey, 'demo', 'email', 'stale@example.org');
    expect(firstItems.some((i) => i.includes(stale))).toBe(false);
  });

  it('R16 re-run creates no duplicates and gives the same counts', async () => {
    const counts = await run(join(dir, 'base.csv'), join(dir, 'out2'));
    expect(counts.migrated_consent).toBe(1);
    expect(counts.bounced).toBe(2);
    expect(counts.opted_out).toBe(1);
    expect(await recipientItems()).toEqual(firstItems);
  });

  it('R9/R11 imported items carry their TTL, and each imported change its audit event', async () => {
    // R9: personal data expires 3 years (the default) after the last act of the person.
    const migrated = await partition('migrated@example.org');
    const personal = ttlAfterDays(proven.optin_at ?? '', 3 * 365);
    expect(migrated.map((i) => [i.sk, i.ttl, i.type])).toEqual(
      expect.arrayContaining([
        ['S#PROFILE', personal, undefined],
        ['S#CONSENT#newsletter', personal, undefined],
        // R15: appended to the recipient's chain of changes, with the marker of its fixed id.
        [expect.stringMatching(/^A#C#\d{12}$/), personal, 'consent.given'],
        [expect.stringMatching(/^E#import-/), personal, undefined],
      ]),
    );
    // A customer: 3 years after the purchase.
    const customer = await partition('customer@example.org');
    const customerTtl = ttlAfterDays(rows[1]?.purchase_at ?? '', 3 * 365);
    expect(customer.find((i) => i.sk === 'S#PROFILE')?.ttl).toBe(customerTtl);
    expect(customer.find((i) => i.type === 'profile.updated')?.ttl).toBe(customerTtl);
    // R11: an objection and its proof on the suppression clock, from when it was recorded.
    const optout = await partition('optout@example.org');
    const objection = optout.find((i) => i.sk.startsWith('S#OBJECTION#'));
    const proof = optout.find((i) => i.type === 'objection.recorded');
    expect(objection?.ttl).toBeDefined();
    expect(proof?.ttl).toBe(objection?.ttl);
    expect(optout.some((i) => i.sk === 'S#PROFILE')).toBe(false);
    const bounced = await partition('bounced@example.org');
    expect(bounced.map((i) => i.type ?? i.sk).sort()).toEqual([
      expect.stringMatching(/^E#import-/),
      'S#SUPPRESSION#bounce',
      'suppression.recorded',
    ]);
    expect(bounced.every((i) => i.ttl !== undefined && i.ttl > Date.now() / 1000 + 3 * 364 * 86_400)).toBe(
      true,
    );
  });

  it("R9 an import that moves a known recipient's retention re-plans the items already stored", async () => {
    // Known since 1,000 days ago: retention ends in about 95 days.
    const lastActivityAt = day(1000);
    const r = await gw.call('PUT', '/v1/recipients', {
      key: gw.adminKey,
      body: { channel: 'email', address: 'known@example.org', audience: 'consumer', lastActivityAt },
    });
    expect(r.status).toBeLessThan(300);
    const before = await partition('known@example.org');
    const audit = before.find((i) => i.type === 'profile.updated');
    expect(audit?.ttl).toBe(ttlAfterDays(lastActivityAt, 3 * 365));
    // The legacy base knows of an opt-in 100 days ago: retention now ends 3 years after it.
    const file = join(dir, 'known.csv');
    writeFileSync(file, csv([{ ...proven, address: 'known@example.org' }]));
    const counts = await run(file, join(dir, 'known-out'));
    expect(counts.migrated_consent).toBe(1);
    const after = await partition('known@example.org');
    const extended = ttlAfterDays(proven.optin_at ?? '', 3 * 365);
    expect(after.find((i) => i.sk === audit?.sk)?.ttl).toBe(extended);
    expect(after.filter((i) => i.type === 'consent.given').map((i) => i.ttl)).toEqual([extended]);
  });

  it('R8/R11 an already-suppressed address stays suppressed and gets no consent', async () => {
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('already-suppressed@example.org'),
    });
    expect(r.status).toBe(403);
    expect(r.body.reasons).toContain('suppressed_bounce');
    const keys = await runtimeDependencies().keys.load();
    const key = recipientKey(keys.hashKey, 'demo', 'email', 'already-suppressed@example.org');
    expect(firstItems.filter((i) => i.includes(key) && i.includes('|S#'))).toEqual([
      `TENANT#demo#R#${key}|S#SUPPRESSION#bounce`,
    ]);
  });

  it('R16/R3 a migrated consent lets a send through; R11 an imported opt-out blocks', async () => {
    const sent = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('migrated@example.org'),
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ decision: 'sent', basis: 'consent' });
    const soft = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('customer@example.org'),
    });
    expect(soft.body).toMatchObject({ decision: 'sent', basis: 'soft_opt_in' });
    const blocked = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('optout@example.org'),
    });
    expect(blocked.status).toBe(403);
    expect(blocked.body.reasons).toContain('objection');
  });

  it('R13 marks needs_repermission rows on their profile', async () => {
    const deps = runtimeDependencies();
    const keys = await deps.keys.load();
    const state = await deps.store.getRecipientState(
      'demo',
      recipientKey(keys.hashKey, 'demo', 'email', 'unproven@example.org'),
    );
    expect(state.profile?.needsRepermission).toBe(true);
    expect(state.consents.newsletter).toBeUndefined();
  });

  it('R16 fails closed when the store fails mid-import, and a re-run completes without duplicates', async () => {
    const file = join(dir, 'resume.csv');
    writeFileSync(file, csv([1, 2, 3, 4].map((i) => ({ ...proven, address: `resume-${i}@example.org` }))));
    const deps = runtimeDependencies();
    const keys = await deps.keys.load();
    let calls = 0;
    // New recipients are committed a batch at a time (grouped transactions): the second batch fails.
    const failing: GatewayStore = Object.create(deps.store, {
      commitFreshRecipients: {
        value: (...args: Parameters<GatewayStore['commitFreshRecipients']>) => {
          calls++;
          if (calls === 2) return Promise.reject(new StoreUnavailableError('injected outage'));
          return deps.store.commitFreshRecipients(...args);
        },
      },
    });
    const base = { keys, tenants: deps.tenants, tenantId: 'demo', file, batchSize: 2 };
    await expect(runImport({ ...base, store: failing, outDir: join(dir, 'r1') })).rejects.toThrow(
      StoreUnavailableError,
    );
    const resumed = await runImport({ ...base, store: deps.store, outDir: join(dir, 'r2') });
    expect(resumed.migrated_consent).toBe(4);
    const after = await recipientItems();
    await runImport({ ...base, store: deps.store, outDir: join(dir, 'r3') });
    expect(await recipientItems()).toEqual(after);
    expect(after.filter((i) => i.endsWith('|S#CONSENT#newsletter')).length).toBeGreaterThanOrEqual(5);
  });
});

describe('R16 legacy import over the API (POST /v1/imports)', () => {
  const apiRows: LegacyRow[] = [
    { ...proven, address: 'api-migrated@example.org' },
    { ...proven, address: 'api-optout@example.org', opted_out: 'yes' },
    { ...proven, address: 'api not an address' },
  ];

  it('R16 imports a text/csv body: counts, outcome per row number, never an address in the answer', async () => {
    const before = await recipientItems();
    const r = await gw.call('POST', '/v1/imports', {
      key: gw.adminKey,
      body: csv(apiRows),
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.status).toBe(200);
    expect(r.body.counts).toMatchObject({ migrated_consent: 1, opted_out: 1, invalid: 1 });
    expect(r.body.rows).toEqual([
      { row: 1, outcome: 'migrated_consent' },
      { row: 2, outcome: 'opted_out' },
      { row: 3, outcome: 'invalid', reason: expect.stringContaining('address') },
    ]);
    expect(r.text).not.toContain('example.org');
    const added = (await recipientItems()).filter((i) => !before.includes(i));
    expect(added.length).toBeGreaterThan(0);
    // The audit trail names the admin key that imported, and the same body again adds nothing.
    const consent = (await partition('api-migrated@example.org')).find((i) => i.type === 'consent.given');
    expect(consent).toBeDefined();
    const again = await gw.call('POST', '/v1/imports', {
      key: gw.adminKey,
      body: csv(apiRows),
      headers: { 'content-type': 'text/csv' },
    });
    expect(again.body.counts).toEqual(r.body.counts);
    expect(await recipientItems()).toEqual([...before, ...added].sort());
    const keys = await runtimeDependencies().keys.load();
    const audit = await gw.call(
      'GET',
      `/v1/recipients/${recipientKey(keys.hashKey, 'demo', 'email', 'api-migrated@example.org')}/audit`,
      { key: gw.adminKey },
    );
    expect(audit.body.events).toEqual([
      expect.objectContaining({
        type: 'consent.given',
        actor: expect.objectContaining({ type: 'admin_key' }),
        why: 'R16: legacy import, migrated_consent',
      }),
    ]);
  });

  it('R16 takes a JSON body with a column mapping', async () => {
    const mapped = csv([{ ...proven, address: 'api-mapped@example.org' }]).replace(/^address,/, 'E-mail,');
    const r = await gw.call('POST', '/v1/imports', {
      key: gw.adminKey,
      body: { csv: mapped, mapping: { 'E-mail': 'address' } },
    });
    expect(r.status).toBe(200);
    expect(r.body.counts.migrated_consent).toBe(1);
  });

  it('R16 refuses, writing nothing: too many rows, unreadable CSV, no rows, a sender key', async () => {
    const before = await recipientItems();
    const many = csv(
      Array.from({ length: 1_001 }, (_, i) => ({ ...proven, address: `many-${i}@example.org` })),
    );
    const big = await gw.call('POST', '/v1/imports', {
      key: gw.adminKey,
      body: many,
      headers: { 'content-type': 'text/csv' },
    });
    expect(big.status).toBe(400);
    expect(big.body.issues).toEqual([
      { field: '(body)', problem: expect.stringContaining('1001 rows; the API imports at most 1000') },
    ]);
    const broken = await gw.call('POST', '/v1/imports', {
      key: gw.adminKey,
      body: 'address,channel\n"unclosed@example.org,email\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.issues[0].problem).toMatch(/^is not readable CSV: CSV_\w+ at line \d+$/);
    expect(broken.text).not.toContain('unclosed');
    const empty = await gw.call('POST', '/v1/imports', {
      key: gw.adminKey,
      body: { csv: 'address,channel\n' },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.issues[0].problem).toBe('has a header but no rows');
    const notJson = await gw.call('POST', '/v1/imports', { key: gw.adminKey, body: { csv: 42 } });
    expect(notJson.status).toBe(400);
    expect(notJson.body.issues[0].field).toBe('csv');
    const sender = await gw.call('POST', '/v1/imports', {
      key: gw.senderKey,
      body: csv(apiRows),
      headers: { 'content-type': 'text/csv' },
    });
    expect(sender.status).toBe(403);
    expect(await recipientItems()).toEqual(before);
  });
});

describe('Segment audit before a campaign (consent-gate audit-segment)', () => {
  const list = [
    'migrated@example.org', // imported with a proven consent: sent
    'customer@example.org', // soft opt-in: sent
    'optout@example.org', // R11 imported opt-out
    'bounced@example.org', // R8 imported bounce
    'unproven@example.org', // R13 needs repermission: no basis for a newsletter
    'never-heard-of@example.org', // no state at all
    'not an address',
  ];

  it('prints the counts the gateway would decide, sends nothing, names no address', async () => {
    const local = join(dir, 'segment-local');
    mkdirSync(local);
    writeFileSync(
      join(local, 'local.json'),
      JSON.stringify({ dynamodbUrl: gw.dynamodbUrl, tableName: gw.tableName }),
    );
    copyFileSync(join(gw.dir, 'keys.json'), join(local, 'keys.json'));
    const file = join(dir, 'segment.csv');
    writeFileSync(file, `address\n${list.join('\n')}\n`);
    const mailsBefore = (await gw.sentEmails()).length;
    const { stdout } = await run$(process.execPath, [
      'bin/consent-gate.mjs',
      'audit-segment',
      file,
      '--tenant',
      'demo',
      '--purpose',
      'newsletter',
      '--local-dir',
      local,
    ]);
    const figure = (label: string) => Number(new RegExp(`^${label}\\s+(\\d+)$`, 'm').exec(stdout)?.[1]);
    expect(stdout).toContain('Segment of 7 for newsletter by email (from news@shop.example)');
    expect(figure('would be sent')).toBe(2);
    expect(figure('refused')).toBe(4);
    expect(figure('invalid address')).toBe(1);
    expect(figure('  refused: objection')).toBe(1);
    expect(figure('  refused: suppressed_bounce')).toBe(1);
    expect(figure('  refused: consent_missing')).toBe(4);
    expect(stdout).not.toContain('example.org');
    expect((await gw.sentEmails()).length).toBe(mailsBefore);

    // The same list through the batch form of /v1/decisions decides the same.
    const decisions = await gw.call('POST', '/v1/decisions', {
      key: gw.senderKey,
      body: {
        channel: 'email',
        purpose: 'newsletter',
        from: 'news@shop.example',
        recipients: list.filter((a) => a.includes('@')),
      },
    });
    expect(decisions.status).toBe(200);
    const outcomes = (decisions.body.results as { decision: string }[]).map((d) => d.decision);
    expect(outcomes.filter((o) => o === 'allowed').length).toBe(2);
    expect(outcomes.filter((o) => o === 'rejected').length).toBe(4);
  });
});
