import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/** GET /docs in a real browser: Redoc renders /openapi.json, with nothing from another origin. */
let gw: LocalGateway;
let browser: Browser;

beforeAll(async () => {
  [gw, browser] = await Promise.all([startLocalGateway(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

it('renders the OpenAPI document, loading nothing from another origin and breaking no CSP rule', async () => {
  const page = await browser.newPage();
  const requests: string[] = [];
  const answered: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('response', (r) => answered.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  const response = await page.goto(`${gw.apiUrl}/docs`);
  expect(response?.status()).toBe(200);
  // The document, rendered by Redoc: its title, tags and operations.
  await page.locator('h1', { hasText: 'consent-gate' }).first().waitFor({ timeout: 30_000 });
  await page.getByText('/v1/messages').first().waitFor({ state: 'attached' });
  for (const tag of ['Sending', 'State (admin key)', 'Recipients', 'SES compatibility']) {
    expect(await page.getByText(tag, { exact: true }).count(), tag).toBeGreaterThan(0);
  }
  // The only thing refused is Redoc's attribution logo on Redocly's CDN, blocked by the
  // page's CSP (img-src 'self' data:): nothing else failed, and telemetry is off.
  expect(
    problems.filter((p) => !/cdn\.redoc\.ly\/redoc\/logo-mini.*Content Security Policy/.test(p)),
  ).toEqual([]);
  const origin = new URL(gw.apiUrl).origin;
  const elsewhere = (urls: string[]) => urls.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'));
  // Nothing from another origin was loaded: the one attempt, the logo, was blocked unanswered.
  expect(elsewhere(answered)).toEqual([]);
  expect(elsewhere(requests)).toEqual(['https://cdn.redoc.ly/redoc/logo-mini-full.svg']);
  expect(requests).toEqual(
    expect.arrayContaining([`${origin}/openapi.json`, `${origin}/docs/redoc.standalone.js`]),
  );
  if (process.env.UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: 'docs/api-reference.png' });
  await page.close();
}, 60_000);
