import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { axeViolations, launchChromium } from '../support/browser';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The recipient's side in a real browser, as a person would walk it: from the
 * unsubscribe page to the preference centre, change choices, stop everything, download
 * the data, forget me; the consent page with its double opt-in. Effects are checked
 * through the API; axe-core checks every page against WCAG 2.1 A/AA.
 *
 * UPDATE_SCREENSHOTS=1 also writes the screenshots docs/recipients.md shows.
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
/** The pages docs/recipients.md shows. */
const SHOWN = new Set(['preference-centre', 'forget-confirm', 'consent-page', 'consent-confirm']);

let gw: LocalGateway;
let browser: Browser;
const axeReport: { page: string; violations: number; serious: number }[] = [];
const foreignRequests: string[] = [];

beforeAll(async () => {
  [gw, browser] = await Promise.all([startLocalGateway(), launchChromium()]);
});
afterAll(async () => {
  console.info(`axe-core ${JSON.stringify(axeReport)}`);
  await browser?.close();
  await gw?.stop();
});
afterEach(() => {
  expect(foreignRequests, 'requests to another origin than the gateway').toEqual([]);
});

/**
 * A phone-sized context. CSP is bypassed only so that axe-core's script can be injected:
 * the pages themselves run no script, and their headers are asserted separately.
 */
async function phone(locale: string): Promise<BrowserContext> {
  const context = await browser.newContext({
    locale,
    viewport: { width: 375, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    bypassCSP: true,
    acceptDownloads: true,
  });
  // No third-party asset: every request stays on the gateway's origin.
  context.on('request', (request) => {
    if (!request.url().startsWith(gw.apiUrl)) foreignRequests.push(request.url());
  });
  return context;
}

/** axe-core in the page: no serious or critical WCAG 2.1 A/AA violation; the page fits a phone's width. */
async function checkPage(page: Page, name: string): Promise<void> {
  const result = { violations: await axeViolations(page) };
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  axeReport.push({ page: name, violations: result.violations.length, serious: serious.length });
  expect(
    serious.map((v) => v.id),
    `${name}: serious or critical axe violations`,
  ).toEqual([]);
  const overflow = await page.evaluate(() => {
    const w = globalThis as unknown as {
      innerWidth: number;
      document: { documentElement: { scrollWidth: number } };
    };
    return w.document.documentElement.scrollWidth - w.innerWidth;
  });
  expect(overflow, `${name} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
  if (SCREENSHOTS && SHOWN.has(name)) await page.screenshot({ path: `docs/${name}.png`, fullPage: true });
}

const decision = async (to: string, purpose = 'newsletter') =>
  (
    await gw.call('POST', '/v1/decisions', {
      key: gw.senderKey,
      body: { channel: 'email', purpose, from: 'news@shop.example', to },
    })
  ).body;

it('R15/R7/R11: from the unsubscribe page, the recipient gets a fresh link by email, changes preferences, stops everything, downloads their data and is forgotten', async () => {
  const address = 'camille@example.org';
  const put = await gw.call('PUT', '/v1/recipients', {
    key: gw.adminKey,
    body: { channel: 'email', address, audience: 'consumer' },
  });
  const key = put.body.recipientKey as string;
  await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
  expect(
    (await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) })).status,
  ).toBe(202);
  const stored = (await gw.sentEmails()).find((e) => e.destination.to.includes(address))!;
  const unsubscribeLink = stored.headers!.find((h) => h.name === 'List-Unsubscribe')!.value.slice(1, -1);

  const context = await phone('en-GB');
  const page = await context.newPage();
  const response = await page.goto(unsubscribeLink);
  expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(response?.headers()['x-frame-options']).toBe('DENY');
  await checkPage(page, 'unsubscribe');

  // R15: the unsubscribe page links no preference centre: it mails a fresh link to the address.
  expect(await page.locator('a[href*="/p/"]').count()).toBe(0);
  const before = (await gw.sentEmails()).length;
  await page.getByRole('button', { name: 'Email me a link to manage my preferences' }).click();
  await page.waitForLoadState();
  await expect(page.locator('h1').textContent()).resolves.toBe('Check your inbox');
  await checkPage(page, 'link-sent');
  const mail = (await gw.sentEmails()).slice(before).find((e) => e.destination.to.includes(address))!;
  const fresh = /(http:\/\/\S+\/p\/[A-Za-z0-9._-]+)/.exec(mail.body.text ?? '')![1]!;
  await page.goto(fresh);
  await expect(page.locator('h1').textContent()).resolves.toBe('Your email preferences');
  await checkPage(page, 'preference-centre');
  const newsletterBox = page.getByRole('checkbox', { name: /Newsletter/ });
  const offersBox = page.getByRole('checkbox', { name: /Personalised offers/ });
  expect(await newsletterBox.isChecked()).toBe(true); // consented
  expect(await offersBox.isChecked()).toBe(false); // never pre-ticked without consent

  // Change preferences: drop the newsletter, take personalised offers.
  await newsletterBox.uncheck();
  await offersBox.check();
  await page.getByRole('button', { name: 'Save my choices' }).click();
  await page.waitForLoadState();
  await expect(page.getByRole('status').textContent()).resolves.toContain('Your choices are saved');
  await checkPage(page, 'preference-centre-saved');
  expect((await decision(address)).reasons).toContain('objection');
  expect(await decision(address, 'personalised-offers')).toMatchObject({
    decision: 'allowed',
    basis: 'consent',
  });
  const offers = (await gw.call('GET', `/v1/recipients/${key}`, { key: gw.adminKey })).body.consents[
    'personalised-offers'
  ].grant;
  expect(offers).toMatchObject({
    method: 'preference_center',
    userAgent: expect.stringContaining('Chrome'),
    proof: { link: 'fresh_email_link', sentAt: expect.any(String), usedAt: offers.recordedAt },
  });

  // Stop everything, in one click.
  await page.getByRole('button', { name: 'Stop all marketing emails' }).click();
  await page.waitForLoadState();
  await expect(page.locator('h1').textContent()).resolves.toBe('Done: no more marketing emails');
  await checkPage(page, 'stopped');
  expect((await decision(address, 'personalised-offers')).reasons).toContain('objection');

  // Download my data.
  await page.getByRole('link', { name: 'Back to my preferences' }).click();
  await page.waitForLoadState();
  // R15: a confirmation step before the download.
  await page.getByRole('button', { name: 'Download my data' }).click();
  await page.waitForLoadState();
  await expect(page.locator('h1').textContent()).resolves.toBe('Download your data?');
  await checkPage(page, 'export-confirm');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Yes, download my data' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('my-data-demo.json');
  const data = JSON.parse(readFileSync((await download.path())!, 'utf8'));
  expect(data.profile.address).toBe(address);
  expect(data.consents.map((c: { purpose: string }) => c.purpose).sort()).toEqual([
    'newsletter',
    'personalised-offers',
  ]);
  expect(data.objections.length).toBeGreaterThanOrEqual(2);
  // The newsletter and the fresh-link mail (R15: the person sees it in their data).
  expect(data.messages.map((m: { purpose: string }) => m.purpose).sort()).toEqual([
    'newsletter',
    'preferences-link',
  ]);

  // Forget me: a confirmation step, then erasure.
  await page.getByRole('link', { name: 'Back to my preferences' }).click();
  await page.waitForLoadState();
  await page.getByRole('button', { name: 'Forget me' }).click();
  await page.waitForLoadState();
  await expect(page.locator('h1').textContent()).resolves.toBe('Erase my data?');
  await checkPage(page, 'forget-confirm');
  expect((await gw.call('GET', `/v1/recipients/${key}`, { key: gw.adminKey })).body.profile).toBeDefined();
  await page.getByRole('button', { name: 'Yes, erase my data' }).click();
  await page.waitForLoadState();
  await expect(page.locator('h1').textContent()).resolves.toBe('Your data is erased');
  await checkPage(page, 'forgotten');

  const after = (await gw.call('GET', `/v1/recipients/${key}`, { key: gw.adminKey })).body;
  expect(after.profile).toBeUndefined();
  expect(after.consents).toEqual({});
  expect(after.objections.map((o: { method: string }) => o.method)).toContain('erasure_request');
  expect(
    (await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) })).status,
  ).toBe(403);
  await context.close();
}, 90_000);

it('R3/R13: on the consent page nothing is ticked; the consent counts after the double opt-in link, in French', async () => {
  const address = 'dominique@example.org';
  const link = await gw.call('POST', '/v1/links', {
    key: gw.adminKey,
    body: { channel: 'email', address, kind: 'consent' },
  });
  const context = await phone('fr-FR');
  const page = await context.newPage();
  await page.goto(link.body.url);
  await expect(page.locator('h1').textContent()).resolves.toBe('Choisissez ce que vous souhaitez recevoir');
  await checkPage(page, 'consent-page');
  const boxes = page.getByRole('checkbox');
  expect(await boxes.count()).toBeGreaterThan(1);
  for (let i = 0; i < (await boxes.count()); i++) expect(await boxes.nth(i).isChecked()).toBe(false);

  await page.getByRole('checkbox', { name: /Newsletter/ }).check();
  await page.getByRole('button', { name: 'Valider mes choix' }).click();
  await page.waitForLoadState();
  await expect(page.locator('h1').textContent()).resolves.toBe('Vérifiez votre boîte de réception');
  await checkPage(page, 'consent-check-inbox');
  expect((await decision(address)).decision).toBe('rejected');

  const mail = (await gw.sentEmails()).find((e) => e.destination.to.includes(address))!;
  const confirm = /(http:\/\/\S+\/c\/[A-Za-z0-9._-]+)/.exec(mail.body.text ?? '')![1]!;
  await page.goto(confirm);
  await expect(page.locator('h1').textContent()).resolves.toBe('Confirmer votre inscription');
  await checkPage(page, 'consent-confirm');
  expect((await decision(address)).decision).toBe('rejected');
  await page.getByRole('button', { name: 'Je confirme' }).click();
  await page.waitForLoadState();
  await expect(page.locator('h1').textContent()).resolves.toBe('Inscription confirmée');
  await checkPage(page, 'consent-confirmed');
  expect(await decision(address)).toMatchObject({ decision: 'allowed', basis: 'consent' });
  await context.close();
});

it('the accessibility check can fail: axe-core finds an unlabelled checkbox', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.setContent(
    '<!doctype html><html lang="en"><title>t</title><main><input type="checkbox"></main></html>',
  );
  // The shared runner every page test uses (test/support/browser.ts).
  const ids = (await axeViolations(page))
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => v.id);
  expect(ids).toContain('label');
  await context.close();
});
