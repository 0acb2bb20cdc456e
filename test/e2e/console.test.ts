import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../shared/domain/api-key';
import { sessionIdHash } from '../../shared/domain/console-session';
import { runtimeDependencies } from '../../shared/http/runtime';
import { assignEmailIdentity } from '../../shared/services/identities';
import { createApiKey, newTenant, putPurpose } from '../../shared/services/state';
import { axeViolations, launchChromium } from '../support/browser';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The compliance console in real Chromium against the local gateway: sign in as an admin and
 * as a compliance officer, justify a message, look a recipient up, export it, erase it (admin
 * only); axe-core reports no WCAG 2 A/AA violation on any page. A compliance session's POSTs
 * that change something get 403; a user of one tenant sees nothing of another's; a form with
 * no CSRF token, a wrong one, or from another origin gets 403; the session cookie's flags.
 *
 * UPDATE_SCREENSHOTS=1 also writes the screenshots docs/console.md shows (docs/console-*.png).
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
/** The pages docs/console.md shows. */
const SHOWN = new Set(['sign-in', 'justify', 'recipient', 'erase-confirm', 'justify-fr', 'forbidden']);

let gw: LocalGateway;
let browser: Browser;
const axeReport: { page: string; violations: number }[] = [];
const foreignRequests: string[] = [];

/** Tenant A (demo): bob consented and was sent the newsletter. Tenant B: its own admin. */
const BOB = 'bob.console@example.org';
let messageId: string;
let bobKey: string;
let otherAdmin: string;
let complianceKeyId: string;

beforeAll(async () => {
  [gw, browser] = await Promise.all([startLocalGateway(), launchChromium()]);
  bobKey = (
    await gw.call('PUT', '/v1/recipients', {
      key: gw.adminKey,
      body: { channel: 'email', address: BOB, audience: 'consumer' },
    })
  ).body.recipientKey;
  expect(
    (await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(BOB) })).status,
  ).toBe(201);
  const sent = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(BOB) });
  expect(sent.status).toBe(202);
  messageId = sent.body.messageId;
  // A second tenant, created as the tests of tenant isolation do.
  const deps = runtimeDependencies();
  await deps.tenants.createTenant(newTenant('other', 'Other Brand'));
  await assignEmailIdentity(deps, 'other', 'other.example');
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
  otherAdmin = (await createApiKey(deps, 'other', { role: 'admin' })).key;
  complianceKeyId = (await deps.credentials.getApiKey(hashApiKey(gw.complianceKey)))!.keyId;
});
afterAll(async () => {
  console.info(`axe-core ${JSON.stringify(axeReport)}`);
  await browser?.close();
  await gw?.stop();
});
afterEach(() => {
  expect(foreignRequests, 'requests to another origin than the gateway').toEqual([]);
});

/** A desktop context. CSP is bypassed only to inject axe-core; the pages' headers are asserted apart. */
async function desktop(locale = 'en-GB'): Promise<BrowserContext> {
  const context = await browser.newContext({
    locale,
    viewport: { width: 1100, height: 800 },
    bypassCSP: true,
    acceptDownloads: true,
  });
  context.on('request', (request) => {
    if (!request.url().startsWith(gw.apiUrl)) foreignRequests.push(request.url());
  });
  return context;
}

/** axe-core in the page: not one WCAG 2 A/AA violation, whatever its impact. */
async function checkPage(page: Page, name: string): Promise<void> {
  const result = { violations: await axeViolations(page) };
  axeReport.push({ page: name, violations: result.violations.length });
  expect(
    result.violations.map((v) => `${v.id}: ${v.nodes[0]?.html}`),
    `${name}: axe violations`,
  ).toEqual([]);
  if (SCREENSHOTS && SHOWN.has(name))
    await page.screenshot({ path: `docs/console-${name}.png`, fullPage: true });
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${gw.apiUrl}/console`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

const h1 = (page: Page) => page.locator('h1').textContent();

/** The session's CSRF token, as its pages carry it. */
const csrfOf = (page: Page) => page.locator('input[name=csrf]').first().getAttribute('value');

describe('as an admin', () => {
  it('signs in, justifies a message with its proof and audit chain, looks the recipient up, exports and erases it; every page passes axe', async () => {
    const context = await desktop();
    const page = await context.newPage();
    const first = await page.goto(`${gw.apiUrl}/console`);
    expect(page.url()).toBe(`${gw.apiUrl}/console/sign-in`);
    const csp = first?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    await checkPage(page, 'sign-in');

    // A sender key does not open the console.
    await page.getByLabel('API key').fill(gw.senderKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'only an admin or a compliance key',
    );
    await checkPage(page, 'sign-in-refused');

    await signIn(page, gw.adminKey);
    expect(page.url()).toBe(`${gw.apiUrl}/console/justify`);
    await expect(h1(page)).resolves.toBe('Justify a message');
    const [cookie] = (await context.cookies()).filter((c) => c.name === '__Host-cg_console');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    await checkPage(page, 'justify-form');

    await page.getByLabel('Message id').fill(messageId);
    await page.getByLabel(/Address/).fill(BOB);
    await page.getByRole('button', { name: 'Justify' }).click();
    await page.waitForLoadState();
    const decision = await page.locator('section[aria-labelledby=decision]').textContent();
    expect(decision).toContain('sent');
    expect(decision).toContain('consent');
    expect(decision).toContain(bobKey);
    const proof = await page.locator('section[aria-labelledby=proof]').textContent();
    // R3: the wording the person was shown, the source, IP and user agent.
    expect(proof).toContain('Yes, I want to receive the Demo Shop newsletter by email.');
    expect(proof).toContain('https://shop.example/signup');
    expect(proof).toContain('203.0.113.7');
    expect(proof).toContain('Mozilla/5.0');
    await expect(page.locator('section[aria-labelledby=audit]').textContent()).resolves.toContain('verified');
    // R10: the link and headers it carried, with the token fingerprinted: nothing on the page unsubscribes bob.
    const carried = page.locator('section[aria-labelledby=unsubscribe]');
    await expect(carried.locator('h2').textContent()).resolves.toBe('Unsubscribe it carried');
    const unsubscribe = (await carried.textContent()) ?? '';
    expect(unsubscribe).toMatch(/\/u\/\{sha256:[0-9a-f]{16}\}/);
    expect(unsubscribe).toContain('List-Unsubscribe=One-Click');
    expect(unsubscribe).toContain('HTML footer, text footer');
    expect(unsubscribe).toContain('for purpose newsletter by email');
    await expect(carried.locator('a').count()).resolves.toBe(0);
    const handed = gw.outbox.emails.find((m) => m.request.Destination?.ToAddresses?.includes(BOB));
    const header = handed?.request.Content?.Simple?.Headers?.find((h) => h.Name === 'List-Unsubscribe');
    const bobToken = /\/u\/([^>]+)>/.exec(header?.Value ?? '')?.[1];
    expect(bobToken).toMatch(/^v1\./);
    expect(await page.content()).not.toContain(bobToken!);
    await checkPage(page, 'justify');

    // A message id this recipient was never sent: said so, nothing more.
    await page.getByLabel('Message id').fill('00000000-0000-4000-8000-000000000000');
    await page.getByRole('button', { name: 'Justify' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('status').textContent()).resolves.toContain('No message with this id');

    await page.getByRole('link', { name: 'A recipient' }).click();
    await page.waitForLoadState();
    await page.getByLabel(/Address/).fill(BOB.toUpperCase());
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.waitForLoadState();
    const timeline = await page.locator('section[aria-labelledby=timeline]').textContent();
    for (const event of ['profile.updated', 'consent.given', 'decision.sent'])
      expect(timeline).toContain(event);
    await checkPage(page, 'recipient');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the export (JSON)' }).click(),
    ]);
    const data = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(data).toMatchObject({ format: 'consent-gate.recipient-export', recipientKey: bobKey });
    expect(data.profile.address).toBe(BOB);

    await page.getByRole('button', { name: 'Erase this recipient…' }).click();
    await page.waitForLoadState();
    await expect(h1(page)).resolves.toBe('Erase this recipient?');
    await checkPage(page, 'erase-confirm');
    // The confirmation step changed nothing.
    expect(
      (await gw.call('GET', `/v1/recipients/${bobKey}`, { key: gw.adminKey })).body.profile,
    ).toBeDefined();
    await page.getByRole('button', { name: 'Yes, erase this recipient' }).click();
    await page.waitForLoadState();
    await expect(h1(page)).resolves.toBe('Recipient erased');
    await checkPage(page, 'erased');

    const after = (await gw.call('GET', `/v1/recipients/${bobKey}`, { key: gw.adminKey })).body;
    expect(after.profile).toBeUndefined();
    expect(after.objections.map((o: { method: string }) => o.method)).toContain('erasure_request');
    // Both actions in the recipient's trail, with the admin's key and the console named.
    const trail = (await gw.call('GET', `/v1/recipients/${bobKey}/audit`, { key: gw.adminKey })).body
      .events as {
      type: string;
      actor: { type: string; id: string; via?: string };
    }[];
    const adminKeyId = (await runtimeDependencies().credentials.getApiKey(hashApiKey(gw.adminKey)))!.keyId;
    expect(trail.find((e) => e.type === 'recipient.erased')?.actor).toEqual({
      type: 'admin_key',
      id: adminKeyId,
      via: 'console',
    });
    await context.close();
  }, 120_000);
});

describe('as a compliance officer', () => {
  const ALICE = 'alice.console@example.org';
  let aliceKey: string;
  let aliceMessage: string;
  beforeAll(async () => {
    aliceKey = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'email', address: ALICE, audience: 'consumer' },
      })
    ).body.recipientKey;
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(ALICE) });
    aliceMessage = (await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(ALICE) }))
      .body.messageId;
  });

  it('reads every page, in French too, exports (audited), and gets 403 on everything that changes something', async () => {
    const context = await desktop('fr-FR');
    const page = await context.newPage();
    await page.goto(`${gw.apiUrl}/console`);
    await expect(h1(page)).resolves.toBe('Connexion');
    await page.getByLabel('Clé d’API').fill(gw.complianceKey);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForLoadState();
    await expect(h1(page)).resolves.toBe('Justifier un message');
    await page.getByLabel('Identifiant du message').fill(aliceMessage);
    await page.getByLabel(/Adresse/).fill(ALICE);
    await page.getByRole('button', { name: 'Justifier' }).click();
    await page.waitForLoadState();
    await expect(page.locator('section[aria-labelledby=proof]').textContent()).resolves.toContain(
      '203.0.113.7',
    );
    const carried = page.locator('section[aria-labelledby=unsubscribe]');
    await expect(carried.locator('h2').textContent()).resolves.toBe('Désinscription qu’il portait');
    await expect(carried.textContent()).resolves.toContain('pied HTML, pied texte');
    await checkPage(page, 'justify-fr');
    // On to the recipient's page, with the address just typed (the form carries it, nothing stores it).
    await page.getByRole('button', { name: 'Ouvrir ce destinataire' }).click();
    await page.waitForLoadState();
    await expect(h1(page)).resolves.toBe('Un destinataire');
    await expect(page.locator('section[aria-labelledby=timeline]').textContent()).resolves.toContain(
      'decision.sent',
    );

    // The switch: the page in English, remembered on the next page.
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForLoadState();
    await expect(h1(page)).resolves.toBe('A recipient');
    await page.getByRole('link', { name: 'Justify a message' }).click();
    await page.waitForLoadState();
    await expect(h1(page)).resolves.toBe('Justify a message');
    await page.getByRole('link', { name: 'A recipient' }).click();
    await page.waitForLoadState();
    await expect(h1(page)).resolves.toBe('A recipient');
    await page.getByLabel(/Address/).fill(ALICE);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.waitForLoadState();
    // No erase button for a compliance session: the page says why.
    expect(await page.getByRole('button', { name: /Erase/ }).count()).toBe(0);
    await expect(page.locator('section[aria-labelledby=actions]').textContent()).resolves.toContain(
      'Erasure needs an admin key',
    );
    await checkPage(page, 'recipient-compliance');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the export (JSON)' }).click(),
    ]);
    expect(JSON.parse(readFileSync((await download.path())!, 'utf8')).recipientKey).toBe(aliceKey);
    const trail = (await gw.call('GET', `/v1/recipients/${aliceKey}/audit`, { key: gw.adminKey })).body
      .events as { type: string; actor: unknown }[];
    expect(trail.find((e) => e.type === 'data.exported')?.actor).toEqual({
      type: 'compliance_key',
      id: complianceKeyId,
      via: 'console',
    });

    // Every POST that changes something: 403, with a valid session and CSRF token, and nothing changes.
    const csrf = await csrfOf(page);
    for (const path of ['/console/recipient/erase', '/console/recipient/erase/confirm']) {
      const r = await context.request.post(`${gw.apiUrl}${path}`, {
        headers: { origin: gw.apiUrl },
        form: { csrf: csrf!, recipientKey: aliceKey, channel: 'email' },
        maxRedirects: 0,
      });
      expect(r.status(), path).toBe(403);
      expect(await r.text()).toContain('A compliance session only reads');
    }
    const forbidden = await context.newPage();
    await forbidden.goto(`${gw.apiUrl}/console/recipient`);
    await forbidden.evaluate(
      ([csrfToken, key]) => {
        const d = (
          globalThis as unknown as {
            document: {
              body: { insertAdjacentHTML(w: string, h: string): void };
              forms: { submit(): void }[];
            };
          }
        ).document;
        d.body.insertAdjacentHTML(
          'beforeend',
          `<form method="post" action="/console/recipient/erase/confirm"><input name="csrf" value="${csrfToken}"><input name="recipientKey" value="${key}"></form>`,
        );
        d.forms[d.forms.length - 1]!.submit();
      },
      [csrf!, aliceKey] as const,
    );
    await forbidden.waitForLoadState();
    await expect(h1(forbidden)).resolves.toBe('Not allowed');
    await checkPage(forbidden, 'forbidden');
    expect(
      (await gw.call('GET', `/v1/recipients/${aliceKey}`, { key: gw.adminKey })).body.profile,
    ).toBeDefined();

    // The JSON API agrees: a compliance key reads, and changes nothing.
    expect((await gw.call('GET', `/v1/recipients/${aliceKey}`, { key: gw.complianceKey })).status).toBe(200);
    const erase = await gw.call('DELETE', `/v1/recipients/${aliceKey}`, { key: gw.complianceKey });
    expect(erase.status).toBe(403);
    expect(erase.body.message).toContain('A compliance key may only read');
    expect(
      (await gw.call('POST', '/v1/messages', { key: gw.complianceKey, body: newsletter(ALICE) })).status,
    ).toBe(403);
    await context.close();
  }, 120_000);
});

describe('sessions, CSRF and tenants', () => {
  it('refuses a POST with no CSRF token, a wrong one, or from another origin (403), and takes the right one', async () => {
    const context = await desktop();
    const page = await context.newPage();
    await signIn(page, gw.adminKey);
    const csrf = (await csrfOf(page))!;
    const post = (form: Record<string, string>, origin?: string) =>
      context.request.post(`${gw.apiUrl}/console/justify`, {
        headers: origin === undefined ? {} : { origin },
        form: { messageId: messageId, address: BOB, channel: 'email', ...form },
        maxRedirects: 0,
      });
    expect((await post({}, gw.apiUrl)).status()).toBe(403);
    expect((await post({ csrf: `${csrf.slice(0, -1)}x` }, gw.apiUrl)).status()).toBe(403);
    expect((await post({ csrf }, 'https://attacker.example')).status()).toBe(403);
    expect((await post({ csrf })).status()).toBe(403); // no Origin at all
    const ok = await post({ csrf }, gw.apiUrl);
    // bob was erased above: his message is gone with his data, the lookup says so (404 page).
    expect([200, 404]).toContain(ok.status());
    expect(await ok.text()).toContain('<h1>Justify a message</h1>');
    await context.close();
  });

  it('signs out: the session item is deleted and the cookie no longer opens a page', async () => {
    const context = await desktop();
    const page = await context.newPage();
    await signIn(page, gw.complianceKey);
    const [cookie] = (await context.cookies()).filter((c) => c.name === '__Host-cg_console');
    const deps = runtimeDependencies();
    expect(await deps.consoleSessions.getSession(sessionIdHash(cookie!.value))).toMatchObject({
      role: 'compliance',
      principal: { kind: 'key', keyId: complianceKeyId },
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForLoadState();
    expect(page.url()).toBe(`${gw.apiUrl}/console/sign-in`);
    expect(await deps.consoleSessions.getSession(sessionIdHash(cookie!.value))).toBeUndefined();
    // The old cookie, sent again, opens nothing.
    const replay = await fetch(`${gw.apiUrl}/console/justify`, {
      headers: { cookie: `__Host-cg_console=${cookie!.value}` },
      redirect: 'manual',
    });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toBe('/console/sign-in');
    await context.close();
  });

  it("shows a user of one tenant nothing of another's recipient or message", async () => {
    const ALICE = 'alice.console@example.org';
    const aliceKey = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'email', address: ALICE, audience: 'consumer' },
      })
    ).body.recipientKey as string;
    const aliceMessage = (
      await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(ALICE) })
    ).body.messageId as string;
    const context = await desktop();
    const page = await context.newPage();
    await signIn(page, otherAdmin);
    await expect(page.locator('header').textContent()).resolves.toContain('other');
    await page.getByLabel('Message id').fill(aliceMessage ?? 'none');
    await page.getByLabel(/Address/).fill(ALICE);
    await page.getByRole('button', { name: 'Justify' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('status').textContent()).resolves.toContain('No message with this id');
    await page.getByRole('link', { name: 'A recipient' }).click();
    await page.getByLabel(/Address/).fill(ALICE);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('status').textContent()).resolves.toContain('No recipient with this address');
    // Tenant A's recipient key posted by hand to tenant B's export: nothing, and no download.
    const r = await context.request.post(`${gw.apiUrl}/console/recipient/export`, {
      headers: { origin: gw.apiUrl },
      form: { csrf: (await csrfOf(page))!, recipientKey: aliceKey, channel: 'email' },
    });
    expect(r.status()).toBe(404);
    expect(r.headers()['content-disposition']).toBeUndefined();
    await context.close();
  });
});
