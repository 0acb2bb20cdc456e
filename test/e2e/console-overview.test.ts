import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchChromium } from '../support/browser';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The console's Overview page in Chromium, signed in with the demo tenant's compliance key:
 * the figures made through the real handlers and counted from the stream are in its tables,
 * its three charts have drawn (pixels read back from each canvas) with their legends, under
 * the console's own CSP (no bypass: the chart library and the page's script come from the
 * gateway), nothing is fetched from another origin, and axe-core finds no WCAG 2.1 A/AA
 * violation, in English and in French. UPDATE_SCREENSHOTS=1 writes docs/console-overview.png.
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';

let gw: LocalGateway;
let browser: Browser;
beforeAll(async () => {
  [gw, browser] = await Promise.all([startLocalGateway(), launchChromium()]);
  const admin = (method: string, path: string, body?: unknown) =>
    gw.call(method, path, { key: gw.adminKey, body });
  const send = (body: unknown) => gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
  for (let i = 0; i < 3; i++) {
    const profile = { channel: 'email', address: `reader-${i}@example.org`, audience: 'consumer' };
    expect((await admin('PUT', '/v1/recipients', profile)).status).toBe(200);
    expect((await admin('POST', '/v1/consents', provableConsent(`reader-${i}@example.org`))).status).toBe(
      201,
    );
    expect((await send(newsletter(`reader-${i}@example.org`))).status).toBe(202);
  }
  expect((await send(newsletter('stranger@example.org'))).status).toBe(403);
  expect(
    (
      await admin('POST', '/v1/objections', {
        channel: 'email',
        address: 'reader-0@example.org',
        scope: { type: 'channel' },
      })
    ).status,
  ).toBe(201);
  const at = new Date().toISOString();
  for (const body of [
    { type: 'delivery', count: 500 },
    {
      eventType: 'Complaint',
      mail: { messageId: 'ses-overview-1', timestamp: at, tags: { tenant: ['demo'] } },
      complaint: {
        complainedRecipients: [{ emailAddress: 'reader-1@example.org' }],
        timestamp: at,
        feedbackId: 'fb-overview-1',
      },
    },
  ])
    expect((await gw.call('POST', '/local/ses-feedback', { body: { tenant: 'demo', ...body } })).status).toBe(
      202,
    );
  await gw.counterStream.caughtUp();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

/** The few DOM shapes the page functions use (the project's lib has no DOM types). */
interface Canvas2d {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
    clearRect(x: number, y: number, w: number, h: number): void;
  } | null;
}
interface Nodes<T> {
  readonly length: number;
  [index: number]: T;
}
interface Element2d {
  readonly id: string;
  querySelectorAll(selector: string): Nodes<Canvas2d>;
}
type Doc = { querySelectorAll(selector: string): Nodes<Element2d & Canvas2d> };

async function signedIn(locale: string): Promise<{ context: BrowserContext; page: Page; foreign: string[] }> {
  const context = await browser.newContext({ locale, viewport: { width: 1100, height: 900 } });
  const foreign: string[] = [];
  context.on('request', (request) => {
    if (!request.url().startsWith(gw.apiUrl)) foreign.push(request.url());
  });
  const page = await context.newPage();
  await page.goto(`${gw.apiUrl}/console/sign-in`);
  await page.fill('#key', gw.complianceKey);
  await Promise.all([page.waitForURL(/\/console(\/|$)/), page.click('button[type=submit]')]);
  return { context, page, foreign };
}

/** Non-transparent pixels of each chart's canvases (uPlot draws on a 2D canvas). */
async function paintedPixels(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: Doc }).document;
    const out: Record<string, number> = {};
    for (const chart of Array.from(doc.querySelectorAll('.chart'))) {
      let painted = 0;
      for (const canvas of Array.from(chart.querySelectorAll('canvas'))) {
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
      }
      out[chart.id] = painted;
    }
    return out;
  });
}

async function axeFindings(page: Page): Promise<string[]> {
  return (await axeViolations(page)).map(
    (v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

describe('the console Overview page', () => {
  it('shows the counted figures, draws its three charts with legends under the console CSP, and passes axe-core (EN)', async () => {
    const { context, page, foreign } = await signedIn('en-GB');
    const refused: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') refused.push(m.text());
    });
    try {
      const response = await page.goto(`${gw.apiUrl}/console/overview`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.waitForSelector('#chart-complaints canvas');
      expect(await page.locator('h1').textContent()).toBe('Overview');
      // The figures, in the tables every chart has.
      const decisions = page.locator('#decisions-title ~ details table tbody tr');
      expect(await decisions.count()).toBe(1);
      expect(await decisions.first().locator('td').allTextContents()).toEqual(['3', '1', '0']);
      expect(await page.locator('#reasons-title ~ .table-wrap tbody th').allTextContents()).toEqual(
        expect.arrayContaining(['consent_missing']),
      );
      const objections = await page.locator('#objections-title ~ details table thead th').allTextContents();
      expect(objections).toEqual(
        expect.arrayContaining(['email · request_to_controller', 'email · spam_complaint']),
      );
      expect(await page.locator('#complaints-title ~ details table tbody td').allTextContents()).toEqual([
        '500',
        '1',
        '0.2%',
      ]);
      // The inventory: 3 consumers, one still sendable on consent (one objected, one complained and is suppressed).
      const inventory = await page.locator('#inventory-title ~ .table-wrap tbody tr').allTextContents();
      expect(inventory).toEqual(
        expect.arrayContaining(['emailRecipients, consumers3', 'emailSuppressed (bounce or complaint, R8)1']),
      );
      expect(inventory).toEqual(expect.arrayContaining(['emailnewsletterconsent1']));
      expect(await page.locator('[role=status] .badge').textContent()).toContain('No hold');
      // Drawn: every chart's canvas holds painted pixels, and its legend names the series.
      const painted = await paintedPixels(page);
      expect(Object.keys(painted).sort()).toEqual([
        'chart-complaints',
        'chart-decisions',
        'chart-objections',
      ]);
      for (const [id, pixels] of Object.entries(painted)) expect(pixels, id).toBeGreaterThan(500);
      expect(await page.locator('#chart-decisions .u-legend .u-label').allTextContents()).toEqual(
        expect.arrayContaining(['Sent', 'Rejected', 'Deferred']),
      );
      expect(await page.locator('#chart-complaints .u-legend .u-label').allTextContents()).toEqual(
        expect.arrayContaining(['Complaint rate', 'Warning', 'Hold']),
      );
      expect(refused, 'errors in the page (a refused script or style)').toEqual([]);
      expect(await axeFindings(page)).toEqual([]);
      if (SCREENSHOTS) await page.screenshot({ path: 'docs/console-overview.png', fullPage: true });
      expect(foreign, 'requests to another origin than the gateway').toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('in French, with the same charts, and no axe-core violation (FR)', async () => {
    const { context, page } = await signedIn('fr-FR');
    try {
      await page.goto(`${gw.apiUrl}/console/overview?lang=fr`);
      await page.waitForSelector('#chart-decisions canvas');
      expect(await page.locator('h1').textContent()).toBe('Vue d’ensemble');
      expect(await page.locator('#chart-decisions .u-legend .u-label').allTextContents()).toEqual(
        expect.arrayContaining(['Envoyés', 'Refusés', 'Différés']),
      );
      const painted = await paintedPixels(page);
      for (const [id, pixels] of Object.entries(painted)) expect(pixels, id).toBeGreaterThan(500);
      expect(await axeFindings(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the pixel check can fail: a chart container left empty paints nothing', async () => {
    const { context, page } = await signedIn('en-GB');
    try {
      await page.goto(`${gw.apiUrl}/console/overview`);
      await page.waitForSelector('#chart-decisions canvas');
      await page.evaluate(() => {
        const doc = (globalThis as unknown as { document: Doc }).document;
        for (const canvas of Array.from(doc.querySelectorAll('#chart-decisions canvas')))
          canvas.getContext('2d')!.clearRect(0, 0, canvas.width, canvas.height);
      });
      expect((await paintedPixels(page))['chart-decisions']).toBe(0);
    } finally {
      await context.close();
    }
  });
});
