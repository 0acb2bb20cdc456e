import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * R15 (amended): the forwarded-newsletter attack, end to end in a real
 * browser. A third party holds only what a forwarded newsletter carries (its unsubscribe
 * link, and the `{{preferences_url}}` link the sender put in the body) and tries to reach
 * the preference centre, download the person's data, record a consent and erase them.
 * Each attempt fails, the person's state is unchanged, and the only thing that happens
 * is a fresh link mailed to the address itself (the local SES's mailbox).
 */
let gw: LocalGateway;
let browser: Browser;

beforeAll(async () => {
  [gw, browser] = await Promise.all([startLocalGateway(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

const ADDRESS = 'bernadette@example.org';
const MASKED = 'b•••@example.org';

it('R15: a third party with a forwarded newsletter cannot reach the preference centre, download, consent or erase', async () => {
  const admin = (method: string, path: string, body?: unknown) =>
    gw.call(method, path, { key: gw.adminKey, body });
  const put = await admin('PUT', '/v1/recipients', {
    channel: 'email',
    address: ADDRESS,
    audience: 'consumer',
  });
  const key = put.body.recipientKey as string;
  await admin('POST', '/v1/consents', provableConsent(ADDRESS));
  const sent = await gw.call('POST', '/v1/messages', {
    key: gw.senderKey,
    body: newsletter(ADDRESS, {
      html: '<html><body><p>Autumn books</p><p><a href="{{preferences_url}}">Preferences</a></p></body></html>',
      text: 'Autumn books\n\nPreferences: {{preferences_url}}',
    }),
  });
  expect(sent.status).toBe(202);
  const delivered = (await gw.sentEmails()).find((e) => e.destination.to.includes(ADDRESS))!;
  const unsubscribeLink = delivered.headers!.find((h) => h.name === 'List-Unsubscribe')!.value.slice(1, -1);
  const stalePreferences = /(http:\/\/\S+\/p\/[A-Za-z0-9._-]+)/.exec(delivered.body.text ?? '')![1]!;
  const before = (await admin('GET', `/v1/recipients/${key}`)).body;
  const mailsBefore = (await gw.sentEmails()).length;

  // The third party opens the forwarded unsubscribe link.
  const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(unsubscribeLink);
  const unsubscribeHtml = await page.content();
  // 1. No usable preference-centre link on the unsubscribe page, and no address in clear.
  expect(
    await page.locator('a[href*="/p/"]').count(),
    'a link to the preference centre on the unsubscribe page',
  ).toBe(0);
  expect(unsubscribeHtml).not.toContain(ADDRESS);
  expect(unsubscribeHtml).toContain(MASKED);

  // 2. "Manage my preferences" mails a fresh link to the address; the page never shows it.
  await page.getByRole('button', { name: 'Email me a link to manage my preferences' }).click();
  await page.waitForLoadState();
  await expect(page.locator('h1').textContent()).resolves.toBe('Check your inbox');
  const sentPage = await page.content();
  expect(sentPage).not.toMatch(/\/p\/v1\./);
  expect(sentPage).not.toContain(ADDRESS);
  const mails = (await gw.sentEmails()).slice(mailsBefore);
  expect(mails.map((m) => m.destination.to)).toEqual([[ADDRESS]]);
  expect(mails[0]!.body.text).toMatch(/\/p\/v1\./);
  // Asking again within the window mails nothing more (no mail cannon).
  await page.goto(unsubscribeLink);
  await page.getByRole('button', { name: 'Email me a link to manage my preferences' }).click();
  await page.waitForLoadState();
  expect((await gw.sentEmails()).length).toBe(mailsBefore + 1);

  // 3. The preferences link carried in the forwarded body is stale: masked address, no data, no choices.
  await page.goto(stalePreferences);
  const staleHtml = await page.content();
  expect(staleHtml).not.toContain(ADDRESS);
  expect(staleHtml).toContain(MASKED);
  expect(await page.getByRole('checkbox').count(), 'choices shown behind a stale link').toBe(0);
  expect(await page.getByRole('button', { name: 'Download my data' }).count()).toBe(0);

  // 4. Posting the preference centre's forms straight at the stale link does nothing.
  const post = (fields: [string, string][]) =>
    page.request.post(stalePreferences, { form: Object.fromEntries(fields), maxRedirects: 0 });
  const exported = await post([['action', 'export_confirmed']]);
  expect(exported.status()).toBe(403);
  expect(exported.headers()['content-type'] ?? '').not.toContain('json');
  expect(await exported.text()).not.toContain(ADDRESS);
  const exported2 = await post([['action', 'export']]);
  expect(await exported2.text()).not.toContain(ADDRESS);
  const wording = before.consents.newsletter.grant.wordingVersion as string;
  await post([
    ['action', 'save'],
    ['purpose', 'newsletter'],
    ['purpose', 'personalised-offers'],
    ['wording:personalised-offers', wording],
  ]);
  expect((await post([['action', 'forget_confirmed']])).status()).toBe(403);
  // The unsubscribe token itself is no preferences link.
  const asPreferences = unsubscribeLink.replace('/u/', '/p/');
  expect((await page.request.get(asPreferences)).status()).toBe(404);
  expect((await page.request.post(asPreferences, { form: { action: 'export_confirmed' } })).status()).toBe(
    404,
  );

  // The person's state is unchanged: same consents, profile kept, nothing exported.
  const after = (await admin('GET', `/v1/recipients/${key}`)).body;
  expect(after.profile?.address).toBe(ADDRESS);
  expect(Object.keys(after.consents).sort()).toEqual(Object.keys(before.consents).sort());
  expect(after.objections).toEqual(before.objections);
  const audit = (await admin('GET', `/v1/recipients/${key}/audit`)).body.events as { type: string }[];
  expect(audit.map((e) => e.type)).not.toContain('data.exported');
  expect(audit.map((e) => e.type)).not.toContain('recipient.erased');
  const decision = await gw.call('POST', '/v1/decisions', {
    key: gw.senderKey,
    body: { channel: 'email', purpose: 'personalised-offers', from: 'news@shop.example', to: ADDRESS },
  });
  expect(decision.body.decision).toBe('rejected');
  await context.close();
});
