import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { signSesPost } from '../support/ses-signing';

/**
 * Sender keys and SES credentials bounded to purposes, channels and purpose categories:
 * a send outside them is refused on every surface (a 403 `out_of_scope` naming the scope,
 * AccessDeniedException on the SES endpoint, an `invalid` outcome on the bulk queue) and
 * nothing is delivered.
 */
let gw: LocalGateway;
const buyer = 'scoped-buyer@example.org';
beforeAll(async () => {
  gw = await startLocalGateway();
  const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(buyer) });
  expect(r.status).toBe(201);
}, 60_000);
afterAll(async () => {
  await gw?.stop();
});

const admin = (method: string, path: string, body?: unknown) =>
  gw.call(method, path, { key: gw.adminKey, body });
const scopedKey = async (scopes: Record<string, unknown>) => {
  const r = await admin('POST', '/v1/keys', { role: 'sender', label: 'campaign tool', scopes });
  expect(r.status, r.text).toBe(201);
  return r.body as { keyId: string; key: string; scopes: unknown };
};
/** A receipt: the transactional purpose (R6: no objection check, no unsubscribe link). */
const receipt = (to: string) => newsletter(to, { purpose: 'order-updates', subject: 'Your order' });
const deliveredTo = async (to: string, subject: string) =>
  (await gw.sentEmails()).filter((e) => e.destination.to.includes(to) && e.subject === subject).length;

describe('a scoped sender key', () => {
  it('sends within its scopes, and is refused a transactional send outside them: 403 naming the scope, nothing delivered', async () => {
    const { key } = await scopedKey({ categories: ['marketing'] });
    const ok = await gw.call('POST', '/v1/messages', { key, body: newsletter(buyer) });
    expect(ok.status, ok.text).toBe(202);
    const before = await deliveredTo(buyer, 'Your order');
    const r = await gw.call('POST', '/v1/messages', { key, body: receipt(buyer) });
    expect(r.status, r.text).toBe(403);
    expect(r.body).toMatchObject({ error: 'out_of_scope', scope: 'scopes.categories' });
    expect(r.body.message).toContain('transactional');
    expect(await deliveredTo(buyer, 'Your order')).toBe(before);
    // The same receipt with an unscoped key goes (R6), so the refusal is the scope's.
    const unscoped = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: receipt(buyer) });
    expect(unscoped.status, unscoped.text).toBe(202);
    expect(await deliveredTo(buyer, 'Your order')).toBe(before + 1);
  });

  it('is refused a purpose outside scopes.purposes, and a channel outside scopes.channels (no SMS sent)', async () => {
    const { key } = await scopedKey({ purposes: ['newsletter'], channels: ['email'] });
    const r = await gw.call('POST', '/v1/messages', {
      key,
      body: newsletter(buyer, { purpose: 'pro-software', subject: 'Software news' }),
    });
    expect(r.status, r.text).toBe(403);
    expect(r.body).toMatchObject({ error: 'out_of_scope', scope: 'scopes.purposes' });
    expect(await deliveredTo(buyer, 'Software news')).toBe(0);
    const smsBefore = gw.sms.outbox.length;
    const sms = await gw.call('POST', '/v1/messages', {
      key,
      body: { channel: 'sms', purpose: 'newsletter', to: '+33612000001', from: '36123', body: 'Offers' },
    });
    expect(sms.status, sms.text).toBe(403);
    expect(sms.body).toMatchObject({ error: 'out_of_scope', scope: 'scopes.channels' });
    expect(gw.sms.outbox.length).toBe(smsBefore);
  });

  it('is refused a scheduled send (sendAt) outside its scopes, before it is stored', async () => {
    const { key } = await scopedKey({ purposes: ['newsletter'] });
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const r = await gw.call('POST', '/v1/messages', { key, body: { ...receipt(buyer), sendAt } });
    expect(r.status, r.text).toBe(403);
    expect(r.body.scope).toBe('scopes.purposes');
  });

  it('is refused a decision outside its scopes (POST /v1/decisions)', async () => {
    const { key } = await scopedKey({ categories: ['marketing', 'profiling'] });
    const ok = await gw.call('POST', '/v1/decisions', {
      key,
      body: { channel: 'email', purpose: 'newsletter', from: 'news@shop.example', to: buyer },
    });
    expect(ok.status, ok.text).toBe(200);
    const r = await gw.call('POST', '/v1/decisions', {
      key,
      body: { channel: 'email', purpose: 'order-updates', from: 'news@shop.example', recipients: [buyer] },
    });
    expect(r.status, r.text).toBe(403);
    expect(r.body).toMatchObject({ error: 'out_of_scope', scope: 'scopes.categories' });
  });

  it('refuses it on the bulk queue: an invalid outcome, nothing delivered', async () => {
    const { key } = await scopedKey({ categories: ['marketing'] });
    const before = await deliveredTo(buyer, 'Bulk receipt');
    const r = await gw.call('POST', '/local/bulk-queue/messages', {
      key,
      body: [{ ...receipt(buyer), subject: 'Bulk receipt' }],
    });
    expect(r.status, r.text).toBe(202);
    const id = (r.body.messageIds as string[])[0];
    const status = (await gw.call('GET', '/local/bulk-queue?wait')).body as {
      deadLetters: { messageId: string }[];
      events: { detail: Record<string, unknown> }[];
    };
    const outcome = status.events.find((e) => e.detail.sqsMessageId === id)?.detail;
    expect(outcome).toMatchObject({ outcome: 'invalid' });
    expect(String(outcome?.problem)).toContain('scopes.categories');
    expect(status.deadLetters.map((d) => d.messageId)).not.toContain(id);
    expect(await deliveredTo(buyer, 'Bulk receipt')).toBe(before);
  });

  it('lists its scopes, keeps them on rotation, and the rotated key is refused the same', async () => {
    const scopes = { purposes: ['newsletter'], channels: ['email'], categories: ['marketing'] };
    const { keyId } = await scopedKey(scopes);
    const listed = (await admin('GET', '/v1/keys')).body.keys.find(
      (k: { keyId: string }) => k.keyId === keyId,
    );
    expect(listed.scopes).toEqual(scopes);
    const rotated = await admin('POST', `/v1/keys/${keyId}/rotate`, { graceSeconds: 0 });
    expect(rotated.status, rotated.text).toBe(201);
    expect(rotated.body.scopes).toEqual(scopes);
    const r = await gw.call('POST', '/v1/messages', { key: rotated.body.key, body: receipt(buyer) });
    expect(r.status, r.text).toBe(403);
    expect(r.body.error).toBe('out_of_scope');
    expect(
      (await admin('GET', '/v1/keys')).body.keys.find(
        (k: { keyId: string }) => k.keyId === rotated.body.keyId,
      ).scopes,
    ).toEqual(scopes);
  });

  it('refuses scopes that bound nothing or that name no channel or category: a 400 naming the field', async () => {
    const adminScoped = await admin('POST', '/v1/keys', {
      role: 'admin',
      scopes: { purposes: ['newsletter'] },
    });
    expect(adminScoped.status).toBe(400);
    expect(adminScoped.body.issues).toEqual([{ field: 'scopes', problem: 'only sender keys take scopes' }]);
    const empty = await admin('POST', '/v1/keys', { scopes: { purposes: [] } });
    expect(empty.status).toBe(400);
    expect(empty.body.issues[0].field).toBe('scopes.purposes');
    const bad = await admin('POST', '/v1/keys', { scopes: { channels: ['fax'], categories: ['spam'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { field: string }) => i.field).sort()).toEqual([
      'scopes.categories.0',
      'scopes.channels.0',
    ]);
  });
});

describe('scoped SES credentials', () => {
  const sesSend = async (creds: { accessKeyId: string; secretAccessKey: string }, purpose: string) => {
    const url = new URL('/v2/email/outbound-emails', gw.apiUrl);
    const payload = JSON.stringify({
      FromEmailAddress: 'Demo Shop <news@shop.example>',
      Destination: { ToAddresses: [buyer] },
      EmailTags: [{ Name: 'purpose', Value: purpose }],
      Content: {
        Simple: { Subject: { Data: `SES ${purpose}` }, Body: { Text: { Data: 'Hello.' } } },
      },
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: await signSesPost(url, payload, creds),
      body: payload,
    });
    return {
      status: response.status,
      type: response.headers.get('x-amzn-errortype'),
      text: await response.text(),
    };
  };

  it('are refused a purpose category outside their scopes: AccessDeniedException, nothing delivered', async () => {
    const created = await admin('POST', '/v1/credentials', {
      label: 'newsletter tool',
      scopes: { categories: ['marketing'] },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.scopes).toEqual({ categories: ['marketing'] });
    const creds = { accessKeyId: created.body.accessKeyId, secretAccessKey: created.body.secretAccessKey };
    const ok = await sesSend(creds, 'newsletter');
    expect(ok.status, ok.text).toBe(200);
    const refused = await sesSend(creds, 'order-updates');
    expect(refused.status, refused.text).toBe(403);
    expect(refused.type).toBe('AccessDeniedException');
    expect(refused.text).toContain('scopes.categories');
    expect(await deliveredTo(buyer, 'SES order-updates')).toBe(0);
    const listed = (await admin('GET', '/v1/credentials')).body.credentials.find(
      (c: { keyId: string }) => c.keyId === created.body.keyId,
    );
    expect(listed.scopes).toEqual({ categories: ['marketing'] });
  });

  it('keep their scopes on rotation, and take no channel scope (email only)', async () => {
    const created = await admin('POST', '/v1/credentials', { scopes: { purposes: ['newsletter'] } });
    const rotated = await admin('POST', `/v1/credentials/${created.body.keyId}/rotate`, {});
    expect(rotated.status, rotated.text).toBe(201);
    expect(rotated.body.scopes).toEqual({ purposes: ['newsletter'] });
    const refused = await sesSend(
      { accessKeyId: rotated.body.accessKeyId, secretAccessKey: rotated.body.secretAccessKey },
      'order-updates',
    );
    expect(refused.type).toBe('AccessDeniedException');
    const channels = await admin('POST', '/v1/credentials', { scopes: { channels: ['email'] } });
    expect(channels.status).toBe(400);
    expect(channels.body.issues[0]).toEqual({
      field: 'scopes.channels',
      problem: 'is not a field of this request',
    });
  });
});
