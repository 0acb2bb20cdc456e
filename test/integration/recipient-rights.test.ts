import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGatewayStore } from '../../shared/adapters/dynamodb-store';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { eventSchemas, type GatewayDetailType } from '../../shared/schemas/events';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The recipient's rights through HTTP against DynamoDB Local and aws-ses-v2-local: export (R15), erasure
 * (R15, R11), the audit trail, events out, the preference centre's and consent page's
 * effects, and the double opt-in (R3).
 */
let gw: LocalGateway;

beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  await gw?.stop();
});

const admin = (method: string, path: string, body?: unknown) =>
  gw.call(method, path, { key: gw.adminKey, body });

async function putRecipient(address: string, extra: Record<string, unknown> = {}) {
  const r = await admin('PUT', '/v1/recipients', {
    channel: 'email',
    address,
    audience: 'consumer',
    ...extra,
  });
  expect(r.status).toBe(200);
  return r.body.recipientKey as string;
}

const decision = async (to: string, purpose = 'newsletter') =>
  (
    await gw.call('POST', '/v1/decisions', {
      key: gw.senderKey,
      body: { channel: 'email', purpose, from: 'news@shop.example', to },
    })
  ).body;

async function localEvents(): Promise<
  { detailType: string; detail: Record<string, unknown>; source: string }[]
> {
  const r = await fetch(`${gw.apiUrl}/local/events`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { events: never[] }).events;
}

async function partition(key: string) {
  const doc = createDocumentClient(new DynamoDBClient({ endpoint: gw.dynamodbUrl }));
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: gw.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `TENANT#demo#R#${key}` },
    }),
  );
  return Items ?? [];
}

const form = (fields: [string, string][]) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

describe('export (R15)', () => {
  it('R15: holds the profile, consents with proof and wording, objections, suppressions, messages with their basis, and rejected decisions', async () => {
    const key = await putRecipient('xavier@example.org', {
      collection: { at: '2026-10-01T09:00:00Z', source: 'https://shop.example/checkout', informed: true },
    });
    const consent = await admin('POST', '/v1/consents', provableConsent('xavier@example.org'));
    const sent = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('xavier@example.org'),
    });
    expect(sent.status).toBe(202);
    const refused = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('xavier@example.org', { purpose: 'personalised-offers' }),
    });
    expect(refused.status).toBe(403);
    await admin('POST', '/v1/objections', {
      channel: 'email',
      address: 'xavier@example.org',
      scope: { type: 'purpose', purpose: 'pro-software' },
    });

    const r = await admin('GET', `/v1/recipients/${key}/export`);
    expect(r.status).toBe(200);
    const doc = r.body;
    expect(doc).toMatchObject({ format: 'consent-gate.recipient-export', version: 1, recipientKey: key });
    expect(doc.controller).toMatchObject({ tenant: 'demo', name: 'Demo Shop' });
    expect(doc.profile).toMatchObject({ address: 'xavier@example.org', audience: 'consumer' });
    expect(doc.consents).toEqual([
      expect.objectContaining({
        purpose: 'newsletter',
        purposeName: 'Newsletter',
        grant: expect.objectContaining({
          id: consent.body.consent.id,
          method: 'web_form',
          ip: '203.0.113.7',
        }),
        wording: expect.objectContaining({
          versionId: 'newsletter-v1',
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        }),
      }),
    ]);
    expect(doc.objections).toEqual([
      expect.objectContaining({ scope: { type: 'purpose', purpose: 'pro-software' } }),
    ]);
    expect(doc.messages).toEqual([
      expect.objectContaining({ messageId: sent.body.messageId, basis: 'consent', purpose: 'newsletter' }),
    ]);
    const types = doc.auditTrail.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'profile.updated',
        'consent.given',
        'decision.sent',
        'decision.rejected',
        'objection.recorded',
      ]),
    );
    const rejected = doc.auditTrail.find((e: { type: string }) => e.type === 'decision.rejected');
    expect(rejected.data.failures.map((f: { reason: string }) => f.reason)).toContain('consent_missing');
    expect(rejected.actor).toMatchObject({ type: 'sender_key' });
  });

  it('answers 404 for a key that holds nothing', async () => {
    const r = await admin('GET', `/v1/recipients/${'A'.repeat(43)}/export`);
    expect(r.status).toBe(404);
  });
});

describe('audit trail', () => {
  it('lists who/what/when/why for every change, without the address', async () => {
    const key = await putRecipient('yvonne@example.org');
    await admin('POST', '/v1/consents', provableConsent('yvonne@example.org'));
    await admin('POST', '/v1/withdrawals', {
      channel: 'email',
      address: 'yvonne@example.org',
      purpose: 'newsletter',
    });
    const r = await admin('GET', `/v1/recipients/${key}/audit`);
    expect(r.status).toBe(200);
    expect(r.body.events.map((e: { type: string }) => e.type)).toEqual([
      'profile.updated',
      'consent.given',
      'consent.withdrawn',
    ]);
    for (const event of r.body.events) {
      expect(event).toMatchObject({
        actor: { type: 'admin_key' },
        why: expect.any(String),
        at: expect.any(String),
      });
    }
    expect(r.text).not.toContain('yvonne');
  });

  it('is append-only: an event is never written twice under the same id', async () => {
    const store = new DynamoDbGatewayStore(
      createDocumentClient(new DynamoDBClient({ endpoint: gw.dynamodbUrl })),
      gw.tableName,
    );
    const event = {
      id: 'fixed-id',
      at: '2026-11-01T00:00:00.000Z',
      type: 'profile.updated' as const,
      actor: { type: 'system' as const },
      why: 'test',
      data: {},
    };
    // A fixed id (an SNS redelivery's): the second commit finds it and writes nothing.
    expect((await store.commitChanges('demo', 'B'.repeat(43), [], [{ event, fixedId: true }])).outcome).toBe(
      'committed',
    );
    expect(
      (
        await store.commitChanges(
          'demo',
          'B'.repeat(43),
          [],
          [{ event: { ...event, why: 'rewritten' }, fixedId: true }],
        )
      ).outcome,
    ).toBe('duplicate');
    expect((await store.listAudit('demo', 'B'.repeat(43))).map((e) => e.why)).toEqual(['test']);
  });
});

describe('erasure (R15, R11)', () => {
  it('R11: leaves only the objection and suppression entries and their proof; sends stay refused, also after a re-import', async () => {
    const address = 'zoe@example.org';
    const key = await putRecipient(address, {
      collection: { at: '2026-10-01T09:00:00Z', duringSale: true, informed: true, optOutOffered: true },
      purchases: [{ productFamily: 'books', at: '2026-10-01T09:00:00Z', ref: 'order-7' }],
    });
    await admin('POST', '/v1/consents', provableConsent(address));
    expect(
      (await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) })).status,
    ).toBe(202);
    await admin('POST', '/v1/objections', {
      channel: 'email',
      address,
      scope: { type: 'purpose', purpose: 'pro-software' },
      ip: '198.51.100.4',
    });
    await admin('POST', '/v1/suppressions', { channel: 'email', address, reason: 'complaint' });

    const r = await admin('DELETE', `/v1/recipients/${key}`, { source: 'email to the DPO, ticket 42' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ recipientKey: key, opposition: { scope: { type: 'channel' } } });
    expect(r.body.deletedItems).toBeGreaterThan(3);

    const items = await partition(key);
    const kinds = items.map((i) =>
      i.entity !== 'audit'
        ? i.entity
        : i.data === undefined
          ? `tombstone:${(i.tombstone as { type: string }).type}`
          : `audit:${(i.data as { type: string }).type}`,
    );
    expect(new Set(kinds)).toEqual(
      new Set([
        'objection',
        // The latest objection of each scope, which the batched read (bulk queue, SES endpoint) checks.
        'objectionScope',
        'suppression',
        'audit:objection.recorded',
        'audit:suppression.recorded',
        'audit:recipient.erased',
        // R15: the erased events' links stay (seq, hashes, type, time), so the chain still verifies.
        'tombstone:profile.updated',
        'tombstone:consent.given',
        'tombstone:decision.sent',
      ]),
    );
    expect(kinds.filter((k) => k === 'objection')).toHaveLength(2); // the earlier one and the erasure's
    // The address, not 'zoe' alone: base64url recipient keys can contain those three letters by chance.
    expect(JSON.stringify(items)).not.toContain('zoe@example.org');
    expect(JSON.stringify(items)).not.toContain('order-7');
    const erasure = items.find(
      (i) => i.entity === 'objection' && (i.data as { method: string }).method === 'erasure_request',
    );
    expect(erasure?.data).toMatchObject({
      scope: { type: 'channel' },
      source: 'email to the DPO, ticket 42',
    });

    const state = await admin('GET', `/v1/recipients/${key}`);
    expect(state.body.profile).toBeUndefined();
    expect(state.body.consents).toEqual({});

    // Later sends are refused, and a re-import of the same address stays blocked (R7, R11).
    const after = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) });
    expect(after.status).toBe(403);
    expect(after.body.reasons).toContain('objection');
    const reimport = await admin('PUT', '/v1/recipients', {
      channel: 'email',
      address,
      audience: 'consumer',
      collection: { at: '2026-11-20T09:00:00Z', duringSale: true, informed: true, optOutOffered: true },
      purchases: [{ productFamily: 'books', at: '2026-11-20T09:00:00Z' }],
    });
    expect(reimport.body.recipientKey).toBe(key);
    expect(reimport.body.opposition).toEqual(
      expect.arrayContaining([expect.objectContaining({ scope: { type: 'channel' } })]),
    );
    const again = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) });
    expect(again.status).toBe(403);
    expect(again.body.reasons).toContain('objection');
    // The batched read of the bulk queue sees the erasure too (it reads the scope items erasure keeps).
    await gw.call('POST', '/local/bulk-queue/messages', { key: gw.senderKey, body: [newsletter(address)] });
    const queue = await gw.call('GET', '/local/bulk-queue?wait');
    const outcome = (queue.body.events as { detailType: string; detail: Record<string, unknown> }[])
      .filter((e) => e.detailType === 'Message Outcome' && e.detail.recipientKey === key)
      .at(-1);
    expect(outcome?.detail).toMatchObject({
      decision: 'rejected',
      reasons: expect.arrayContaining(['objection']),
    });
  });

  it('answers 404 for a key that holds nothing, and records nothing', async () => {
    const r = await admin('DELETE', `/v1/recipients/${'C'.repeat(43)}`);
    expect(r.status).toBe(404);
    expect(await partition('C'.repeat(43))).toEqual([]);
  });
});

describe('events out', () => {
  it('publishes every consent, withdrawal, objection, suppression and erasure, valid against its schema, without the address', async () => {
    const before = (await localEvents()).length;
    const address = 'events@example.org';
    const key = await putRecipient(address);
    await admin('POST', '/v1/consents', provableConsent(address));
    await admin('POST', '/v1/withdrawals', { channel: 'email', address, purpose: 'newsletter' });
    await admin('POST', '/v1/objections', { channel: 'email', address, scope: { type: 'channel' } });
    await admin('POST', '/v1/suppressions', { channel: 'email', address, reason: 'bounce' });
    await admin('DELETE', `/v1/recipients/${key}`);

    const events = (await localEvents()).slice(before);
    expect(events.map((e) => e.detailType)).toEqual([
      'Consent Given',
      'Consent Withdrawn',
      'Objection Recorded',
      'Suppression Recorded',
      'Objection Recorded',
      'Recipient Erased',
    ]);
    for (const event of events) {
      expect(event.source).toBe('consent-gate');
      expect(() => eventSchemas[event.detailType as GatewayDetailType].parse(event.detail)).not.toThrow();
      expect(event.detail).toMatchObject({ version: 1, tenant: 'demo', channel: 'email', recipientKey: key });
    }
    expect(JSON.stringify(events)).not.toContain('events@');
    expect(events[0]?.detail).toMatchObject({ purpose: 'newsletter', method: 'web_form', valid: true });
  });
});

describe('preference centre through HTTP (R15, R3, R7)', () => {
  async function preferencesPath(address: string) {
    const r = await admin('POST', '/v1/links', { channel: 'email', address, kind: 'preferences' });
    expect(r.status).toBe(201);
    return new URL(r.body.url).pathname;
  }

  it('R3: a ticked box records a consent with method preference_center, the stored wording and its hash, IP and user agent', async () => {
    const address = 'pauline@example.org';
    const key = await putRecipient(address);
    const path = await preferencesPath(address);
    const page = await gw.call('GET', path);
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<input type="checkbox"[^>]*checked/);
    const version = /name="wording:newsletter" value="([^"]+)"/.exec(page.text)?.[1];
    expect(version).toBeDefined();

    const saved = await gw.call('POST', path, {
      ...form([
        ['action', 'save'],
        ['purpose', 'newsletter'],
        ['wording:newsletter', version!],
      ]),
      headers: { ...form([]).headers, 'user-agent': 'TestBrowser/1.0' },
    });
    expect(saved.status).toBe(200);
    expect(saved.text).toMatch(/<input type="checkbox" id="p-newsletter"[^>]*checked/);

    const state = (await admin('GET', `/v1/recipients/${key}`)).body;
    const grant = state.consents.newsletter.grant;
    const tenant = (await admin('GET', '/v1/tenant')).body;
    expect(grant).toMatchObject({
      method: 'preference_center',
      wordingVersion: version,
      wordingSha256: tenant.wordings[version!].sha256,
      ip: '127.0.0.1',
      userAgent: 'TestBrowser/1.0',
      controllers: ['Demo Shop'],
      // R15: a link from POST /v1/links is a fresh link the tenant handed to the person.
      proof: { link: 'tenant_link', sentAt: expect.any(String), usedAt: grant.recordedAt },
    });
    expect((await decision(address)).decision).toBe('allowed');
  });

  it('R8: on a bounced address, says why no box can be ticked, in French and English, before and after saving', async () => {
    const address = 'bounced@example.org';
    const key = await putRecipient(address);
    expect(
      (await admin('POST', '/v1/suppressions', { channel: 'email', address, reason: 'bounce' })).status,
    ).toBe(201);
    const path = await preferencesPath(address);
    const en = await gw.call('GET', path, { headers: { 'accept-language': 'en' } });
    expect(en.text).toMatch(
      /<p class="notice warning" role="status">[^<]*bounced[^<]*no marketing email can be sent/,
    );
    const fr = await gw.call('GET', path, { headers: { 'accept-language': 'fr' } });
    expect(fr.text).toMatch(
      /<p class="notice warning" role="status">[^<]*revenus[^<]*aucun e-mail commercial/,
    );
    const version = /name="wording:newsletter" value="([^"]+)"/.exec(en.text)?.[1];

    const saved = await gw.call('POST', path, {
      ...form([
        ['action', 'save'],
        ['purpose', 'newsletter'],
        ['wording:newsletter', version!],
      ]),
      headers: { ...form([]).headers, 'accept-language': 'en' },
    });
    expect(saved.status).toBe(200);
    // The consent is kept as the person gave it, the box stays unticked, and the page says why
    // instead of "they take effect from the very next message".
    expect((await admin('GET', `/v1/recipients/${key}`)).body.consents.newsletter.grant.method).toBe(
      'preference_center',
    );
    expect(saved.text).not.toMatch(/<input type="checkbox" id="p-newsletter"[^>]*checked/);
    expect(saved.text).not.toContain('They take effect from the very next message');
    expect(saved.text).toMatch(/notice warning[^<]*bounced/);
    expect(saved.text).toMatch(/<p class="notice" role="status">[^<]*saved[^<]*cannot be sent/);
    expect((await decision(address)).reasons).toContain('suppressed_bounce');
  });

  it('R3: shows the wording a purpose declares, and refuses to declare one that is not stored', async () => {
    const bad = await admin('PUT', '/v1/purposes/garden-club', {
      name: 'Garden club',
      category: 'marketing',
      wordingVersion: 'never-stored',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([expect.objectContaining({ field: 'wordingVersion' })]);
    await admin('PUT', '/v1/wordings/garden-club-v1', {
      text: 'Oui, le club jardin de Demo Shop par e-mail.',
    });
    const good = await admin('PUT', '/v1/purposes/garden-club', {
      name: 'Garden club',
      category: 'marketing',
      wordingVersion: 'garden-club-v1',
    });
    expect(good.status).toBe(200);
    await putRecipient('valentin@example.org');
    const page = await gw.call('GET', await preferencesPath('valentin@example.org'));
    expect(page.text).toContain('Oui, le club jardin de Demo Shop par e-mail.');
    expect(page.text).toContain('name="wording:garden-club" value="garden-club-v1"');
  });

  it('R3: refuses a consent whose wording version was never stored', async () => {
    const address = 'quentin@example.org';
    await putRecipient(address);
    const path = await preferencesPath(address);
    const r = await gw.call(
      'POST',
      path,
      form([
        ['action', 'save'],
        ['purpose', 'newsletter'],
        ['wording:newsletter', 'made-up-version'],
      ]),
    );
    expect(r.status).toBe(400);
    expect((await decision(address)).decision).toBe('rejected');
  });

  it('R7: "stop all marketing" blocks every marketing purpose at once', async () => {
    const address = 'romain@example.org';
    await putRecipient(address);
    await admin('POST', '/v1/consents', provableConsent(address));
    expect((await decision(address)).decision).toBe('allowed');
    const r = await gw.call('POST', await preferencesPath(address), form([['action', 'stop_all']]));
    expect(r.status).toBe(200);
    const d = await decision(address);
    expect(d.decision).toBe('rejected');
    expect(d.reasons).toContain('objection');
  });

  it('R15: a forged or an unsubscribe token never opens the preference centre', async () => {
    expect((await gw.call('GET', '/p/v1.k1.eyJrIjoicCJ9.forged')).status).toBe(404);
    expect((await gw.call('POST', '/p/v1.k1.eyJrIjoicCJ9.forged', form([['action', 'export']]))).status).toBe(
      404,
    );
  });

  it('R15: {{preferences_url}} in a message is a stale link: masked address, no choices; it mails a fresh link whose consent carries that proof', async () => {
    const address = 'sacha@example.org';
    const key = await putRecipient(address);
    await admin('POST', '/v1/consents', provableConsent(address));
    const sent = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter(address, {
        html: '<p>Hello <a href="{{preferences_url}}">Preferences</a></p>',
        text: 'Preferences: {{preferences_url}}',
      }),
    });
    expect(sent.status).toBe(202);
    const stored = (await gw.sentEmails()).find((e) => e.destination.to.includes(address))!;
    const link = /(http:\/\/[^\s"]+\/p\/[A-Za-z0-9._-]+)/.exec(stored.body.text ?? '')?.[1];
    expect(link).toBeDefined();
    expect(stored.body.html).toContain(`href="${link}"`);
    const page = await fetch(link!);
    expect(page.status).toBe(200);
    const staleHtml = await page.text();
    expect(staleHtml).not.toContain('type="checkbox"');
    expect(staleHtml).not.toContain(address);
    expect(staleHtml).toContain('s•••@example.org');
    const path = new URL(link!).pathname;
    expect((await gw.call('POST', path, form([['action', 'export_confirmed']]))).status).toBe(403);

    const before = (await gw.sentEmails()).length;
    const asked = await gw.call('POST', path, form([['action', 'preferences_link']]));
    expect(asked.status).toBe(200);
    expect(asked.text).not.toMatch(/\/p\/v1\./);
    const mails = (await gw.sentEmails()).slice(before);
    expect(mails.map((m) => m.destination.to)).toEqual([[address]]);
    const fresh = new URL(/(http:\/\/\S+\/p\/[A-Za-z0-9._-]+)/.exec(mails[0]!.body.text ?? '')![1]!).pathname;
    const freshPage = await gw.call('GET', fresh);
    expect(freshPage.text).toMatch(/<input type="checkbox" id="p-newsletter"[^>]*checked/);
    const version = /name="wording:personalised-offers" value="([^"]+)"/.exec(freshPage.text)![1]!;
    await gw.call(
      'POST',
      fresh,
      form([
        ['action', 'save'],
        ['purpose', 'newsletter'],
        ['purpose', 'personalised-offers'],
        ['wording:personalised-offers', version],
      ]),
    );
    const grant = (await admin('GET', `/v1/recipients/${key}`)).body.consents['personalised-offers'].grant;
    expect(grant.proof).toEqual({
      link: 'fresh_email_link',
      sentAt: expect.any(String),
      usedAt: grant.recordedAt,
    });
    expect(Date.parse(grant.proof.sentAt)).toBeLessThanOrEqual(Date.parse(grant.proof.usedAt));
  });
});

describe('consent page and double opt-in (R3, R13)', () => {
  it('R3: nothing pre-ticked; the consent counts only once the emailed link is confirmed, and keeps both times', async () => {
    const address = 'theo@example.org';
    const link = await admin('POST', '/v1/links', {
      channel: 'email',
      address,
      kind: 'consent',
      purposes: ['newsletter'],
    });
    expect(link.status).toBe(201);
    const path = new URL(link.body.url).pathname;
    const page = await gw.call('GET', path, { headers: { 'accept-language': 'fr' } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Choisissez ce que vous souhaitez recevoir</h1>');
    expect(page.text).not.toContain('checked');
    const version = /name="wording:newsletter" value="([^"]+)"/.exec(page.text)![1]!;

    const ticked = await gw.call(
      'POST',
      path,
      form([
        ['action', 'request'],
        ['purpose', 'newsletter'],
        ['wording:newsletter', version],
      ]),
    );
    expect(ticked.status).toBe(200);
    expect(ticked.text).toContain('Check your inbox');
    // Not yet: the double opt-in is pending.
    expect((await decision(address)).decision).toBe('rejected');

    const mail = (await gw.sentEmails()).find((e) => e.destination.to.includes(address))!;
    expect(mail.from).toContain('no-reply@shop.example');
    const confirm = /(http:\/\/\S+\/c\/[A-Za-z0-9._-]+)/.exec(mail.body.text ?? '')![1]!;
    const confirmPage = await fetch(confirm);
    expect(confirmPage.status).toBe(200);
    // Opening the link (as a scanner would) changes nothing.
    expect((await decision(address)).decision).toBe('rejected');

    const confirmed = await fetch(confirm, {
      method: 'POST',
      body: new URLSearchParams([['action', 'confirm']]),
    });
    expect(confirmed.status).toBe(200);
    const d = await decision(address);
    expect(d).toMatchObject({ decision: 'allowed', basis: 'consent' });
    const key = link.body.recipientKey;
    const recipient = (await admin('GET', `/v1/recipients/${key}`)).body;
    // R2/R4/R5: a sign-up's profile claims no notice nor opt-out at collection, so no other basis opens.
    expect(recipient.profile.collection).toMatchObject({ informed: false, optOutOffered: false });
    const grant = recipient.consents.newsletter.grant;
    expect(grant).toMatchObject({ method: 'double_opt_in', wordingVersion: version, source: 'consent page' });
    expect(Date.parse(grant.confirmedAt)).toBeGreaterThanOrEqual(Date.parse(grant.givenAt));
  });

  it('R3: a consent page with nothing ticked records nothing and sends nothing', async () => {
    const address = 'ugo@example.org';
    const link = await admin('POST', '/v1/links', { channel: 'email', address, kind: 'consent' });
    const before = (await gw.sentEmails()).length;
    const r = await gw.call('POST', new URL(link.body.url).pathname, form([['action', 'request']]));
    expect(r.status).toBe(200);
    expect(r.text).toContain('Nothing recorded');
    expect(await gw.sentEmails()).toHaveLength(before);
  });
});
