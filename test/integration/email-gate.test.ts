import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The email gate end to end through HTTP, against the real local DynamoDB and SES,
 * playing the sender, the recipient and the mailbox provider.
 */
let gw: LocalGateway;

beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  await gw?.stop();
});

async function recipient(address: string, extra: Record<string, unknown> = {}) {
  const r = await gw.call('PUT', '/v1/recipients', {
    key: gw.adminKey,
    body: { channel: 'email', address, audience: 'consumer', ...extra },
  });
  expect(r.status).toBe(200);
  return r.body.recipientKey as string;
}

function unsubscribeUrl(headers: { name: string; value: string }[] | undefined): string {
  const value = headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '';
  return value.replace(/^<|>$/g, '');
}

describe('the sender', () => {
  it('R1: is refused without consent, with reasons and rules, and nothing reaches SES', async () => {
    await recipient('nobody@example.org');
    const before = (await gw.sentEmails()).length;
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('nobody@example.org'),
    });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({
      decision: 'rejected',
      reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
      rules: ['R1', 'R2'],
    });
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('R10: is refused from an undeclared identity, until the operator assigns it to the tenant', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('ida@example.org') });
    const send = () =>
      gw.call('POST', '/v1/messages', {
        key: gw.senderKey,
        body: newsletter('ida@example.org', { from: 'news@brand-two.example' }),
      });
    expect((await send()).body.reasons).toEqual(['sender_not_allowed']);
    // A tenant admin cannot declare it itself: identities are the operator's to assign.
    expect((await gw.call('PUT', '/v1/identities/brand-two.example', { key: gw.adminKey })).status).toBe(403);
    const put = await gw.call('PUT', '/v1/operator/tenants/demo/identities/brand-two.example', {
      key: gw.operatorKey,
    });
    expect(put.status).toBe(200);
    expect((await send()).status).toBe(202);
  });

  it('R10: sends with consent; the delivered message carries the link in both parts and both headers', async () => {
    await recipient('alice@example.org');
    const consent = await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: provableConsent('alice@example.org'),
    });
    expect(consent.body).toMatchObject({ valid: true, problems: [] });

    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('alice@example.org'),
    });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      decision: 'sent',
      basis: 'consent',
      proof: { type: 'consent', ref: consent.body.consent.id },
    });

    const stored = (await gw.sentEmails()).find((e) => e.destination.to.includes('alice@example.org'))!;
    const url = unsubscribeUrl(stored.headers);
    expect(url).toMatch(new RegExp(`^${gw.apiUrl}/u/v1\\.k1\\.`));
    expect(url).not.toContain('alice');

    const mail = await gw.deliveredMessage(stored.messageId);
    const header = (name: string) =>
      mail.headerLines
        .find((h) => h.key === name)
        ?.line.replace(/\r?\n[ \t]+/g, ' ')
        .replace(/^[^:]+:\s*/, '');
    expect(header('list-unsubscribe')).toBe(`<${url}>`);
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.html).toContain(`href="${url}"`);
    expect(mail.html).toContain('<h1>Autumn books</h1>');
    expect(mail.text).toContain(url);
  });

  it('R6: a transactional message carries no unsubscribe link', async () => {
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: { ...newsletter('buyer@example.org'), purpose: 'order-updates', subject: 'Your order shipped' },
    });
    expect(r.body).toMatchObject({ decision: 'sent', basis: 'contract' });
    const stored = (await gw.sentEmails()).find((e) => e.destination.to.includes('buyer@example.org'))!;
    expect(stored.headers ?? []).toEqual([]);
    expect(stored.body.text).not.toContain('/u/');
  });

  it('checks a segment of up to 1,000 recipients without sending', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('seg-1@example.org') });
    const before = (await gw.sentEmails()).length;
    const recipients = [
      'seg-1@example.org',
      ...Array.from({ length: 299 }, (_, i) => `seg-x${i}@example.org`),
    ];
    const r = await gw.call('POST', '/v1/decisions', {
      key: gw.senderKey,
      body: { channel: 'email', purpose: 'newsletter', from: 'news@shop.example', recipients },
    });
    expect(r.status).toBe(200);
    expect(r.body.summary).toEqual({ allowed: 1, deferred: 0, rejected: 299 });
    expect(r.body.results[0]).toMatchObject({
      to: 'seg-1@example.org',
      decision: 'allowed',
      basis: 'consent',
    });
    expect(r.body.results[1]).toMatchObject({
      decision: 'rejected',
      reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
    });
    expect(await gw.sentEmails()).toHaveLength(before);

    const tooMany = await gw.call('POST', '/v1/decisions', {
      key: gw.senderKey,
      body: {
        channel: 'email',
        purpose: 'newsletter',
        from: 'news@shop.example',
        recipients: Array(1001).fill('a@example.org'),
      },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.issues[0].field).toBe('recipients');
  });

  it('gets a 400 naming each bad field, and a 401 without a valid key', async () => {
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: {
        channel: 'email',
        purpose: 'newsletter',
        to: 'not-an-address',
        from: 'a@shop.example',
        subject: 'Hi\r\nBcc: x@evil.example',
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.issues.map((i: { field: string }) => i.field).sort()).toEqual(['html', 'subject', 'to']);
    expect((await gw.call('POST', '/v1/messages', { body: newsletter('a@example.org') })).status).toBe(401);
    expect(
      (
        await gw.call('POST', '/v1/messages', {
          key: 'cg_send_unknown_key_000',
          body: newsletter('a@example.org'),
        })
      ).status,
    ).toBe(401);
    const bad = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: '{"channel":' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].problem).toMatch(/not valid JSON/);
  });

  it('cannot use a sender key on the state API', async () => {
    const r = await gw.call('GET', '/v1/tenant', { key: gw.senderKey });
    expect(r.status).toBe(403);
  });
});

describe('the recipient and the mailbox provider', () => {
  async function sendTo(address: string) {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const r = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) });
    expect(r.status).toBe(202);
    const stored = (await gw.sentEmails()).filter((e) => e.destination.to.includes(address)).at(-1)!;
    return unsubscribeUrl(stored.headers);
  }

  it('R7: one-click POST (urlencoded) records the objection at once; the next send is refused', async () => {
    const url = await sendTo('bob@example.org');
    const path = new URL(url).pathname;
    const click = await gw.call('POST', path, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'MailboxProvider/1.0' },
    });
    expect(click.status).toBe(200);
    const resend = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('bob@example.org'),
    });
    expect(resend.status).toBe(403);
    expect(resend.body).toMatchObject({ reasons: ['objection'], rules: ['R7'] });

    // The objection keeps its proof: time, message, method, IP, user agent.
    const key = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'email', address: 'bob@example.org', audience: 'consumer' },
      })
    ).body.recipientKey;
    const state = await gw.call('GET', `/v1/recipients/${key}`, { key: gw.adminKey });
    expect(state.body.objections).toHaveLength(1);
    expect(state.body.objections[0]).toMatchObject({
      scope: { type: 'purpose', purpose: 'newsletter' },
      method: 'one_click',
      ip: '127.0.0.1',
      userAgent: 'MailboxProvider/1.0',
    });
    expect(state.body.objections[0].messageId).toMatch(/^[0-9a-f-]{36}$/);

    // Idempotent: the provider's retry records nothing new.
    const again = await gw.call('POST', path, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(again.status).toBe(200);
    expect(
      (await gw.call('GET', `/v1/recipients/${key}`, { key: gw.adminKey })).body.objections,
    ).toHaveLength(1);
  });

  it('R7: one-click POST as multipart works the same', async () => {
    const url = await sendTo('carol@example.org');
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const response = await fetch(url, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    const resend = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('carol@example.org'),
    });
    expect(resend.body.reasons).toEqual(['objection']);
  });

  it('GET shows a page that changes nothing (link scanners prefetch)', async () => {
    const url = await sendTo('dan@example.org');
    const page = await fetch(url, { headers: { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('Me désinscrire');
    const resend = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('dan@example.org'),
    });
    expect(resend.status).toBe(202);
  });

  it('a tampered or unknown token gets a plain "not valid" page that reveals nothing', async () => {
    const url = await sendTo('erin@example.org');
    const tampered = `${url.slice(0, -3)}${url.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    for (const target of [tampered, `${gw.apiUrl}/u/garbage`]) {
      const get = await fetch(target, { headers: { 'accept-language': 'en' } });
      expect(get.status).toBe(404);
      const text = await get.text();
      expect(text).toContain('This link is not valid');
      expect(text).not.toMatch(/erin|newsletter|Demo Shop/i);
      const post = await fetch(target, {
        method: 'POST',
        body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click' }),
      });
      expect(post.status).toBe(404);
    }
    const resend = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('erin@example.org'),
    });
    expect(resend.status).toBe(202);
  });
});

describe('the store', () => {
  it('R11: keeps objections and suppressions under a keyed hash, with no address in them', async () => {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    const { createDocumentClient } = await import('../../shared/adapters/dynamodb-table');
    await gw.call('POST', '/v1/objections', {
      key: gw.adminKey,
      body: { channel: 'email', address: 'ivan@example.org', scope: { type: 'channel' } },
    });
    await gw.call('POST', '/v1/suppressions', {
      key: gw.adminKey,
      body: { channel: 'email', address: 'ivan@example.org', reason: 'complaint' },
    });
    const doc = createDocumentClient(new DynamoDBClient({ endpoint: gw.dynamodbUrl }));
    const { Items = [] } = await doc.send(new ScanCommand({ TableName: gw.tableName }));
    const kept = Items.filter((i) => i.entity === 'objection' || i.entity === 'suppression');
    expect(kept.length).toBeGreaterThanOrEqual(2);
    for (const item of kept) {
      expect(JSON.stringify(item)).not.toContain('@');
      expect(item.pk).toMatch(/^TENANT#demo#R#[A-Za-z0-9_-]{43}$/);
    }
  });

  it('R3: keeps a consent given by a pre-ticked box as pre-ticked, as given, and never counts it', async () => {
    const given = await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: { ...provableConsent('judy@example.org'), method: 'pre_ticked_box' },
    });
    expect(given.status).toBe(201);
    expect(given.body.valid).toBe(false);
    expect(given.body.consent).toMatchObject({ method: 'pre_ticked_box', preTicked: true });
    const stored = await gw.call('GET', `/v1/recipients/${given.body.recipientKey}`, { key: gw.adminKey });
    expect(stored.body.consents.newsletter.grant).toMatchObject({
      method: 'pre_ticked_box',
      preTicked: true,
    });
    const sent = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('judy@example.org'),
    });
    expect(sent.status).toBe(403);
    expect(sent.body.reasons).toContain('consent_invalid');
  });
});

describe('the OpenAPI document', () => {
  it('is served at /openapi.json and documents every route the gateway serves', async () => {
    const { entryPoints } = await import('../../infra/entry-points');
    const r = await gw.call('GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    // Fallback routes answer only errors (an unserved SES v2 operation): no operation of their own.
    for (const route of entryPoints.flatMap((e) => e.routes).filter((r) => r.fallback !== true)) {
      expect(
        r.body.paths[route.path]?.[route.method.toLowerCase()],
        `${route.method} ${route.path}`,
      ).toBeDefined();
    }
    expect(r.body.components.schemas.SendEmailRequest.required).toEqual(
      expect.arrayContaining(['channel', 'purpose', 'to', 'from', 'subject']),
    );
    expect(r.body.components.schemas.SendSmsRequest.required).toEqual(
      expect.arrayContaining(['channel', 'purpose', 'to', 'from', 'body']),
    );
  });
});

describe('tenants', () => {
  it('are isolated: a key of one tenant can neither read nor use another tenant’s data', async () => {
    // A second tenant, created through the same service the deployment's bootstrap uses.
    const { createApiKey, newTenant, putPurpose } = await import('../../shared/services/state');
    const { runtimeDependencies } = await import('../../shared/http/runtime');
    const deps = runtimeDependencies();
    await deps.tenants.createTenant(newTenant('other', 'Other Brand', ['other.example']));
    await putPurpose(
      deps,
      { tenantId: 'other', keyId: 't', role: 'admin' },
      'promo',
      {
        name: 'Promo',
        category: 'marketing',
      },
      { type: 'system', id: 'test' },
    );
    const otherAdmin = (await createApiKey(deps, 'other', { role: 'admin' })).key;
    const otherSender = (await createApiKey(deps, 'other', { role: 'sender' })).key;

    // alice consented to the demo tenant's newsletter (above); the other tenant sees nothing of it.
    const demoKey = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'email', address: 'alice@example.org', audience: 'consumer' },
      })
    ).body.recipientKey;
    expect((await gw.call('GET', `/v1/recipients/${demoKey}`, { key: gw.adminKey })).status).toBe(200);
    expect((await gw.call('GET', `/v1/recipients/${demoKey}`, { key: otherAdmin })).status).toBe(404);
    expect((await gw.call('GET', '/v1/tenant', { key: otherAdmin })).body.id).toBe('other');

    // Its sender cannot use the demo tenant's purposes, identities or consents.
    const asOther = await gw.call('POST', '/v1/messages', {
      key: otherSender,
      body: newsletter('alice@example.org'),
    });
    expect(asOther.status).toBe(403);
    expect(asOther.body.reasons).toEqual(['unknown_purpose']);
    const promo = await gw.call('POST', '/v1/messages', {
      key: otherSender,
      body: newsletter('alice@example.org', { purpose: 'promo', from: 'news@other.example' }),
    });
    expect(promo.body.reasons).toContain('consent_missing');
  });

  it('a purpose id an object inherits ("constructor", "tostring") is an undeclared purpose, answered 403, not a crash', async () => {
    for (const purpose of ['constructor', 'tostring', 'valueof']) {
      const r = await gw.call('POST', '/v1/messages', {
        key: gw.senderKey,
        body: newsletter('alice@example.org', { purpose }),
      });
      expect(r.status).toBe(403);
      expect(r.body.reasons).toEqual(['unknown_purpose']);
    }
  });
});
