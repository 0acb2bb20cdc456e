import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../shared/domain/api-key';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { StoreUnavailableError } from '../../shared/ports/store-errors';
import type { TenantStore } from '../../shared/ports/tenant-store';
import { assignEmailIdentity, assignSmsSender } from '../../shared/services/identities';
import { newTenant } from '../../shared/services/state';
import { consoleSession } from '../support/console-session';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * The Settings page's forms over plain HTTP against the local gateway, through the real
 * Console handler: each change an admin makes there is read back through the API (GET
 * /v1/purposes, /v1/tenant, /v1/identities) and found in the tenant's audit trail with the
 * console user; each refusal names the field and changes nothing; a compliance session's
 * forged POSTs get 403 and change nothing; another tenant's identities are out of reach.
 */
let gw: LocalGateway;
let tenantId: string;
let adminKeyId: string;
const OTHER = 'other-settings';

beforeAll(async () => {
  gw = await startLocalGateway();
  tenantId = (await gw.call('GET', '/v1/tenant', { key: gw.adminKey })).body.id as string;
  const deps = runtimeDependencies();
  adminKeyId = (await deps.credentials.getApiKey(hashApiKey(gw.adminKey)))!.keyId;
  // Another tenant of the deployment, with an identity and an SMS sender of its own.
  await deps.tenants.createTenant(newTenant(OTHER, 'Other Brand'));
  await assignEmailIdentity(deps, OTHER, 'other-settings.example');
  await assignSmsSender(deps, OTHER, '+33700000091', { originationIdentity: 'phone-number/other-settings' });
});
afterAll(async () => {
  setDependencies(undefined);
  await gw?.stop();
});

const session = (key: string) => consoleSession(gw.apiUrl, key, '/console/settings');
const api = async (path: string) => (await gw.call('GET', path, { key: gw.adminKey })).body;
type TrailEvent = { type: string; actor: unknown; data: Record<string, unknown> };
const latest = async () => ((await api('/v1/audit')).events as TrailEvent[])[0] as TrailEvent | undefined;
const byConsole = () => ({ type: 'admin_key', id: adminKeyId, via: 'console' });
const purposes = async () => (await api('/v1/purposes')).purposes as { id: string }[];

describe('purposes', () => {
  it('creates and changes a purpose through the form; the API reads it back; the trail has purpose.declared by the console', async () => {
    const admin = await session(gw.adminKey);
    expect(admin.page).toContain('href="/console/settings/purpose"');
    const form = await admin.get('/console/settings/purpose');
    expect(form.status).toBe(200);
    expect(form.html).toContain('name="productFamily"');

    const saved = await admin.post('/console/settings/purpose', {
      id: 'garden-news',
      name: 'Garden news',
      category: 'marketing',
      productFamily: 'garden',
      topics: 'plants, tools',
      sensitive: 'true',
      wordingVersion: 'newsletter-v1',
      offers: '',
    });
    expect(saved.status).toBe(200);
    const html = await saved.text();
    expect(html).toContain('Purpose saved');
    expect(html).toContain('plants, tools');
    expect((await purposes()).find((p) => p.id === 'garden-news')).toEqual({
      id: 'garden-news',
      name: 'Garden news',
      category: 'marketing',
      productFamily: 'garden',
      topics: ['plants', 'tools'],
      sensitive: true,
      wordingVersion: 'newsletter-v1',
    });
    expect(await latest()).toMatchObject({
      type: 'purpose.declared',
      actor: byConsole(),
      data: { purposeId: 'garden-news' },
    });

    // Changed: its row's form holds what is stored, the id read only.
    const change = await admin.get('/console/settings/purpose?id=garden-news');
    expect(change.html).toMatch(/name="id" value="garden-news"[^>]*readonly/);
    expect(change.html).toContain('value="plants, tools"');
    const changed = await admin.post('/console/settings/purpose', {
      id: 'garden-news',
      name: 'Garden letter',
      category: 'marketing',
      topics: '',
    });
    expect(changed.status).toBe(200);
    expect((await purposes()).find((p) => p.id === 'garden-news')).toMatchObject({
      name: 'Garden letter',
      topics: [],
      sensitive: false,
    });
  });

  it('names the fields of a refused purpose (EN and FR) and stores nothing', async () => {
    const admin = await session(gw.adminKey);
    const wrong = await admin.post('/console/settings/purpose', { id: 'Bad Id', name: '', category: 'spam' });
    expect(wrong.status).toBe(400);
    const html = await wrong.text();
    for (const field of ['id', 'name', 'category']) expect(html).toContain(`<code>${field}</code>`);
    expect(html).toContain('Not saved');
    // The form again, with what was typed.
    expect(html).toContain('value="Bad Id"');
    expect(html).toContain('aria-invalid="true"');

    const unknown = await admin.post('/console/settings/purpose?lang=fr', {
      id: 'never-stored-wording',
      name: 'Never',
      category: 'marketing',
      wordingVersion: 'no-such-version',
    });
    expect(unknown.status).toBe(400);
    const fr = await unknown.text();
    expect(fr).toContain('<code>wordingVersion</code>');
    expect(fr).toContain('Non enregistré');
    expect((await purposes()).map((p) => p.id)).not.toContain('never-stored-wording');
    // zod's generic problems in French on the French page (a schema's own message stays as written).
    const french = await admin.post('/console/settings/purpose?lang=fr', {
      id: 'x',
      name: '',
      category: 'spam',
    });
    expect(french.status).toBe(400);
    const problems = await french.text();
    expect(problems).toContain('<code>category</code>: Option invalide');
    expect(problems).toContain('<code>name</code>: Trop petit');
  });
});

describe('wordings', () => {
  it('adds a wording version; another text under it is refused (409 naming text), the same text changes nothing', async () => {
    const admin = await session(gw.adminKey);
    expect(admin.page).toContain('action="/console/settings/wording"');
    const text = 'Oui, envoyez-moi la lettre du jardin par e-mail.';
    const added = await admin.post('/console/settings/wording', { versionId: 'garden-v1', text });
    expect(added.status).toBe(200);
    expect(await added.text()).toContain('Wording stored');
    const stored = (await api('/v1/tenant')).wordings['garden-v1'];
    expect(stored).toMatchObject({ versionId: 'garden-v1', text });
    expect(await latest()).toMatchObject({
      type: 'wording.stored',
      actor: byConsole(),
      data: { versionId: 'garden-v1', sha256: stored.sha256, unchanged: false },
    });

    const other = await admin.post('/console/settings/wording', {
      versionId: 'garden-v1',
      text: 'Anything.',
    });
    expect(other.status).toBe(409);
    const refused = await other.text();
    expect(refused).toContain('<code>text</code>');
    expect(refused).toContain('never changes');
    expect((await api('/v1/tenant')).wordings['garden-v1']).toEqual(stored);

    const again = await admin.post('/console/settings/wording', { versionId: 'garden-v1', text });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('nothing changed');

    const empty = await admin.post('/console/settings/wording', { versionId: '', text: '' });
    expect(empty.status).toBe(400);
    const named = await empty.text();
    expect(named).toContain('<code>versionId</code>');
    expect(named).toContain('<code>text</code>');
  });
});

describe('email identities', () => {
  it('uses again an identity assigned to the tenant, and releases one after a confirmation step', async () => {
    const deps = runtimeDependencies();
    const identity = 'console-brand.example';
    await assignEmailIdentity(deps, tenantId, identity);
    // Assigned, but out of the tenant's item (as after a release half done): not in use.
    await deps.tenants.deleteEmailIdentity(tenantId, identity);
    const admin = await session(gw.adminKey);
    const page = await admin.get();
    expect(page.html).toContain('The deployment’s operator assigns email identities');
    expect(page.html).toContain(`aria-label="Use again ${identity}"`);

    const used = await admin.post('/console/settings/identity/use', { identity });
    expect(used.status).toBe(200);
    expect((await api('/v1/tenant')).emailIdentities).toContain(identity);
    expect(await latest()).toMatchObject({
      type: 'email_identity.used',
      actor: byConsole(),
      data: { identity },
    });

    const confirm = await admin.post('/console/settings/identity/release', { identity });
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('Release this identity?');
    expect((await api('/v1/identities')).emailIdentities).toContain(identity);
    const released = await admin.post('/console/settings/identity/release/confirm', { identity });
    expect(released.status).toBe(200);
    expect((await api('/v1/identities')).emailIdentities).not.toContain(identity);
    expect((await api('/v1/tenant')).emailIdentities).not.toContain(identity);
    expect(await latest()).toMatchObject({
      type: 'email_identity.released',
      actor: byConsole(),
      data: { identity, released: true },
    });
  });
});

describe('SMS senders and the SMS window', () => {
  it('declares an SMS sender assigned to the tenant, refuses a wrong type or origination naming the field, releases it after confirming', async () => {
    const deps = runtimeDependencies();
    const senderId = '+33700000081';
    await assignSmsSender(deps, tenantId, senderId, { originationIdentity: 'phone-number/console-sms' });
    const admin = await session(gw.adminKey);
    const form = await admin.get(`/console/settings/sms-sender?id=${encodeURIComponent(senderId)}`);
    expect(form.status).toBe(200);
    expect(form.html).toContain('value="phone-number/console-sms"');

    const post = (form: Record<string, string>) =>
      admin.post('/console/settings/sms-sender', { senderId, ...form });
    const shortCode = await post({ type: 'short_code', originationIdentity: 'phone-number/console-sms' });
    expect(shortCode.status).toBe(400);
    expect(await shortCode.text()).toContain('<code>type</code>');
    const elsewhere = await post({ type: 'long_code', originationIdentity: 'phone-number/other-settings' });
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.text()).toContain('<code>originationIdentity</code>');
    const saved = await post({ type: 'long_code', originationIdentity: 'phone-number/console-sms' });
    expect(saved.status).toBe(200);
    expect((await api('/v1/tenant')).smsSenders[senderId]).toEqual({
      id: senderId,
      type: 'long_code',
      originationIdentity: 'phone-number/console-sms',
    });
    expect(await latest()).toMatchObject({
      type: 'sms_sender.declared',
      actor: byConsole(),
      data: { senderId },
    });

    const confirm = await admin.post('/console/settings/sms-sender/release', { senderId });
    expect(await confirm.text()).toContain('Release this SMS sender?');
    const listed = async () =>
      ((await api('/v1/identities')).smsSenders as { senderId: string }[]).map((s) => s.senderId);
    expect(await listed()).toContain(senderId);
    const released = await admin.post('/console/settings/sms-sender/release/confirm', { senderId });
    expect(released.status).toBe(200);
    expect(await listed()).not.toContain(senderId);
    expect(await latest()).toMatchObject({
      type: 'sms_sender.released',
      actor: byConsole(),
      data: { senderId, released: true },
    });
  });

  it('changes the SMS window, keeping the other SMS settings; a window past the legal floor or ending before it starts is refused', async () => {
    const admin = await session(gw.adminKey);
    const before = (await api('/v1/tenant')).settings.sms;
    const form = new URLSearchParams([
      ['days', '1'],
      ['days', '2'],
      ['days', '3'],
      ['days', '4'],
      ['days', '5'],
      ['start', '09:00'],
      ['end', '19:00'],
      ['skipPublicHolidays', 'true'],
    ]);
    const post = (params: URLSearchParams) =>
      fetch(`${gw.apiUrl}/console/settings/sms-window`, {
        method: 'POST',
        headers: {
          cookie: admin.cookie,
          origin: gw.apiUrl,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams([['csrf', admin.csrf], ...params]),
      });

    const sunday = new URLSearchParams(form);
    sunday.append('days', '7');
    const onSunday = await post(sunday);
    expect(onSunday.status).toBe(400);
    expect(await onSunday.text()).toContain('<code>window.days</code>');
    const backwards = new URLSearchParams(form);
    backwards.set('start', '19:30');
    const ends = await post(backwards);
    expect(ends.status).toBe(400);
    expect(await ends.text()).toContain('<code>window.end</code>');
    expect((await api('/v1/tenant')).settings.sms).toEqual(before);

    const saved = await post(form);
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('SMS window saved');
    const after = (await api('/v1/tenant')).settings.sms;
    expect(after).toEqual({
      ...before,
      window: { days: [1, 2, 3, 4, 5], start: '09:00', end: '19:00', skipPublicHolidays: true },
    });
    expect(await latest()).toMatchObject({ type: 'sms_settings.changed', actor: byConsole() });
    expect((await gw.call('PUT', '/v1/settings/sms', { key: gw.adminKey, body: before })).status).toBe(200);
  });
});

describe('who may change what', () => {
  it('a compliance session sees no form, and its forged POSTs get 403 and change nothing', async () => {
    const compliance = await session(gw.complianceKey);
    for (const action of ['purpose', 'wording', 'identity/', 'sms-sender', 'sms-window'])
      expect(compliance.page).not.toContain(`/console/settings/${action}`);
    const tenant = await api('/v1/tenant');
    const identities = await api('/v1/identities');
    const trail = (await api('/v1/audit')).events;
    const forged: [string, Record<string, string>][] = [
      ['/console/settings/purpose', { id: 'forged', name: 'Forged', category: 'marketing' }],
      ['/console/settings/wording', { versionId: 'forged-v1', text: 'Forged.' }],
      ['/console/settings/identity/use', { identity: 'shop.example' }],
      ['/console/settings/identity/release', { identity: 'shop.example' }],
      ['/console/settings/identity/release/confirm', { identity: 'shop.example' }],
      ['/console/settings/sms-sender', { senderId: '36123', type: 'short_code', originationIdentity: 'x' }],
      ['/console/settings/sms-sender/release', { senderId: '36123' }],
      ['/console/settings/sms-sender/release/confirm', { senderId: '36123' }],
      ['/console/settings/sms-window', { days: '1', start: '09:00', end: '10:00' }],
    ];
    for (const [path, form] of forged) expect((await compliance.post(path, form)).status, path).toBe(403);
    for (const path of [
      '/console/settings/purpose',
      '/console/settings/sms-sender?id=36123',
      '/console/settings/sms-window',
    ])
      expect((await compliance.get(path)).status, path).toBe(403);
    expect(await api('/v1/tenant')).toEqual(tenant);
    expect(await api('/v1/identities')).toEqual(identities);
    expect((await api('/v1/audit')).events).toEqual(trail);
  });

  it("an admin cannot use, declare or release another tenant's identity or sender, and its forms write to its own tenant only", async () => {
    const deps = runtimeDependencies();
    const before = await deps.tenants.getTenant(OTHER);
    const claims = await deps.tenants.listIdentityClaims(OTHER);
    const admin = await session(gw.adminKey);

    const use = await admin.post('/console/settings/identity/use', { identity: 'other-settings.example' });
    expect(use.status).toBe(403);
    expect(await use.text()).toContain('<code>identity</code>');
    for (const path of ['/console/settings/identity/release', '/console/settings/identity/release/confirm']) {
      const r = await admin.post(path, { identity: 'other-settings.example' });
      expect(r.status, path).toBe(404);
      expect(await r.text()).toContain('not assigned to your tenant');
    }
    const declare = await admin.post('/console/settings/sms-sender', {
      senderId: '+33700000091',
      type: 'long_code',
      originationIdentity: 'phone-number/other-settings',
    });
    expect(declare.status).toBe(403);
    for (const path of [
      '/console/settings/sms-sender/release',
      '/console/settings/sms-sender/release/confirm',
    ])
      expect((await admin.post(path, { senderId: '+33700000091' })).status, path).toBe(404);
    expect((await admin.get('/console/settings/sms-sender?id=%2B33700000091')).status).toBe(404);
    // A tenant field added to a form is no field of it: the purpose lands in the session's tenant.
    const purpose = await admin.post('/console/settings/purpose', {
      id: 'own-tenant-only',
      name: 'Own',
      category: 'transactional',
      tenantId: OTHER,
    });
    expect(purpose.status).toBe(200);
    expect((await purposes()).map((p) => p.id)).toContain('own-tenant-only');

    expect(await deps.tenants.getTenant(OTHER)).toEqual(before);
    expect(await deps.tenants.listIdentityClaims(OTHER)).toEqual(claims);
    expect(await deps.tenantAudit.listTenantAudit(OTHER, { limit: 20 })).toEqual({ events: [] });
  });
});

describe('store failures', () => {
  it('a wording the store cannot write answers the console 503 page, revealing nothing; nothing is stored or audited', async () => {
    const admin = await session(gw.adminKey);
    const trail = (await api('/v1/audit')).events;
    const real = runtimeDependencies();
    const failing = new Proxy(real.tenants, {
      get: (target, property, receiver) =>
        property === 'putWording'
          ? () => Promise.reject(new StoreUnavailableError('DynamoDB unavailable (injected)'))
          : Reflect.get(target, property, receiver),
    }) as TenantStore;
    setDependencies({ ...real, tenants: failing });
    try {
      const r = await admin.post('/console/settings/wording', {
        versionId: 'failed-v1',
        text: 'Never stored.',
      });
      expect(r.status).toBe(503);
      const body = await r.text();
      expect(body).toContain('The console could not answer');
      expect(body).not.toContain('injected');
    } finally {
      setDependencies(real);
    }
    expect((await api('/v1/tenant')).wordings['failed-v1']).toBeUndefined();
    expect((await api('/v1/audit')).events).toEqual(trail);
  });
});
