import { parse } from 'parse5';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/** The recipient's side in a real browser: the link from the delivered message, the page, the button. */
let gw: LocalGateway;
let browser: Browser;

beforeAll(async () => {
  [gw, browser] = await Promise.all([startLocalGateway(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

/** The unsubscribe link as a reader sees it: the href of the link in the delivered HTML part. */
function linkIn(html: string): string {
  const hrefs: string[] = [];
  const walk = (node: {
    nodeName: string;
    attrs?: { name: string; value: string }[];
    childNodes?: unknown[];
  }) => {
    if (node.nodeName === 'a') hrefs.push(node.attrs?.find((a) => a.name === 'href')?.value ?? '');
    for (const child of (node.childNodes ?? []) as (typeof node)[]) walk(child);
  };
  walk(parse(html) as unknown as Parameters<typeof walk>[0]);
  const link = hrefs.find((h) => h.includes('/u/'));
  if (!link) throw new Error('no unsubscribe link in the delivered message');
  return link;
}

const decision = async (to: string) =>
  (
    await gw.call('POST', '/v1/decisions', {
      key: gw.senderKey,
      body: { channel: 'email', purpose: 'newsletter', from: 'news@shop.example', to },
    })
  ).body.decision;

it('R7/R10: the recipient opens the link, the page alone changes nothing, the button unsubscribes', async () => {
  await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('helene@example.org') });
  const sent = await gw.call('POST', '/v1/messages', {
    key: gw.senderKey,
    body: newsletter('helene@example.org'),
  });
  expect(sent.status).toBe(202);
  const stored = (await gw.sentEmails()).find((e) => e.destination.to.includes('helene@example.org'))!;
  const mail = await gw.deliveredMessage(stored.messageId);
  const link = linkIn(String(mail.html));

  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  const response = await page.goto(link);
  expect(response?.status()).toBe(200);
  await expect(page.locator('h1').textContent()).resolves.toBe('Confirmer la désinscription');
  expect(await page.locator('main').textContent()).toContain('«\u00a0Newsletter\u00a0» de Demo Shop');

  // Opening the page (as a link scanner would) changed nothing.
  expect(await decision('helene@example.org')).toBe('allowed');

  await page.getByRole('button', { name: 'Me désinscrire' }).click();
  await page.waitForLoadState();
  await expect(page.locator('h1').textContent()).resolves.toBe('Vous êtes désinscrit');

  expect(await decision('helene@example.org')).toBe('rejected');
  const resend = await gw.call('POST', '/v1/messages', {
    key: gw.senderKey,
    body: newsletter('helene@example.org'),
  });
  expect(resend.status).toBe(403);
  expect(resend.body.reasons).toEqual(['objection']);
  await context.close();
});

it('shows a plain "not valid" page in English for a forged link', async () => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  const response = await page.goto(`${gw.apiUrl}/u/v1.k1.eyJ0IjoiZGVtbyJ9.forged`);
  expect(response?.status()).toBe(404);
  await expect(page.locator('h1').textContent()).resolves.toBe('This link is not valid');
  expect(await page.locator('button').count()).toBe(0);
  await context.close();
});
