import { afterAll, beforeAll, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { GatewayStore } from '../../shared/ports/gateway-store';
import { StoreUnavailableError } from '../../shared/ports/store-errors';
import { consoleSession } from '../support/console-session';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The console over plain HTTP, as a hostile tenant or a failing store would meet it: what a
 * tenant declares (a purpose's name, a wording) is shown as text, never as markup; a store
 * that fails answers a 503 page that reveals nothing, and erases nothing.
 */
let gw: LocalGateway;
const HOSTILE_NAME = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
const HOSTILE_WORDING = 'Yes</blockquote><script>alert(3)</script>';
const ADDRESS = 'hostile.console@example.org';
let messageId: string;

beforeAll(async () => {
  gw = await startLocalGateway();
  const admin = (method: string, path: string, body: unknown) =>
    gw.call(method, path, { key: gw.adminKey, body });
  expect(
    (await admin('PUT', '/v1/purposes/hostile', { name: HOSTILE_NAME, category: 'marketing' })).status,
  ).toBe(200);
  expect((await admin('PUT', '/v1/wordings/hostile-v1', { text: HOSTILE_WORDING })).status).toBe(200);
  await admin('PUT', '/v1/recipients', { channel: 'email', address: ADDRESS, audience: 'consumer' });
  const consent = await admin('POST', '/v1/consents', {
    ...provableConsent(ADDRESS, 'hostile'),
    wordingVersion: 'hostile-v1',
  });
  expect(consent.status, consent.text).toBe(201);
  const sent = await gw.call('POST', '/v1/messages', {
    key: gw.senderKey,
    body: newsletter(ADDRESS, { purpose: 'hostile' }),
  });
  expect(sent.status, sent.text).toBe(202);
  messageId = sent.body.messageId;
});
afterAll(async () => {
  setDependencies(undefined);
  await gw?.stop();
});

const session = async (key: string) => (await consoleSession(gw.apiUrl, key)).post;

it('shows a hostile purpose name and wording as text on Justify and the recipient page, never as markup', async () => {
  const post = await session(gw.complianceKey);
  for (const [path, form] of [
    ['/console/justify', { messageId, address: ADDRESS, channel: 'email' }],
    ['/console/recipient', { address: ADDRESS, channel: 'email' }],
  ] as const) {
    const r = await post(path, form);
    expect(r.status, path).toBe(200);
    const html = await r.text();
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror=alert(2)>');
    if (path === '/console/justify') {
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('Yes&lt;/blockquote&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
    }
  }
});

it('answers a 503 page that reveals nothing when the store fails, and erases nothing', async () => {
  const post = await session(gw.adminKey);
  const key = (
    await gw.call('PUT', '/v1/recipients', {
      key: gw.adminKey,
      body: { channel: 'email', address: 'kept.console@example.org', audience: 'consumer' },
    })
  ).body.recipientKey as string;
  const real = runtimeDependencies();
  const failing = new Proxy(real.store, {
    get: (target, property, receiver) =>
      property === 'listAudit' || property === 'eraseRecipient' || property === 'commitChanges'
        ? () => Promise.reject(new StoreUnavailableError('DynamoDB unavailable (injected)'))
        : Reflect.get(target, property, receiver),
  }) as GatewayStore;
  setDependencies({ ...real, store: failing });
  try {
    const justify = await post('/console/justify', { messageId, address: ADDRESS, channel: 'email' });
    expect(justify.status).toBe(503);
    const body = await justify.text();
    expect(body).toContain('The console could not answer');
    expect(body).not.toContain('injected');
    const erase = await post('/console/recipient/erase/confirm', { recipientKey: key, channel: 'email' });
    expect(erase.status).toBe(503);
  } finally {
    setDependencies(real);
  }
  expect((await gw.call('GET', `/v1/recipients/${key}`, { key: gw.adminKey })).body.profile).toBeDefined();
});
