import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies } from '../../shared/http/runtime';
import { axeViolations, launchChromium } from '../support/browser';
import { type LocalGateway, newsletter, startLocalGateway } from '../support/local-gateway';

/**
 * The console's Settings page in Chromium against the local gateway, under the console's own
 * CSP: an admin sees the keys (never a secret), revokes one after the confirmation step (the
 * API refuses it at once) and lifts the complaint hold with a reason; a compliance officer sees
 * the same lists without the forms, and a revocation forged with its session's token gets 403.
 * An admin adds a wording and changes a purpose to show it, then creates a purpose in French;
 * each new form, its refusal, its result and each confirmation step are checked too.
 * axe-core finds no WCAG 2.1 A/AA violation, in English and in French.
 * UPDATE_SCREENSHOTS=1 writes docs/console-settings.png.
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';

let gw: LocalGateway;
let browser: Browser;
let tenantId: string;
beforeAll(async () => {
  [gw, browser] = await Promise.all([startLocalGateway(), launchChromium()]);
  tenantId = (await gw.call('GET', '/v1/tenant', { key: gw.adminKey })).body.id as string;
  expect(
    await runtimeDependencies().complaints.setComplaintHold(tenantId, {
      since: new Date().toISOString(),
      rate: 0.0042,
      sends: 4800,
      complaints: 20,
      windowDays: 7,
    }),
  ).toBe('set');
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

async function signedIn(key: string, locale = 'en-GB') {
  const context: BrowserContext = await browser.newContext({
    locale,
    viewport: { width: 1100, height: 900 },
  });
  const foreign: string[] = [];
  context.on('request', (request) => {
    if (!request.url().startsWith(gw.apiUrl)) foreign.push(request.url());
  });
  const page = await context.newPage();
  await page.goto(`${gw.apiUrl}/console/sign-in`);
  await page.fill('#key', key);
  await Promise.all([page.waitForURL(/\/console(\/|$)/), page.click('button[type=submit]')]);
  await page.goto(`${gw.apiUrl}/console/settings`);
  return { context, page, foreign };
}

async function axeFindings(page: Page): Promise<string[]> {
  return (await axeViolations(page)).map(
    (v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

describe('the console Settings page', () => {
  it('as a compliance officer: the lists, no revoke or lift form, a forged revocation gets 403 (EN, FR)', async () => {
    const created = await gw.call('POST', '/v1/keys', {
      key: gw.adminKey,
      body: { role: 'sender', label: 'kept by compliance' },
    });
    const { context, page, foreign } = await signedIn(gw.complianceKey);
    await expect(page.locator('h1').textContent()).resolves.toBe('Settings');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain(created.body.keyId);
    expect(text).toContain('Hold set since');
    expect(text).toContain('SMS sending window');
    expect(await page.getByRole('button', { name: /Revoke/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Lift the hold' }).count()).toBe(0);
    expect(await axeFindings(page)).toEqual([]);

    const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
    const forged = await page.evaluate(
      async ({ csrf, keyId }) => {
        const r = await fetch('/console/settings/revoke/confirm', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csrf: csrf ?? '', kind: 'api_key', keyId }).toString(),
        });
        return r.status;
      },
      { csrf, keyId: created.body.keyId as string },
    );
    expect(forged).toBe(403);
    const send = await gw.call('POST', '/v1/messages', {
      key: created.body.key,
      body: newsletter('kept.settings@example.org'),
    });
    expect(send.status).not.toBe(401);

    await page.goto(`${gw.apiUrl}/console/settings?lang=fr`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Paramètres');
    expect(await axeFindings(page)).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  });

  it('as an admin: revokes a key after the confirmation step and lifts the hold with a reason', async () => {
    const created = await gw.call('POST', '/v1/keys', {
      key: gw.adminKey,
      body: { role: 'sender', label: 'old CRM connector' },
    });
    const keyId = created.body.keyId as string;
    const { context, page, foreign } = await signedIn(gw.adminKey);
    expect(await page.content()).not.toContain(created.body.key);
    expect(await axeFindings(page)).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: 'docs/console-settings.png', fullPage: true });

    await Promise.all([
      page.waitForLoadState(),
      page.getByRole('button', { name: `Revoke… ${keyId}` }).click(),
    ]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Revoke this key?');
    expect(await axeFindings(page)).toEqual([]);
    await Promise.all([
      page.waitForURL(/revoke\/confirm/),
      page.getByRole('button', { name: 'Yes, revoke it' }).click(),
    ]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Key revoked');
    const send = await gw.call('POST', '/v1/messages', {
      key: created.body.key,
      body: newsletter('revoked.settings@example.org'),
    });
    expect(send.status).toBe(401);

    await page.goto(`${gw.apiUrl}/console/settings`);
    await page.getByLabel(/Why is it safe to send again/).fill('purchased segment removed from the list');
    await Promise.all([
      page.waitForURL(/lift-hold/),
      page.getByRole('button', { name: 'Lift the hold' }).click(),
    ]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Hold lifted');
    expect(await axeFindings(page)).toEqual([]);
    const rate = await gw.call('GET', '/v1/complaint-rate', { key: gw.adminKey });
    expect(rate.body.hold).toBeUndefined();
    const lifted = (
      rate.body.history as { type: string; actor: { via?: string }; data: { reason?: string } }[]
    ).find((h) => h.type === 'complaint_hold.lifted');
    expect(lifted?.actor.via).toBe('console');
    expect(lifted?.data.reason).toBe('purchased segment removed from the list');
    expect(foreign).toEqual([]);
    await context.close();
  });
  it('as an admin: edits a purpose and adds a wording through the page, in English and in French; each form and confirmation passes axe', async () => {
    const { context, page, foreign } = await signedIn(gw.adminKey);
    // Each button posts a form: the next page is loaded when its navigation ends.
    const submit = async (name: string | RegExp) =>
      Promise.all([page.waitForEvent('load'), page.getByRole('button', { name }).click()]);

    // A wording, refused under a stored version with another text (409, the field named), then added.
    await page.getByLabel('Version id').fill('newsletter-v1');
    await page.getByLabel(/Text, exactly as shown/).fill('Another text for a stored version.');
    await submit('Add the wording');
    expect(await page.locator('[role=alert]').textContent()).toContain('text');
    expect(await page.getByLabel(/Text, exactly as shown/).getAttribute('aria-invalid')).toBe('true');
    expect(await axeFindings(page)).toEqual([]);
    await page.getByLabel('Version id').fill('newsletter-v2');
    await page.getByLabel(/Text, exactly as shown/).fill('Yes, send me the Demo Shop letter by email.');
    await submit('Add the wording');
    await expect(page.locator('h1').textContent()).resolves.toBe('Wording stored');
    expect(await axeFindings(page)).toEqual([]);

    // The newsletter purpose now shows it: changed through its form.
    await page.goto(`${gw.apiUrl}/console/settings`);
    await Promise.all([
      page.waitForURL(/purpose\?id=newsletter/),
      page.getByRole('link', { name: 'Change… newsletter' }).click(),
    ]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Change the purpose newsletter');
    expect(await axeFindings(page)).toEqual([]);
    // Spaces pass the browser's `required`; the schema refuses the name they trim to.
    await page.getByLabel('Name, as recipients see it').fill('   ');
    await submit('Save the purpose');
    expect(await page.locator('[role=alert]').textContent()).toContain('name');
    expect(await axeFindings(page)).toEqual([]);
    await page.getByLabel('Name, as recipients see it').fill('Demo Shop letter');
    await page.getByLabel(/Wording shown next to it/).selectOption('newsletter-v2');
    await submit('Save the purpose');
    await expect(page.locator('h1').textContent()).resolves.toBe('Purpose saved');
    expect(await axeFindings(page)).toEqual([]);
    const purposes = (await gw.call('GET', '/v1/purposes', { key: gw.adminKey })).body.purposes as {
      id: string;
      name: string;
      wordingVersion?: string;
    }[];
    expect(purposes.find((p) => p.id === 'newsletter')).toMatchObject({
      name: 'Demo Shop letter',
      wordingVersion: 'newsletter-v2',
    });

    // The other forms and confirmation pages, in English.
    for (const path of [
      '/console/settings/purpose',
      '/console/settings/sms-window',
      '/console/settings/sms-sender?id=36123',
    ]) {
      await page.goto(`${gw.apiUrl}${path}`);
      expect(await axeFindings(page), path).toEqual([]);
    }
    await page.goto(`${gw.apiUrl}/console/settings`);
    await submit('Release… shop.example');
    await expect(page.locator('h1').textContent()).resolves.toBe('Release this identity?');
    expect(await axeFindings(page)).toEqual([]);
    await page.goto(`${gw.apiUrl}/console/settings`);
    await submit('Release… 36123');
    await expect(page.locator('h1').textContent()).resolves.toBe('Release this SMS sender?');
    expect(await axeFindings(page)).toEqual([]);

    // In French: a new purpose with a wording of its own, and the same pages.
    await page.goto(`${gw.apiUrl}/console/settings?lang=fr`);
    expect(await axeFindings(page)).toEqual([]);
    await page.getByLabel('Id de version').fill('jardin-v1');
    await page
      .getByLabel(/Texte, tel qu’il s’affiche/)
      .fill('Oui, envoyez-moi les offres jardin de Demo Shop.');
    await submit('Ajouter la formulation');
    await expect(page.locator('h1').textContent()).resolves.toBe('Formulation enregistrée');
    expect(await axeFindings(page)).toEqual([]);
    await page.goto(`${gw.apiUrl}/console/settings`);
    await Promise.all([
      page.waitForURL(/settings\/purpose$/),
      page.getByRole('link', { name: 'Ajouter une finalité' }).click(),
    ]);
    expect(await axeFindings(page)).toEqual([]);
    await page.getByLabel(/^Id \(lettres minuscules/).fill('offres-jardin');
    await page.getByLabel('Nom, tel que les destinataires le voient').fill('Offres jardin');
    await page.getByLabel('Famille de produits').fill('jardin');
    await page.getByLabel(/Formulation affichée à côté/).selectOption('jardin-v1');
    await submit('Enregistrer la finalité');
    await expect(page.locator('h1').textContent()).resolves.toBe('Finalité enregistrée');
    expect(await axeFindings(page)).toEqual([]);
    const created = (await gw.call('GET', '/v1/purposes', { key: gw.adminKey })).body.purposes as {
      id: string;
    }[];
    expect(created.find((p) => p.id === 'offres-jardin')).toMatchObject({
      name: 'Offres jardin',
      category: 'marketing',
      productFamily: 'jardin',
      wordingVersion: 'jardin-v1',
    });
    await page.goto(`${gw.apiUrl}/console/settings/purpose`);
    await page.getByLabel(/^Id \(lettres minuscules/).fill('Sans Id');
    await page.getByLabel('Nom, tel que les destinataires le voient').fill('Sans id');
    await submit('Enregistrer la finalité');
    expect(await page.locator('main').textContent()).toContain('Non enregistré');
    expect(await axeFindings(page)).toEqual([]);
    for (const path of ['/console/settings/sms-window', '/console/settings/sms-sender?id=36123']) {
      await page.goto(`${gw.apiUrl}${path}`);
      expect(await axeFindings(page), path).toEqual([]);
    }
    await page.goto(`${gw.apiUrl}/console/settings`);
    await submit('Libérer… shop.example');
    await expect(page.locator('h1').textContent()).resolves.toBe('Libérer cette identité\u202f?');
    expect(await axeFindings(page)).toEqual([]);
    await page.goto(`${gw.apiUrl}/console/settings`);
    await submit('Libérer… 36123');
    await expect(page.locator('h1').textContent()).resolves.toBe('Libérer cet expéditeur SMS\u202f?');
    expect(await axeFindings(page)).toEqual([]);
    // Nothing was released: the confirmation pages change nothing.
    const identities = (await gw.call('GET', '/v1/identities', { key: gw.adminKey })).body;
    expect(identities.emailIdentities).toContain('shop.example');
    expect(foreign).toEqual([]);
    await context.close();
  }, 120_000);
});
