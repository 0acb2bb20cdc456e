import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashApiKey } from '../../shared/domain/api-key';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { consoleSession } from '../support/console-session';
import { type LocalGateway, newsletter, startLocalGateway } from '../support/local-gateway';

/**
 * The console's Settings page over plain HTTP against the local gateway: a key revoked there
 * is refused by the API at once; the complaint-rate hold lifted there is lifted for the API and
 * lands in the tenant's audit trail with the console user and the reason given; a compliance
 * session sees the lists but its forged revocation and lift get 403 and change nothing.
 */
let gw: LocalGateway;
let tenantId: string;

beforeAll(async () => {
  gw = await startLocalGateway();
  tenantId = (await gw.call('GET', '/v1/tenant', { key: gw.adminKey })).body.id as string;
});
afterAll(async () => {
  setDependencies(undefined);
  await gw?.stop();
});

const session = (key: string) => consoleSession(gw.apiUrl, key, '/console/settings');

async function newSenderKey(label: string) {
  const created = await gw.call('POST', '/v1/keys', { key: gw.adminKey, body: { role: 'sender', label } });
  expect(created.status, created.text).toBe(201);
  return created.body as { keyId: string; key: string };
}

it('revokes a key after a confirmation step, and the API refuses it from then on', async () => {
  const { keyId, key } = await newSenderKey('console revocation');
  const send = () =>
    gw.call('POST', '/v1/messages', { key, body: newsletter('revoked.console@example.org') });
  expect((await send()).status).not.toBe(401);

  const admin = await session(gw.adminKey);
  const page = await admin.get();
  expect(page.status).toBe(200);
  expect(page.html).toContain(keyId);
  expect(page.html).toContain('console revocation');
  // Metadata only: never the key itself.
  expect(page.html).not.toContain(key);
  // The key this session signed in with is listed without a revoke form (it would end the session).
  const own = (await runtimeDependencies().credentials.getApiKey(hashApiKey(gw.adminKey)))!.keyId;
  expect(page.html).toContain(own);
  expect(page.html).not.toContain(`name="keyId" value="${own}"`);
  expect(page.html).toContain(`name="keyId" value="${keyId}"`);

  const confirm = await admin.post('/console/settings/revoke', { kind: 'api_key', keyId });
  expect(confirm.status).toBe(200);
  expect(await confirm.text()).toContain('Revoke this key?');
  // The confirmation step changes nothing.
  expect((await send()).status).not.toBe(401);

  const done = await admin.post('/console/settings/revoke/confirm', { kind: 'api_key', keyId });
  expect(done.status).toBe(200);
  expect(await done.text()).toContain('Key revoked');
  expect((await send()).status).toBe(401);
  const listed = await gw.call('GET', '/v1/keys', { key: gw.adminKey });
  const record = (listed.body.keys as { keyId: string; revokedAt?: string }[]).find((k) => k.keyId === keyId);
  expect(record?.revokedAt).toBeDefined();
  // In the tenant's trail, with the console user.
  const history = (await gw.call('GET', '/v1/audit', { key: gw.adminKey })).body.events as {
    type: string;
    actor: unknown;
    data: { keyId?: string };
  }[];
  expect(history.find((h) => h.type === 'key.revoked' && h.data.keyId === keyId)?.actor).toEqual({
    type: 'admin_key',
    id: own,
    via: 'console',
  });
});

it('names the field of a wrong revocation form, and answers 404 for a key of no one', async () => {
  const admin = await session(gw.adminKey);
  const wrong = await admin.post('/console/settings/revoke', { kind: 'password', keyId: 'x' });
  expect(wrong.status).toBe(400);
  expect(await wrong.text()).toContain('<code>kind</code>');
  const unknown = await admin.post('/console/settings/revoke/confirm', {
    kind: 'ses_credential',
    keyId: 'no-such-key',
  });
  expect(unknown.status).toBe(404);
});

it('lifts the complaint hold with a reason, in the tenant audit trail with the console user', async () => {
  const deps = runtimeDependencies();
  const since = new Date().toISOString();
  expect(
    await deps.complaints.setComplaintHold(tenantId, {
      since,
      rate: 0.004,
      sends: 5000,
      complaints: 20,
      windowDays: 7,
    }),
  ).toBe('set');

  const compliance = await session(gw.complianceKey);
  const seen = await compliance.get();
  expect(seen.status).toBe(200);
  expect(seen.html).toContain('Hold set since');
  expect(seen.html).not.toContain('/console/settings/lift-hold');
  expect(seen.html).not.toContain('/console/settings/revoke');
  const forged = await compliance.post('/console/settings/lift-hold', { reason: 'a compliance officer' });
  expect(forged.status).toBe(403);
  expect((await deps.tenants.getTenant(tenantId))?.hold).toBeDefined();

  const admin = await session(gw.adminKey);
  const empty = await admin.post('/console/settings/lift-hold', { reason: ' ' });
  expect(empty.status).toBe(400);
  expect(await empty.text()).toContain('<code>reason</code>');
  expect((await deps.tenants.getTenant(tenantId))?.hold).toBeDefined();

  const lifted = await admin.post('/console/settings/lift-hold', {
    reason: 'list cleaned of the purchased segment',
  });
  expect(lifted.status).toBe(200);
  expect(await lifted.text()).toContain('Hold lifted');
  const rate = await gw.call('GET', '/v1/complaint-rate', { key: gw.adminKey });
  expect(rate.body.hold).toBeUndefined();
  const event = (rate.body.history as { type: string; actor: unknown; data: { reason?: string } }[]).find(
    (h) => h.type === 'complaint_hold.lifted',
  );
  const adminKeyId = (await deps.credentials.listApiKeys(tenantId)).find((k) => k.role === 'admin')?.keyId;
  expect(event?.actor).toEqual({ type: 'admin_key', id: adminKeyId, via: 'console' });
  expect(event?.data.reason).toBe('list cleaned of the purchased segment');
});

it('a compliance session sees keys, purposes and the SMS window, and its forged revocation gets 403', async () => {
  const { keyId, key } = await newSenderKey('kept');
  const compliance = await session(gw.complianceKey);
  const page = await compliance.get();
  expect(page.html).toContain(keyId);
  expect(page.html).toContain('Purposes');
  expect(page.html).toContain('SMS sending window');
  for (const path of ['/console/settings/revoke', '/console/settings/revoke/confirm']) {
    const forged = await compliance.post(path, { kind: 'api_key', keyId });
    expect(forged.status, path).toBe(403);
  }
  expect(
    (await gw.call('POST', '/v1/messages', { key, body: newsletter('kept.console@example.org') })).status,
  ).not.toBe(401);
});

it('the API records its revocations in the same trail, with the admin key and no console', async () => {
  const { keyId } = await newSenderKey('revoked through the API');
  expect((await gw.call('DELETE', `/v1/keys/${keyId}`, { key: gw.adminKey })).status).toBe(200);
  const history = (await gw.call('GET', '/v1/audit', { key: gw.adminKey })).body.events as {
    type: string;
    actor: { type: string; via?: string };
    data: { keyId?: string };
  }[];
  const event = history.find((h) => h.type === 'key.revoked' && h.data.keyId === keyId);
  expect(event?.actor.type).toBe('admin_key');
  expect(event?.actor.via).toBeUndefined();
});

type TrailEvent = {
  type: string;
  actor: { type: string; id?: string; via?: string };
  data: Record<string, unknown>;
};
const trail = async () =>
  (await gw.call('GET', '/v1/audit', { key: gw.adminKey })).body.events as TrailEvent[];

it('the API records its changes to purposes, wordings, identities, SMS senders and settings in the same trail', async () => {
  const admin = (path: string, method: string, body?: unknown) =>
    gw.call(method, path, { key: gw.adminKey, body });
  const operator = (path: string, body?: unknown) =>
    gw.call('PUT', `/v1/operator/tenants/${tenantId}${path}`, { key: gw.operatorKey, body });
  expect((await operator('/identities/api-trail.example')).status).toBe(200);
  expect(
    (await operator('/sms-senders/+33700000071', { originationIdentity: 'phone-number/api-trail' })).status,
  ).toBe(200);
  const changes: [string, string, unknown, string][] = [
    ['PUT', '/v1/purposes/api-trail', { name: 'API trail', category: 'marketing' }, 'purpose.declared'],
    ['PUT', '/v1/wordings/api-trail-v1', { text: 'Yes, the API trail letter.' }, 'wording.stored'],
    ['PUT', '/v1/identities/api-trail.example', undefined, 'email_identity.used'],
    ['DELETE', '/v1/identities/api-trail.example', undefined, 'email_identity.released'],
    [
      'PUT',
      '/v1/sms-senders/+33700000071',
      { type: 'long_code', originationIdentity: 'phone-number/api-trail' },
      'sms_sender.declared',
    ],
    ['DELETE', '/v1/sms-senders/+33700000071', undefined, 'sms_sender.released'],
    ['PUT', '/v1/settings/sms', { window: { start: '09:00', end: '19:00' } }, 'sms_settings.changed'],
  ];
  const own = (await runtimeDependencies().credentials.getApiKey(hashApiKey(gw.adminKey)))!.keyId;
  for (const [method, path, body, type] of changes) {
    const r = await admin(path, method, body);
    expect(r.status, `${method} ${path}: ${r.text}`).toBeLessThan(300);
    const [latest] = await trail();
    expect(latest?.type, `${method} ${path}`).toBe(type);
    expect(latest?.actor).toEqual({ type: 'admin_key', id: own });
  }
  // Back to the default window for the other tests.
  expect((await admin('/v1/settings/sms', 'PUT', {})).status).toBe(200);
});
