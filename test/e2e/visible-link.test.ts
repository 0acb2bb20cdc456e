import fc from 'fast-check';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectBySplicing, UNSUBSCRIBE_LINK } from '../../shared/domain/inject-unsubscribe';
import { launchChromium } from '../support/browser';
import { type HidingTrick, hidingTrick, NAMED_TRICKS } from '../support/hiding-tricks';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { NEWSLETTER_HTML } from '../support/newsletter-fixture';

/**
 * R10 as a reader sees it: each hiding trick is sent through
 * POST /v1/messages, the DELIVERED HTML (read back from the local SES) is rendered in
 * Chromium, and the gateway's unsubscribe link must be visible there: a non-empty box
 * inside the page, opaque, visible, readable size, contrast ≥ 4.5:1 against what is
 * painted behind it, and nothing drawn over it.
 */
let gw: LocalGateway;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [gw, browser] = await Promise.all([startLocalGateway(), launchChromium()]);
  page = await (await browser.newContext({ viewport: { width: 800, height: 600 } })).newPage();
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

/** WCAG 2.x minimum for normal text (SC 1.4.3). */
const MIN_CONTRAST = 4.5;
const MIN_FONT_PX = 12;

interface Seen {
  found: boolean;
  href?: string;
  box?: { x: number; y: number; width: number; height: number };
  insideViewport?: boolean;
  opacity?: number;
  visibility?: string;
  fontSize?: number;
  contrast?: number;
  onTop?: boolean;
  hiddenBy?: string;
}

/** The few browser globals the in-page measure uses (the project compiles without the DOM library). */
interface PageElement {
  tagName: string;
  href: string;
  parentElement: PageElement | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): {
    left: number;
    top: number;
    right: number;
    bottom: number;
    width: number;
    height: number;
  };
  scrollIntoView(options: { block: string; inline: string }): void;
  contains(other: PageElement): boolean;
}
interface PageStyle {
  opacity: string;
  filter: string;
  clipPath: string;
  transform: string;
  backgroundColor: string;
  color: string;
  webkitTextFillColor: string;
  visibility: string;
  fontSize: string;
}
interface PageWindow {
  document: {
    querySelectorAll(selector: string): ArrayLike<PageElement>;
    elementFromPoint(x: number, y: number): PageElement | null;
  };
  getComputedStyle(element: PageElement): PageStyle;
  innerWidth: number;
  innerHeight: number;
}

/** Measures, in the page, the link whose href is the message's List-Unsubscribe URL. */
async function measure(html: string, url: string): Promise<Seen> {
  await page.setContent(html, { waitUntil: 'load' });
  return page.evaluate((target): Seen => {
    const { document, getComputedStyle, innerWidth, innerHeight } = globalThis as unknown as PageWindow;
    // Candidates: every link to the URL (the sender's placeholder links too); the best one counts.
    const links = Array.from(document.querySelectorAll('a')).filter((a) => a.getAttribute('href') === target);
    const parse = (c: string): [number, number, number, number] => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return [0, 0, 0, 0];
      const [r, g, b, a] = m[1]!.split(',').map((v) => Number.parseFloat(v));
      return [r!, g!, b!, a ?? 1];
    };
    const luminance = ([r, g, b]: number[]) => {
      const lin = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
    };
    const seen = (a: PageElement): Seen => {
      a.scrollIntoView({ block: 'center', inline: 'center' });
      const r = a.getBoundingClientRect();
      const style = getComputedStyle(a);
      let opacity = 1;
      let hiddenBy: string | undefined;
      for (let e: PageElement | null = a; e; e = e.parentElement) {
        const s = getComputedStyle(e);
        opacity *= Number.parseFloat(s.opacity);
        if (s.filter !== 'none') hiddenBy ??= `filter ${s.filter} on ${e.tagName}`;
        if (s.clipPath !== 'none') hiddenBy ??= `clip-path on ${e.tagName}`;
        if (s.transform !== 'none' && s.transform !== 'matrix(1, 0, 0, 1, 0, 0)')
          hiddenBy ??= `transform ${s.transform} on ${e.tagName}`;
      }
      // The effective background: the first ancestor (or the link) that paints one, else the canvas (white).
      let background: [number, number, number, number] = [255, 255, 255, 1];
      for (let e: PageElement | null = a; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg[3] > 0) {
          background = bg;
          break;
        }
      }
      const fill = style.webkitTextFillColor || style.color;
      const fg = parse(fill);
      const [l1, l2] = [luminance(fg), luminance(background)].sort((x, y) => y - x);
      const contrast = fg[3] === 0 ? 1 : (l1! + 0.05) / (l2! + 0.05);
      const cx = r.left + r.width / 2;
      const cy = r.top + r.height / 2;
      const hit = document.elementFromPoint(cx, cy);
      return {
        found: true,
        href: a.href,
        box: { x: r.left, y: r.top, width: r.width, height: r.height },
        insideViewport:
          r.width > 0 &&
          r.height > 0 &&
          r.left >= 0 &&
          r.top >= 0 &&
          r.right <= innerWidth &&
          r.bottom <= innerHeight,
        opacity,
        visibility: style.visibility,
        fontSize: Number.parseFloat(style.fontSize),
        contrast,
        onTop: hit !== null && (hit === a || a.contains(hit)),
        hiddenBy,
      };
    };
    const all = links.map(seen);
    const ok = (s: Seen) =>
      s.insideViewport &&
      s.opacity === 1 &&
      s.visibility === 'visible' &&
      (s.fontSize ?? 0) >= 12 &&
      (s.contrast ?? 0) >= 4.5 &&
      s.onTop &&
      !s.hiddenBy;
    return all.find(ok) ?? all[0] ?? { found: false };
  }, url);
}

function expectVisible(seen: Seen, trick: string) {
  const why = `${trick}: ${JSON.stringify(seen)}`;
  expect(seen.found, why).toBe(true);
  expect(seen.insideViewport, why).toBe(true);
  expect(seen.box!.width, why).toBeGreaterThan(0);
  expect(seen.box!.height, why).toBeGreaterThan(0);
  expect(seen.opacity, why).toBe(1);
  expect(seen.visibility, why).toBe('visible');
  expect(seen.fontSize, why).toBeGreaterThanOrEqual(MIN_FONT_PX);
  expect(seen.contrast, why).toBeGreaterThanOrEqual(MIN_CONTRAST);
  expect(seen.onTop, why).toBe(true);
  expect(seen.hiddenBy, why).toBeUndefined();
}

let n = 0;
/** Sends the trick as a newsletter and returns the delivered HTML and its List-Unsubscribe URL. */
async function deliver(trick: HidingTrick): Promise<{ html: string; url: string }> {
  const to = `visible-${++n}@example.org`;
  const c = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(to) });
  expect(c.status).toBe(201);
  const r = await gw.call('POST', '/v1/messages', {
    key: gw.senderKey,
    body: newsletter(to, { html: trick.html }),
  });
  expect(r.status, `${trick.name}: ${r.text}`).toBe(202);
  const stored = (await gw.sentEmails()).find((e) => e.destination.to.includes(to))!;
  const mail = await gw.deliveredMessage(stored.messageId);
  const header = mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
  const url = header.match(/<([^>]+)>/)?.[1];
  expect(url, `${trick.name}: List-Unsubscribe`).toBeDefined();
  return { html: String(mail.html), url: url! };
}

describe('R10: the delivered unsubscribe link is visible in Chromium whatever the sender hides', () => {
  it('a plain newsletter (the baseline)', async () => {
    const { html, url } = await deliver({ name: 'plain', html: '<p>Ten novels.</p>' });
    expectVisible(await measure(html, url), 'plain');
  });

  for (const trick of NAMED_TRICKS) {
    it(`trick: ${trick.name}`, async () => {
      const { html, url } = await deliver(trick);
      expectVisible(await measure(html, url), trick.name);
    });
  }

  it('tricks combined (fast-check sample)', async () => {
    const samples = fc.sample(hidingTrick(), { numRuns: 12, seed: 11_005 });
    for (const trick of samples) {
      const { html, url } = await deliver(trick);
      expectVisible(await measure(html, url), trick.name);
    }
    console.log(
      `[visible-link] ${NAMED_TRICKS.length} named tricks and ${samples.length} combinations rendered`,
    );
  }, 120_000);
});

/**
 * The same tricks in a whole document (doctype, <head>, <body>), the markup the
 * splice path keeps byte for byte; those it follows are delivered spliced, the others by the
 * full path, and the link must be visible either way.
 */
describe('R10: a whole document, spliced, shows the link whatever the sender hides', () => {
  const whole = (body: string) =>
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>News</title>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;

  it('the 47 KB newsletter fixture, spliced', async () => {
    expect(injectBySplicing(NEWSLETTER_HTML, 'https://gw.example/u/x', UNSUBSCRIBE_LINK)).toBeDefined();
    const { html, url } = await deliver({ name: 'newsletter fixture', html: NEWSLETTER_HTML });
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en"')).toBe(true);
    expectVisible(await measure(html, url), 'newsletter fixture');
  });

  it('every named trick in a whole document', async () => {
    let spliced = 0;
    for (const trick of NAMED_TRICKS) {
      const html = whole(trick.html);
      if (injectBySplicing(html, 'https://gw.example/u/x', UNSUBSCRIBE_LINK) !== undefined) spliced++;
      const delivered = await deliver({ name: `${trick.name} (whole document)`, html });
      expectVisible(await measure(delivered.html, delivered.url), `${trick.name} (whole document)`);
    }
    console.log(`[visible-link] ${NAMED_TRICKS.length} tricks in a whole document, ${spliced} spliced`);
    // Only the unclosed wrappers, a second <body> and <plaintext> need the full path.
    expect(spliced).toBeGreaterThanOrEqual(NAMED_TRICKS.length - 4);
  }, 120_000);
});
