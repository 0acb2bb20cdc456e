import { afterAll, beforeAll, expect, it } from 'vitest';
import { LEGACY_COLUMNS, type LegacyRow } from '../../shared/domain/legacy-import';
import { recipientKey } from '../../shared/domain/recipient-key';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { GatewayStore } from '../../shared/ports/gateway-store';
import { StoreUnavailableError } from '../../shared/ports/store-errors';
import { consoleSession } from '../support/console-session';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * The console's Imports page over plain HTTP, with a multipart upload as a browser sends it:
 * the rows land in the store through the API's own import (a consented row is then allowed by
 * /v1/decisions, its audit event names the console user), a file over the API's rows limit is
 * refused naming the limit and writes nothing, and a form without its CSRF token, or from a
 * compliance session, gets 403 and imports nothing.
 */
let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  setDependencies(undefined);
  await gw?.stop();
});

const session = (key: string) => consoleSession(gw.apiUrl, key, '/console/imports');

const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const proven: LegacyRow = {
  channel: 'email',
  purpose: 'newsletter',
  optin_at: day(100),
  method: 'web_form',
  source: 'https://shop.example/signup',
  wording_version: 'newsletter-v1',
  controllers: 'Demo Shop',
};
function csv(list: readonly LegacyRow[]): string {
  return `${LEGACY_COLUMNS.join(',')}\n${list.map((r) => LEGACY_COLUMNS.map((c) => r[c] ?? '').join(',')).join('\n')}\n`;
}

/** A multipart POST of the upload form, as a browser builds it (fetch's own multipart encoder). */
function upload(
  s: { cookie: string; csrf?: string },
  text: string | undefined,
  extra: Record<string, string> = {},
) {
  const form = new FormData();
  if (s.csrf !== undefined) form.set('csrf', s.csrf);
  for (const [k, v] of Object.entries(extra)) form.set(k, v);
  form.set(
    'file',
    new File(text === undefined ? [] : [text], text === undefined ? '' : 'base.csv', { type: 'text/csv' }),
  );
  return fetch(`${gw.apiUrl}/console/imports`, {
    method: 'POST',
    headers: { cookie: s.cookie, origin: gw.apiUrl },
    body: form,
    redirect: 'manual',
  });
}

const decide = (to: string) =>
  gw.call('POST', '/v1/decisions', {
    key: gw.senderKey,
    body: { channel: 'email', purpose: 'newsletter', from: 'news@shop.example', to },
  });

async function auditOf(address: string) {
  const keys = await runtimeDependencies().keys.load();
  const key = recipientKey(keys.hashKey, 'demo', 'email', address);
  const r = await gw.call('GET', `/v1/recipients/${key}/audit`, { key: gw.adminKey });
  // An unknown recipient has no trail (404): nothing was written about it.
  if (r.status === 404) return [];
  expect(r.status).toBe(200);
  return r.body.events as { type: string; actor: { type: string; via?: string } }[];
}

it('R16 imports an uploaded CSV through the API service: counts and rows on the page, the consent really stored', async () => {
  const admin = await session(gw.adminKey);
  expect(admin.page).toContain('enctype="multipart/form-data"');
  expect((await decide('page-migrated@example.org')).body.decision).toBe('rejected');
  const r = await upload(
    admin,
    csv([
      { ...proven, address: 'page-migrated@example.org' },
      { ...proven, address: 'page-leaver@example.org', opted_out: 'yes' },
      { ...proven, address: 'not an address' },
    ]),
  );
  expect(r.status).toBe(200);
  const html = await r.text();
  expect(html).toContain('3 rows read.');
  expect(html).toMatch(/<code>migrated_consent<\/code><\/th><td>1<\/td>/);
  expect(html).toMatch(/<code>opted_out<\/code><\/th><td>1<\/td>/);
  expect(html).toMatch(/<code>invalid<\/code><\/th><td>1<\/td>/);
  expect(html).toMatch(/<code>soft_opt_in<\/code><\/th><td>0<\/td>/);
  expect(html).toMatch(/id="outcome-invalid"[\s\S]*?<td>3<\/td><td>[^<]*address/);
  expect(html).not.toContain('example.org');
  // The whole report, as the download link carries it.
  const data = /href="data:application\/json;base64,([^"]+)"/.exec(html)?.[1];
  const report = JSON.parse(Buffer.from(data!, 'base64').toString('utf8'));
  expect(report.counts).toMatchObject({ migrated_consent: 1, opted_out: 1, invalid: 1 });
  expect(report.rows).toEqual([
    { row: 1, outcome: 'migrated_consent' },
    { row: 2, outcome: 'opted_out' },
    { row: 3, outcome: 'invalid', reason: expect.stringContaining('address') },
  ]);

  const allowed = await decide('page-migrated@example.org');
  expect(allowed.body).toMatchObject({ decision: 'allowed', basis: 'consent' });
  expect((await decide('page-leaver@example.org')).body.decision).toBe('rejected');
  expect(await auditOf('page-migrated@example.org')).toEqual([
    expect.objectContaining({
      type: 'consent.given',
      actor: expect.objectContaining({ type: 'admin_key', via: 'console' }),
    }),
  ]);
});

it('R16 takes a column mapping, and names a mapping that is not JSON', async () => {
  const admin = await session(gw.adminKey);
  const mapped = csv([{ ...proven, address: 'page-mapped@example.org' }]).replace(/^address,/, 'E-mail,');
  const ok = await upload(admin, mapped, { mapping: '{"E-mail": "address"}' });
  expect(ok.status).toBe(200);
  expect(await ok.text()).toMatch(/<code>migrated_consent<\/code><\/th><td>1<\/td>/);
  expect((await decide('page-mapped@example.org')).body.decision).toBe('allowed');
  const bad = await upload(admin, mapped, { mapping: '{E-mail: address' });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('<code>mapping</code>: is not JSON');
});

it('R16 refuses a file over the API rows limit, naming it, and imports none of it', async () => {
  const admin = await session(gw.adminKey);
  const many = Array.from({ length: 1_001 }, (_, i) => ({
    ...proven,
    address: `page-many-${i}@example.org`,
  }));
  const r = await upload(admin, csv(many));
  expect(r.status).toBe(400);
  const html = await r.text();
  expect(html).toContain('<code>file</code>: has 1001 rows; the API imports at most 1000');
  expect(html).toContain('role="alert"');
  expect((await decide('page-many-0@example.org')).body.decision).toBe('rejected');
  expect(await auditOf('page-many-0@example.org')).toEqual([]);
  // No file chosen: the browser sends an empty part.
  const none = await upload(admin, undefined);
  expect(none.status).toBe(400);
  expect(await none.text()).toContain('<code>file</code>: is required');
});

it('R16 refuses an upload with no CSRF token, or from a compliance session, with 403, importing nothing', async () => {
  const admin = await session(gw.adminKey);
  const row = csv([{ ...proven, address: 'page-forged@example.org' }]);
  const noToken = await upload({ cookie: admin.cookie }, row);
  expect(noToken.status).toBe(403);
  const wrongToken = await upload({ cookie: admin.cookie, csrf: 'x'.repeat(43) }, row);
  expect(wrongToken.status).toBe(403);
  const compliance = await session(gw.complianceKey);
  expect(compliance.page).not.toContain('type="file"');
  expect(compliance.page).toContain('it needs an admin key');
  const forged = await upload(compliance, row);
  expect(forged.status).toBe(403);
  expect(await forged.text()).toContain('Your role may not do this');
  expect(await auditOf('page-forged@example.org')).toEqual([]);
  expect((await decide('page-forged@example.org')).body.decision).toBe('rejected');
});

it('R16 lists at most the first 50 rows of an outcome on the page, and all of them in the download', async () => {
  const admin = await session(gw.adminKey);
  const bad = Array.from({ length: 60 }, (_, i) => ({ ...proven, address: `not an address ${i}` }));
  const r = await upload(admin, csv(bad));
  expect(r.status).toBe(200);
  const html = await r.text();
  const section = /id="outcome-invalid"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  expect(section.match(/<tr><td>/g)).toHaveLength(50);
  expect(section).toContain('<td>50</td>');
  expect(section).not.toContain('<td>51</td>');
  expect(section).toContain('The first 50 of 60 rows; the download has them all.');
  const data = /href="data:application\/json;base64,([^"]+)"/.exec(html)?.[1];
  expect(JSON.parse(Buffer.from(data!, 'base64').toString('utf8')).rows).toHaveLength(60);
});

it('answers a 503 page that reveals nothing when the store fails during an upload, and lets nothing through', async () => {
  const admin = await session(gw.adminKey);
  const real = runtimeDependencies();
  const failing = new Proxy(real.store, {
    get: (target, property, receiver) =>
      property === 'commitChanges' || property === 'commitFreshRecipients'
        ? () => Promise.reject(new StoreUnavailableError('DynamoDB unavailable (injected)'))
        : Reflect.get(target, property, receiver),
  }) as GatewayStore;
  setDependencies({ ...real, store: failing });
  try {
    const r = await upload(admin, csv([{ ...proven, address: 'page-failed@example.org' }]));
    expect(r.status).toBe(503);
    const body = await r.text();
    expect(body).toContain('The console could not answer');
    expect(body).not.toContain('injected');
  } finally {
    setDependencies(real);
  }
  expect((await decide('page-failed@example.org')).body.decision).toBe('rejected');
});
