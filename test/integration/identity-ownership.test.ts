import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IDENTITY, DEMO_SHORT_CODE } from '../../infra/local/seed';
import { runtimeDependencies } from '../../shared/http/runtime';
import { createApiKey, newTenant } from '../../shared/services/state';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * A sending identity belongs to one tenant (docs/rules.md, Vocabulary "Tenant"; R10): tenant
 * A is the demo tenant (shop.example, the short code 36123 on phone-number/local-36123);
 * tenant B, another brand of the same deployment, tries to send as A. Everything goes
 * through HTTP; what counts is what the local SES and the SMS outbox delivered.
 */
let gw: LocalGateway;
let bAdmin: string;
let bSender: string;
const A_ORIGINATION = 'phone-number/local-36123';

beforeAll(async () => {
  gw = await startLocalGateway();
  const deps = runtimeDependencies();
  // Tenant B with no identity of its own: created as the deployment's bootstrap does.
  await deps.tenants.createTenant(newTenant('brand-b', 'Brand B'));
  bAdmin = (await createApiKey(deps, 'brand-b', { role: 'admin' })).key;
  bSender = (await createApiKey(deps, 'brand-b', { role: 'sender' })).key;
  const purpose = await gw.call('PUT', '/v1/purposes/receipts', {
    key: bAdmin,
    body: { name: 'Receipts', category: 'transactional' },
  });
  expect(purpose.status, purpose.text).toBe(200);
});
afterAll(async () => {
  await gw?.stop();
});

describe("tenant B and tenant A's email identity", () => {
  it("R10: B's admin cannot take A's domain (403 naming it), and B's mail as A is refused, nothing delivered", async () => {
    const put = await gw.call('PUT', `/v1/identities/${DEMO_IDENTITY}`, { key: bAdmin });
    expect(put.status, put.text).toBe(403);
    expect(put.body).toMatchObject({ error: 'identity_not_assigned' });
    expect(put.body.message).toContain(DEMO_IDENTITY);

    const before = (await gw.sentEmails()).length;
    const send = await gw.call('POST', '/v1/messages', {
      key: bSender,
      body: {
        channel: 'email',
        purpose: 'receipts',
        to: 'victim@example.org',
        from: `Brand A <security@${DEMO_IDENTITY}>`,
        subject: 'Reset your password',
        text: 'Click here',
      },
    });
    expect(send.status, send.text).toBe(403);
    expect(send.body).toMatchObject({ reasons: ['sender_not_allowed'], rules: ['R10'] });
    const after = await gw.sentEmails();
    expect(after.slice(before).filter((m) => m.destination.to.includes('victim@example.org'))).toEqual([]);
    // A itself still sends from it.
    const tenantA = await gw.call('GET', '/v1/tenant', { key: gw.adminKey });
    expect(tenantA.body.emailIdentities).toContain(DEMO_IDENTITY);
  });
});

describe("tenant B and tenant A's SMS origination identity", () => {
  it("R10/R7: B cannot point a sender at A's origination identity; nothing goes out from it for B, and a STOP to it reaches A only", async () => {
    const put = await gw.call('PUT', '/v1/sms-senders/+33700000009', {
      key: bAdmin,
      body: { type: 'long_code', originationIdentity: A_ORIGINATION },
    });
    expect(put.status, put.text).toBe(403);
    expect(put.body).toMatchObject({ error: 'identity_not_assigned' });

    const to = '+33612000909';
    const before = gw.sms.outbox.length;
    const send = await gw.call('POST', '/v1/messages', {
      key: bSender,
      body: { channel: 'sms', purpose: 'receipts', to, from: '+33700000009', body: 'Your code: 1234' },
    });
    expect(send.status, send.text).toBe(403);
    expect(send.body).toMatchObject({ reasons: ['sender_not_allowed'] });
    expect(gw.sms.outbox.slice(before).filter((m) => m.originationIdentity === A_ORIGINATION)).toEqual([]);

    // The person replies STOP to A's short code: the objection is A's, never B's.
    await gw.sms.reply(to, DEMO_SHORT_CODE, 'STOP');
    const key = (tenantKey: string) =>
      gw.call('PUT', '/v1/recipients', {
        key: tenantKey,
        body: { channel: 'sms', address: to, audience: 'consumer' },
      });
    const inA = await key(gw.adminKey);
    const inB = await key(bAdmin);
    expect(inA.body.opposition).toHaveLength(1);
    expect(inB.body.opposition).toEqual([]);
  });
});

describe('the operator', () => {
  const op = (method: string, path: string, body?: unknown) =>
    gw.call(method, `/v1/operator${path}`, { key: gw.operatorKey, body });

  it('creates a tenant with its identities and first admin key; tenant keys get 403 on operator routes, the operator key 403 on tenant routes', async () => {
    const created = await op('POST', '/tenants', {
      id: 'brand-c',
      name: 'Brand C',
      identities: ['c.example'],
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ tenant: 'brand-c', emailIdentities: ['c.example'] });
    expect(created.body.adminKey).toMatch(/^cg_admin_/);
    const again = await op('POST', '/tenants', { id: 'brand-c', name: 'Brand C' });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('tenant_exists');

    for (const key of [gw.adminKey, gw.senderKey, created.body.adminKey]) {
      const r = await gw.call('PUT', '/v1/operator/tenants/demo/identities/c.example', { key });
      expect(r.status, r.text).toBe(403);
      expect(
        (await gw.call('POST', '/v1/operator/tenants', { key, body: { id: 'x', name: 'X' } })).status,
      ).toBe(403);
    }
    const asOperator = await gw.call('GET', '/v1/tenant', { key: gw.operatorKey });
    expect(asOperator.status).toBe(403);
    const send = await gw.call('POST', '/v1/messages', { key: gw.operatorKey, body: { channel: 'email' } });
    expect(send.status).toBe(403);

    const listed = await gw.call('GET', '/v1/identities', { key: created.body.adminKey });
    expect(listed.body).toEqual({ tenantId: 'brand-c', emailIdentities: ['c.example'], smsSenders: [] });
    // c.example is Brand C's: B cannot take it, the operator cannot give it to B.
    expect((await gw.call('PUT', '/v1/identities/c.example', { key: bAdmin })).status).toBe(403);
    // A tenant asked with another's identity is refused whole: not created, so it can be asked again.
    const withTaken = await op('POST', '/tenants', {
      id: 'brand-e',
      name: 'Brand E',
      identities: ['c.example'],
    });
    expect(withTaken.status).toBe(409);
    expect((await op('GET', '/tenants/brand-e/identities')).body.emailIdentities).toEqual([]);
    expect((await op('POST', '/tenants', { id: 'brand-e', name: 'Brand E' })).status).toBe(201);
    const toB = await op('PUT', '/tenants/brand-b/identities/c.example');
    expect(toB.status).toBe(409);
    expect(toB.body).toMatchObject({ error: 'identity_taken', message: expect.stringContaining('brand-c') });
  });

  it('two concurrent assignments of one identity: exactly one wins, and only the winner holds it', async () => {
    await op('POST', '/tenants', { id: 'race-1', name: 'Race One' });
    await op('POST', '/tenants', { id: 'race-2', name: 'Race Two' });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        op('PUT', `/tenants/race-${(i % 2) + 1}/identities/contested.example`),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    const winners = results.filter((r) => r.status === 200);
    // The same tenant may be told 200 more than once (idempotent); the other tenant only 409.
    expect(new Set(winners.map((r) => r.body.tenantId)).size).toBe(1);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const winner = winners[0]!.body.tenantId as string;
    const loser = winner === 'race-1' ? 'race-2' : 'race-1';
    const [w, l] = await Promise.all([
      op('GET', `/tenants/${winner}/identities`),
      op('GET', `/tenants/${loser}/identities`),
    ]);
    expect(w.body.emailIdentities).toEqual(['contested.example']);
    expect(l.body.emailIdentities).toEqual([]);
  });

  it('a tenant admin releases an identity (DELETE frees the claim); it then sends from it no more, and the operator may assign it elsewhere', async () => {
    const c = await op('POST', '/tenants', { id: 'brand-d', name: 'Brand D', identities: ['d.example'] });
    const dAdmin = c.body.adminKey as string;
    await gw.call('PUT', '/v1/purposes/receipts', {
      key: dAdmin,
      body: { name: 'Receipts', category: 'transactional' },
    });
    const receipt = (key: string, from: string) =>
      gw.call('POST', '/v1/messages', {
        key,
        body: {
          channel: 'email',
          purpose: 'receipts',
          to: 'dora@example.org',
          from,
          subject: 'Receipt',
          text: 'Thanks',
        },
      });
    expect((await receipt(dAdmin, 'D <shop@d.example>')).status).toBe(202);
    expect((await gw.call('DELETE', '/v1/identities/d.example', { key: dAdmin })).status).toBe(204);
    const refused = await receipt(dAdmin, 'D <shop@d.example>');
    expect(refused.body.reasons).toEqual(['sender_not_allowed']);
    expect((await gw.call('PUT', '/v1/identities/d.example', { key: dAdmin })).status).toBe(403);
    const toB = await op('PUT', '/tenants/brand-b/identities/d.example');
    expect(toB.status, toB.text).toBe(200);
    const bSends = await receipt(bSender, 'B <shop@d.example>');
    expect(bSends.status, bSends.text).toBe(202);
  });

  it("assigns an SMS sender to one tenant: B's own number works for B and routes B's STOP to B; A's origination identity cannot be assigned to B", async () => {
    const taken = await op('PUT', '/tenants/brand-b/sms-senders/+33700000011', {
      originationIdentity: A_ORIGINATION,
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toBe('identity_taken');
    const takenId = await op('PUT', `/tenants/brand-b/sms-senders/${DEMO_SHORT_CODE}`, {
      originationIdentity: 'phone-number/local-b',
    });
    expect(takenId.status).toBe(409);
    // The failed assignment gave back what it had claimed: the origination identity is free.
    const assigned = await op('PUT', '/tenants/brand-b/sms-senders/+33700000011', {
      originationIdentity: 'phone-number/local-b',
    });
    expect(assigned.status, assigned.text).toBe(200);
    expect(assigned.body).toMatchObject({
      id: '+33700000011',
      type: 'long_code',
      originationIdentity: 'phone-number/local-b',
    });
    // B may (re)declare it with the origination identity it was assigned with, not another.
    const declared = await gw.call('PUT', '/v1/sms-senders/+33700000011', {
      key: bAdmin,
      body: { type: 'long_code', originationIdentity: 'phone-number/local-b' },
    });
    expect(declared.status, declared.text).toBe(200);
    const swapped = await gw.call('PUT', '/v1/sms-senders/+33700000011', {
      key: bAdmin,
      body: { type: 'long_code', originationIdentity: A_ORIGINATION },
    });
    expect(swapped.status).toBe(403);

    const to = '+33612000911';
    const before = gw.sms.outbox.length;
    const send = await gw.call('POST', '/v1/messages', {
      key: bSender,
      body: { channel: 'sms', purpose: 'receipts', to, from: '+33700000011', body: 'Your code: 5678' },
    });
    expect(send.status, send.text).toBe(202);
    expect(gw.sms.outbox.slice(before).map((m) => m.originationIdentity)).toEqual(['phone-number/local-b']);
    await gw.sms.reply(to, '+33700000011', 'STOP');
    const state = (key: string) =>
      gw.call('PUT', '/v1/recipients', { key, body: { channel: 'sms', address: to, audience: 'consumer' } });
    expect((await state(bAdmin)).body.opposition).toHaveLength(1);
    expect((await state(gw.adminKey)).body.opposition).toEqual([]);
  });
});

describe('inbound SMS', () => {
  it("R7: a reply to a sender id that B holds but that sends through A's origination identity reaches A, the owner", async () => {
    // Data of before: B's sender id claim names A's origination identity (no operator would assign it).
    await runtimeDependencies().tenants.claimIdentity({
      kind: 'sms_sender',
      identity: '36124',
      tenantId: 'brand-b',
      assignedAt: new Date().toISOString(),
      originationIdentity: A_ORIGINATION,
    });
    const from = '+33612000912';
    await gw.sms.reply(from, '36124', 'STOP merci');
    const state = (key: string) =>
      gw.call('PUT', '/v1/recipients', {
        key,
        body: { channel: 'sms', address: from, audience: 'consumer' },
      });
    expect((await state(gw.adminKey)).body.opposition).toHaveLength(1);
    expect((await state(bAdmin)).body.opposition).toEqual([]);
  });
});

describe('tenants created before identities were claimed', () => {
  it('send from an unclaimed identity no more, until the claim migration creates its claim; a conflict is refused and reported', async () => {
    const { migrateIdentityClaims } = await import('../../shared/services/identities');
    const deps = runtimeDependencies();
    // As create-tenant wrote them before: identities in the tenant item only (one of them A's).
    await deps.tenants.createTenant(newTenant('legacy', 'Legacy Shop', ['legacy.example', DEMO_IDENTITY]));
    const admin = (await createApiKey(deps, 'legacy', { role: 'admin' })).key;
    await gw.call('PUT', '/v1/purposes/receipts', {
      key: admin,
      body: { name: 'Receipts', category: 'transactional' },
    });
    const receipt = (from: string) =>
      gw.call('POST', '/v1/messages', {
        key: admin,
        body: {
          channel: 'email',
          purpose: 'receipts',
          to: 'lea@example.org',
          from,
          subject: 'R',
          text: 'Thanks',
        },
      });
    expect((await receipt('news@legacy.example')).body.reasons).toEqual(['sender_not_allowed']);

    const migrated = await migrateIdentityClaims(deps, { tenantId: 'legacy' });
    expect(migrated).toMatchObject({
      tenants: 1,
      claimed: 1,
      conflicts: [{ tenantId: 'legacy', kind: 'email', identity: DEMO_IDENTITY, holder: 'demo' }],
    });
    expect((await receipt('news@legacy.example')).status).toBe(202);
    expect((await receipt(`news@${DEMO_IDENTITY}`)).body.reasons).toEqual(['sender_not_allowed']);
    // Run again: nothing more to claim, the conflict still reported.
    expect(await migrateIdentityClaims(deps, { tenantId: 'legacy' })).toMatchObject({
      claimed: 0,
      alreadyClaimed: 1,
    });
  });
});
