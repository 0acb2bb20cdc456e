import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { unzipSync } from 'fflate';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { GatewayStore } from '../../shared/ports/gateway-store';
import { StoreUnavailableError } from '../../shared/ports/store-errors';
import { assignEmailIdentity } from '../../shared/services/identities';
import { createApiKey, newTenant } from '../../shared/services/state';
import { consoleSession } from '../support/console-session';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The evidence pack through the console, against local DynamoDB: both roles download it, it
 * holds evidence.json, evidence.pdf and SHA256SUMS that `sha256sum -c` verifies, and the
 * download is in the recipient's audit trail with the console user.
 */
let gw: LocalGateway;
const ADDRESS = 'evidence.console@example.org';
let messageId: string;

beforeAll(async () => {
  gw = await startLocalGateway();
  const admin = (method: string, path: string, body: unknown) =>
    gw.call(method, path, { key: gw.adminKey, body });
  expect(
    (await admin('PUT', '/v1/purposes/news', { name: 'Newsletter', category: 'marketing' })).status,
  ).toBe(200);
  expect((await admin('PUT', '/v1/wordings/news-v1', { text: 'Yes, send me the newsletter' })).status).toBe(
    200,
  );
  await admin('PUT', '/v1/recipients', { channel: 'email', address: ADDRESS, audience: 'consumer' });
  const consent = await admin('POST', '/v1/consents', {
    ...provableConsent(ADDRESS, 'news'),
    wordingVersion: 'news-v1',
  });
  expect(consent.status, consent.text).toBe(201);
  const sent = await gw.call('POST', '/v1/messages', {
    key: gw.senderKey,
    body: newsletter(ADDRESS, { purpose: 'news' }),
  });
  expect(sent.status, sent.text).toBe(202);
  messageId = sent.body.messageId;
});
afterAll(async () => {
  setDependencies(undefined);
  await gw?.stop();
});

const session = async (key: string) => (await consoleSession(gw.apiUrl, key)).post;

/** Unzips the pack into a fresh directory and runs the real `sha256sum -c` there. */
function verifyWithSha256sum(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
  try {
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    return execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('downloads a message’s evidence pack as a compliance user, verified by sha256sum -c', async () => {
  const post = await session(gw.complianceKey);
  const justify = await (
    await post('/console/justify', { messageId, address: ADDRESS, channel: 'email' })
  ).text();
  expect(justify).toContain('action="/console/evidence/message"');
  const r = await post('/console/evidence/message', { messageId, address: ADDRESS, channel: 'email' });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('application/zip');
  expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="evidence-message-.+\.zip"$/);
  const files = unzipSync(new Uint8Array(await r.arrayBuffer()));
  expect(Object.keys(files).sort()).toEqual(['SHA256SUMS', 'evidence.json', 'evidence.pdf']);
  expect(verifyWithSha256sum(files)).toBe('evidence.json: OK\nevidence.pdf: OK\n');
  const text = new TextDecoder().decode(files['evidence.json']);
  const content = JSON.parse(text);
  expect(canonicalize(content)).toBe(text);
  expect(content.subject).toMatchObject({ type: 'message', messageId, channel: 'email' });
  expect(content.message.basis).toBe('consent');
  expect(content.message.proof.wording.text).toBe('Yes, send me the newsletter');
  expect(content.auditVerification.ok).toBe(true);
  expect(content.generatedBy.via).toBe('console');
  expect(JSON.stringify(content)).not.toContain(ADDRESS);
  const pdf = await PDFDocument.load(files['evidence.pdf']!);
  expect(pdf.getTitle()).toContain(messageId);

  // The download is an export in the recipient's audit trail, with the console user.
  const key = content.subject.recipientKey as string;
  const trail = await gw.call('GET', `/v1/recipients/${key}/audit`, { key: gw.adminKey });
  const exported = (trail.body.events ?? trail.body.items ?? trail.body) as {
    type: string;
    actor: { via?: string };
    data: { pack?: string; messageId?: string };
  }[];
  const pack = exported.filter((ev) => ev.type === 'data.exported' && ev.data.pack === 'evidence');
  expect(pack).toHaveLength(1);
  expect(pack[0]).toMatchObject({ actor: { via: 'console' }, data: { messageId } });
});

it('downloads a recipient’s evidence pack from the Recipient page, and refuses an unknown key', async () => {
  const post = await session(gw.adminKey);
  const page = await (await post('/console/recipient', { address: ADDRESS, channel: 'email' })).text();
  expect(page).toContain('action="/console/evidence/recipient"');
  const recipientKey = /name="recipientKey" value="([^"]+)"/.exec(page)![1]!;
  const r = await post('/console/evidence/recipient', { recipientKey, channel: 'email' });
  expect(r.status).toBe(200);
  const files = unzipSync(new Uint8Array(await r.arrayBuffer()));
  expect(verifyWithSha256sum(files)).toBe('evidence.json: OK\nevidence.pdf: OK\n');
  const content = JSON.parse(new TextDecoder().decode(files['evidence.json']));
  expect(content.subject).toEqual({ type: 'recipient', recipientKey, channel: 'email' });
  expect(Object.keys(content.recipient.state.consents)).toContain('news');
  expect(content.recipient.timeline.length).toBeGreaterThan(0);

  const unknown = await post('/console/evidence/recipient', {
    recipientKey: 'A'.repeat(43),
    channel: 'email',
  });
  expect(unknown.status).toBe(404);
  const wrong = await post('/console/evidence/recipient', { recipientKey: 'nope', channel: 'email' });
  expect(wrong.status).toBe(400);
  expect(await wrong.text()).toContain('recipientKey');
});

const packsOf = async (recipientKey: string) => {
  const trail = await gw.call('GET', `/v1/recipients/${recipientKey}/audit`, { key: gw.adminKey });
  return (
    (trail.body.events ?? trail.body.items ?? trail.body) as { type: string; data: { pack?: string } }[]
  ).filter((ev) => ev.type === 'data.exported' && ev.data.pack === 'evidence').length;
};

it('gives a user of another tenant nothing of this tenant’s message or recipient', async () => {
  const deps = runtimeDependencies();
  await deps.tenants.createTenant(newTenant('elsewhere', 'Elsewhere'));
  await assignEmailIdentity(deps, 'elsewhere', 'elsewhere.example');
  const post = await session((await createApiKey(deps, 'elsewhere', { role: 'admin' })).key);
  const mine = await session(gw.complianceKey);
  const page = await (await mine('/console/recipient', { address: ADDRESS, channel: 'email' })).text();
  const recipientKey = /name="recipientKey" value="([^"]+)"/.exec(page)![1]!;
  const before = await packsOf(recipientKey);
  const byKey = await post('/console/evidence/recipient', { recipientKey, channel: 'email' });
  expect(byKey.status).toBe(404);
  expect(byKey.headers.get('content-type')).toMatch(/^text\/html/);
  const byMessage = await post('/console/evidence/message', {
    messageId,
    address: ADDRESS,
    channel: 'email',
  });
  expect(byMessage.status).toBe(404);
  expect(await packsOf(recipientKey)).toBe(before);
});

it('hands out no pack when its export cannot be written to the audit trail', async () => {
  const post = await session(gw.adminKey);
  const real = runtimeDependencies();
  const failing = new Proxy(real.store, {
    get: (target, property, receiver) =>
      property === 'commitChanges'
        ? () => Promise.reject(new StoreUnavailableError('DynamoDB unavailable (injected)'))
        : Reflect.get(target, property, receiver),
  }) as GatewayStore;
  setDependencies({ ...real, store: failing });
  try {
    const r = await post('/console/evidence/message', { messageId, address: ADDRESS, channel: 'email' });
    expect(r.status).toBe(503);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await r.text()).not.toContain('injected');
  } finally {
    setDependencies(real);
  }
});
