import type middy from '@middy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_CACHE_MS, withTenantCache } from '../../shared/adapters/tenant-cache';
import { hashApiKey } from '../../shared/domain/api-key';
import { authenticate } from '../../shared/http/middleware/authenticate';
import { runtimeDependencies } from '../../shared/http/runtime';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/** API keys and SES credentials listed, revoked, expired and rotated, through HTTP. */
let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway();
  await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('keys@example.org') });
}, 60_000);
afterAll(async () => {
  await gw?.stop();
});

const admin = (method: string, path: string, body?: unknown) =>
  gw.call(method, path, { key: gw.adminKey, body });
const newKey = async (body: Record<string, unknown> = {}) => {
  const r = await admin('POST', '/v1/keys', { role: 'sender', ...body });
  expect(r.status, r.text).toBe(201);
  return r.body as { keyId: string; key: string };
};
const send = (key: string) => gw.call('POST', '/v1/messages', { key, body: newsletter('keys@example.org') });

describe('API keys', () => {
  it('lists keys with metadata only: never the key nor its hash', async () => {
    const { keyId, key } = await newKey({ label: 'crm' });
    expect((await send(key)).status).toBe(202);
    const r = await admin('GET', '/v1/keys');
    expect(r.status, r.text).toBe(200);
    const listed = r.body.keys.find((k: { keyId: string }) => k.keyId === keyId);
    expect(listed).toMatchObject({ keyId, role: 'sender', label: 'crm', kind: 'api_key' });
    expect(listed.createdAt).toEqual(expect.any(String));
    expect(r.text).not.toContain(key);
    expect(r.text).not.toContain(hashApiKey(key));
    // Last used day: written by the send (not awaited), at most once a day.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = (await admin('GET', '/v1/keys')).body.keys.find(
      (k: { keyId: string }) => k.keyId === keyId,
    );
    expect(again.lastUsedDay).toBe(new Date().toISOString().slice(0, 10));
  });

  it('refuses a revoked key at once through the instance that revoked it (its cache emptied)', async () => {
    const { keyId, key } = await newKey();
    expect((await send(key)).status).toBe(202); // now cached in this instance
    const r = await admin('DELETE', `/v1/keys/${keyId}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.revokedAt).toEqual(expect.any(String));
    const refused = await send(key);
    expect(refused.status).toBe(401);
    expect(refused.body.message).toMatch(/revoked/);
  });

  it(`refuses it in another instance within its cache time (${TENANT_CACHE_MS} ms), on that instance's clock`, async () => {
    const { keyId, key } = await newKey();
    let now = Date.now();
    const other = withTenantCache(runtimeDependencies(), () => now);
    const auth = authenticate({
      role: 'sender',
      credentials: () => other.credentials,
      now: () => new Date(),
    });
    const request = () =>
      auth.before!({
        event: { headers: { authorization: `Bearer ${key}` } },
        context: {},
      } as unknown as middy.Request<never, never, Error, never>);
    await request(); // cached in the other instance
    expect((await admin('DELETE', `/v1/keys/${keyId}`)).status).toBe(200);
    now += TENANT_CACHE_MS - 1;
    await expect(request()).resolves.toBeUndefined(); // still cached: the documented delay
    now += 2;
    await expect(request()).rejects.toThrow(/revoked/);
  });

  it('refuses a key after its expiresAt, and a past expiresAt at creation is refused at first use', async () => {
    const { key } = await newKey({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    const r = await send(key);
    expect(r.status).toBe(401);
    expect(r.body.message).toMatch(/expired/);
  });

  it('rotates: the new key works, the old one until its grace ends', async () => {
    const { keyId, key } = await newKey({ label: 'campaigns' });
    const r = await admin('POST', `/v1/keys/${keyId}/rotate`, { graceSeconds: 0 });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ role: 'sender', label: 'campaigns', previous: { keyId } });
    expect((await send(r.body.key)).status).toBe(202);
    expect((await send(key)).status).toBe(401);
    const kept = await newKey();
    const rotated = await admin('POST', `/v1/keys/${kept.keyId}/rotate`, {});
    expect(rotated.status).toBe(201);
    expect((await send(kept.key)).status).toBe(202); // no grace given: until revoked
  });

  it("answers 404 for another tenant's or an unknown key id", async () => {
    const r = await admin('DELETE', '/v1/keys/00000000-0000-4000-8000-000000000000');
    expect(r.status).toBe(404);
  });
});

describe('SES credentials', () => {
  it('lists credentials without their secret, and revokes them', async () => {
    const created = await admin('POST', '/v1/credentials', { label: 'legacy app' });
    expect(created.status, created.text).toBe(201);
    const list = await admin('GET', '/v1/credentials');
    expect(list.status, list.text).toBe(200);
    expect(list.body.credentials).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          keyId: created.body.keyId,
          accessKeyId: created.body.accessKeyId,
          label: 'legacy app',
        }),
      ]),
    );
    expect(list.text).not.toContain(created.body.secretAccessKey);
    expect(list.text).not.toContain('secretCiphertext');
    const revoked = await admin('DELETE', `/v1/credentials/${created.body.keyId}`);
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const stored = await runtimeDependencies().credentials.getSenderCredential(created.body.accessKeyId);
    expect(stored?.revokedAt).toEqual(revoked.body.revokedAt);
  });
});

describe('the bulk queue', () => {
  it('refuses a message queued with a key revoked since', async () => {
    const { prepareBatch } = await import('../../shared/services/bulk-send');
    const { keyId, key } = await newKey();
    expect((await admin('DELETE', `/v1/keys/${keyId}`)).status).toBe(200);
    const prepared = await prepareBatch(runtimeDependencies(), [
      {
        messageId: 'm1',
        body: JSON.stringify(newsletter('keys@example.org')),
        authorization: `Bearer ${key}`,
      },
    ]);
    expect(prepared.get('m1')).toEqual({ kind: 'invalid', problem: 'This API key is revoked' });
  });
});

describe('the SES endpoint', () => {
  it('refuses revoked credentials from the next request, and sends nothing', async () => {
    const { signSesPost } = await import('../support/ses-signing');
    const created = (await admin('POST', '/v1/credentials', {})).body;
    const url = new URL(`${gw.apiUrl}/v2/email/outbound-emails`);
    const call = async (to: string) => {
      const payload = JSON.stringify({
        FromEmailAddress: 'news@shop.example',
        Destination: { ToAddresses: [to] },
        Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } } },
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
      });
      const headers = await signSesPost(url, payload, created, {}, process.env.AWS_REGION ?? 'eu-west-3');
      return fetch(url, { method: 'POST', headers, body: payload });
    };
    expect((await call('keys@example.org')).status).toBe(200);
    expect((await admin('DELETE', `/v1/credentials/${created.keyId}`)).status).toBe(200);
    const before = (await gw.sentEmails()).length;
    const refused = await call('keys@example.org');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/UnrecognizedClientException|security token/);
    expect((await gw.sentEmails()).length).toBe(before);
  });
});

describe('compliance keys', () => {
  it('read the GET routes of the state API and change nothing: every other call is a 403, a send included', async () => {
    const created = await admin('POST', '/v1/keys', { role: 'compliance', label: 'DPO' });
    expect(created.status, created.text).toBe(201);
    expect(created.body.key).toMatch(/^cg_compliance_[A-Za-z0-9_-]{43}$/);
    const key = created.body.key as string;
    const recipientKey = (
      await admin('PUT', '/v1/recipients', {
        channel: 'email',
        address: 'keys@example.org',
        audience: 'consumer',
      })
    ).body.recipientKey as string;
    for (const path of [
      '/v1/tenant',
      '/v1/keys',
      `/v1/recipients/${recipientKey}`,
      `/v1/recipients/${recipientKey}/audit`,
      `/v1/recipients/${recipientKey}/audit/verify`,
    ]) {
      expect((await gw.call('GET', path, { key })).status, path).toBe(200);
    }
    const refusals = [
      await gw.call('PUT', '/v1/recipients', {
        key,
        body: { channel: 'email', address: 'keys@example.org', audience: 'consumer' },
      }),
      await gw.call('POST', '/v1/keys', { key, body: { role: 'admin' } }),
      await gw.call('DELETE', `/v1/recipients/${recipientKey}`, { key }),
      await gw.call('POST', '/v1/messages', { key, body: newsletter('keys@example.org') }),
      await gw.call('POST', '/v1/decisions', {
        key,
        body: { channel: 'email', purpose: 'newsletter', from: 'news@shop.example', to: 'keys@example.org' },
      }),
    ];
    for (const r of refusals) {
      expect(r.status, r.text).toBe(403);
      expect(r.body.message).toMatch(/^A compliance key may only read/);
    }
    expect((await gw.call('GET', `/v1/recipients/${recipientKey}`, { key })).body.profile).toBeDefined();
    expect((await admin('GET', '/v1/keys')).body.keys).toContainEqual(
      expect.objectContaining({ role: 'compliance', label: 'DPO', kind: 'api_key' }),
    );
  });

  it('send nothing through the bulk queue either: the message is invalid, not sent', async () => {
    const { key } = (await admin('POST', '/v1/keys', { role: 'compliance' })).body as { key: string };
    const before = (await gw.sentEmails()).length;
    const queued = await gw.call('POST', '/local/bulk-queue/messages', {
      key,
      body: [newsletter('keys@example.org')],
    });
    expect(queued.status).toBe(202);
    const [id] = queued.body.messageIds as string[];
    const { events } = (await gw.call('GET', '/local/bulk-queue?wait')).body as {
      events: { detail: Record<string, unknown> }[];
    };
    expect(events.find((e) => e.detail.sqsMessageId === id)?.detail).toMatchObject({ outcome: 'invalid' });
    expect((await gw.sentEmails()).length).toBe(before);
  });
});
