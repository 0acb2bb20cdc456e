import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_COLUMNS, type LegacyRow } from '../../shared/domain/legacy-import';
import { axeViolations, launchChromium } from '../support/browser';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * The console's Imports page in Chromium: an admin picks a CSV of good and bad rows
 * (setInputFiles), the result page counts them per outcome and lists each outcome's rows with
 * their problem, and the whole result downloads as JSON; a compliance officer sees no upload
 * form, and a multipart POST forged with their valid session and token gets 403 and imports
 * nothing. axe-core finds no WCAG 2.1 A/AA violation. UPDATE_SCREENSHOTS=1 writes
 * docs/console-imports.png.
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';

let gw: LocalGateway;
let browser: Browser;
beforeAll(async () => {
  [gw, browser] = await Promise.all([startLocalGateway(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const proven: LegacyRow = {
  channel: 'email',
  purpose: 'newsletter',
  optin_at: day(100),
  method: 'web_form',
  source: 'https://shop.example/signup',
  wording_version: 'newsletter-v1',
  controllers: 'Demo Shop',
};
const ROWS: LegacyRow[] = [
  { ...proven, address: 'e2e-migrated@example.org' },
  { ...proven, address: 'e2e-ticked@example.org', wording_version: '', pre_ticked: 'yes' },
  { ...proven, address: 'e2e-leaver@example.org', opted_out: 'yes' },
  { ...proven, address: 'e2e-bounce@example.org', hard_bounce: 'yes' },
  { ...proven, address: 'e2e-stale@example.org', optin_at: '2019-04-01' },
  { ...proven, address: 'not-an-address' },
  { ...proven, address: 'e2e-future@example.org', optin_at: '2999-01-01' },
];
const CSV = `${LEGACY_COLUMNS.join(',')}\n${ROWS.map((r) => LEGACY_COLUMNS.map((c) => r[c] ?? '').join(',')).join('\n')}\n`;

async function desktop(): Promise<BrowserContext> {
  // CSP is bypassed only to inject axe-core; the forged POST below runs in a context without it.
  return browser.newContext({
    locale: 'en-GB',
    viewport: { width: 1100, height: 800 },
    bypassCSP: true,
    acceptDownloads: true,
  });
}

async function checkPage(page: Page, name: string): Promise<void> {
  const result = { violations: await axeViolations(page) };
  expect(
    result.violations.map((v) => `${v.id}: ${v.nodes[0]?.html}`),
    `${name}: axe violations`,
  ).toEqual([]);
  if (SCREENSHOTS && name === 'imports')
    await page.screenshot({ path: 'docs/console-imports.png', fullPage: true });
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${gw.apiUrl}/console/sign-in`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

/** The figure of an outcome in the counts table. */
const countOf = (page: Page, outcome: string) =>
  page
    .locator('#import-counts tr', { has: page.locator(`th code:text-is("${outcome}")`) })
    .locator('td')
    .first()
    .textContent();

describe('Imports', () => {
  it('as an admin: uploads a CSV of good and bad rows, sees the counts per outcome and each outcome’s rows, downloads the whole result', async () => {
    const context = await desktop();
    const page = await context.newPage();
    await signIn(page, gw.adminKey);
    await page.getByRole('link', { name: 'Imports' }).click();
    await page.waitForLoadState();
    await expect(page.locator('h1').textContent()).resolves.toBe('Imports');
    await expect(page.locator('main').textContent()).resolves.toContain('at most 1,000 rows');
    await checkPage(page, 'imports-form');

    await page.getByLabel('CSV file').setInputFiles({
      name: 'legacy.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(CSV),
    });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('status').textContent()).resolves.toBe('7 rows read.');
    const expected = {
      migrated_consent: '1',
      soft_opt_in: '0',
      needs_repermission: '1',
      opted_out: '1',
      expired: '1',
      bounced: '1',
      invalid: '2',
    };
    for (const [outcome, n] of Object.entries(expected))
      await expect(countOf(page, outcome), outcome).resolves.toBe(n);
    // Each outcome's rows by number, with the problem; no section for an empty outcome.
    const invalid = await page.locator('section[aria-labelledby=outcome-invalid] tbody tr').allTextContents();
    expect(invalid).toHaveLength(2);
    expect(invalid[0]).toMatch(/^6.*address/);
    expect(invalid[1]).toMatch(/^7/);
    await expect(
      page.locator('section[aria-labelledby=outcome-expired] td').first().textContent(),
    ).resolves.toBe('5');
    await expect(page.locator('section[aria-labelledby=outcome-soft_opt_in]').count()).resolves.toBe(0);
    await expect(page.locator('main').textContent()).resolves.not.toContain('example.org');
    await checkPage(page, 'imports');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the whole result (JSON)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^import-.*\.json$/);
    const report = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(report.counts).toEqual({
      ...Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, Number(v)])),
    });
    expect(report.rows).toHaveLength(7);
    expect(report.rows[0]).toEqual({ row: 1, outcome: 'migrated_consent' });

    // Really imported: the consented row is now allowed, the opted-out one refused.
    const decide = (to: string) =>
      gw.call('POST', '/v1/decisions', {
        key: gw.senderKey,
        body: { channel: 'email', purpose: 'newsletter', from: 'news@shop.example', to },
      });
    expect((await decide('e2e-migrated@example.org')).body.decision).toBe('allowed');
    expect((await decide('e2e-leaver@example.org')).body.decision).toBe('rejected');
    // The form in French passes axe too (then back to English for the rest).
    await page.goto(`${gw.apiUrl}/console/imports?lang=fr`);
    await expect(page.locator('main').textContent()).resolves.toMatch(/1\s000 lignes au plus/);
    await checkPage(page, 'imports-fr');
    await page.goto(`${gw.apiUrl}/console/imports?lang=en`);
    await context.close();

    // Under the console's own CSP (no bypass): the same file again gives the same counts
    // (R16: a re-run changes nothing), and the download still works.
    const strict = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
    const again = await strict.newPage();
    await signIn(again, gw.adminKey);
    await again.goto(`${gw.apiUrl}/console/imports`);
    await again.getByLabel('CSV file').setInputFiles({
      name: 'legacy.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(CSV),
    });
    await again.getByRole('button', { name: 'Import' }).click();
    await again.waitForLoadState();
    for (const [outcome, n] of Object.entries(expected))
      await expect(countOf(again, outcome), outcome).resolves.toBe(n);
    const [second] = await Promise.all([
      again.waitForEvent('download'),
      again.getByRole('link', { name: 'Download the whole result (JSON)' }).click(),
    ]);
    expect(JSON.parse(readFileSync((await second.path())!, 'utf8')).rows).toEqual(report.rows);
    await strict.close();
  });

  it('as a compliance officer: no upload form, and a forged multipart POST gets 403 and imports nothing', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await signIn(page, gw.complianceKey);
    await page.goto(`${gw.apiUrl}/console/imports`);
    await expect(page.locator('input[type=file]').count()).resolves.toBe(0);
    await expect(page.locator('main').textContent()).resolves.toContain('it needs an admin key');
    const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
    const row = `${LEGACY_COLUMNS.join(',')}\n${LEGACY_COLUMNS.map((c) => ({ ...proven, address: 'e2e-forged@example.org' })[c] ?? '').join(',')}\n`;
    // From the page itself (its Origin, its cookie, its CSRF token), as a script would.
    const status = await page.evaluate(
      async ([token, text]) => {
        const form = new FormData();
        form.set('csrf', token as string);
        form.set('file', new Blob([text as string], { type: 'text/csv' }), 'forged.csv');
        return (await fetch('/console/imports', { method: 'POST', body: form })).status;
      },
      [csrf, row],
    );
    expect(status).toBe(403);
    const decision = await gw.call('POST', '/v1/decisions', {
      key: gw.senderKey,
      body: {
        channel: 'email',
        purpose: 'newsletter',
        from: 'news@shop.example',
        to: 'e2e-forged@example.org',
      },
    });
    expect(decision.body.decision).toBe('rejected');
    await context.close();
  });
});
