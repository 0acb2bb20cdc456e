import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { defaultTreeAdapter as adapter, type DefaultTreeAdapterMap, parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import {
  FOOTER_ATTRIBUTE,
  FRAMESET_PROBLEM,
  htmlCanShowLink,
  injectIntoHtml,
  injectIntoText,
  LinkPlacementError,
  PLACEHOLDER,
} from '../../shared/domain/inject-unsubscribe';
import { injectIntoMime, MimeInjectionError } from '../../shared/domain/inject-unsubscribe-mime';
import {
  expiryFor,
  signPageToken,
  signToken,
  verifyPageToken,
  verifyToken,
} from '../../shared/domain/unsubscribe-token';
import type { KeyMaterial } from '../../shared/ports/key-ring';
import { sendMessageSchema } from '../../shared/schemas/message';
import { hidingTrick, NAMED_TRICKS } from '../support/hiding-tricks';
import { hostileString, NASTY_STRINGS, RUNS, SEED } from './hostile';

/**
 * Hostile input, the pure half: the link injection (R10) and the token verifiers, called
 * directly with fast-check's arbitrary input. Every property prints its runs and failures.
 */
type Element = DefaultTreeAdapterMap['element'];
type ParentNode = DefaultTreeAdapterMap['parentNode'];

const URL_ = 'https://gw.example/u/v1.k1.payload.signature';
const INVISIBLE = new Set(['script', 'style', 'template', 'noscript', 'head', 'title']);

function hidden(element: Element): boolean {
  return element.attrs.some(
    (a) =>
      a.name === 'hidden' ||
      (a.name === 'style' && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(a.value)),
  );
}

/** Where a reader sees the URL: a visible `<a href>` to it, or its text in a visible element. */
function visibleLinks(html: string): number {
  let found = 0;
  const walk = (node: ParentNode, invisible: boolean) => {
    for (const child of node.childNodes) {
      if (adapter.isTextNode(child)) {
        if (!invisible && child.value.includes(URL_)) found++;
      } else if (adapter.isElementNode(child)) {
        const off = invisible || INVISIBLE.has(child.tagName) || hidden(child);
        if (!off && child.tagName === 'a' && child.attrs.some((a) => a.name === 'href' && a.value === URL_)) {
          found++;
        }
        walk(
          child.tagName === 'template'
            ? adapter.getTemplateContent(child as DefaultTreeAdapterMap['template'])
            : child,
          off,
        );
      }
    }
  };
  walk(parse(html), false);
  return found;
}

/** Declarations the footer and its link must carry inline, with !important (R10). */
const FOOTER_GUARDS = ['display:block', 'visibility:visible', 'opacity:1', 'font-size:14px', 'color:#222222'];
const LINK_GUARDS = ['visibility:visible', 'opacity:1', 'font-size:14px', 'color:#0645ad', 'transform:none'];

/**
 * Why the gateway's footer is not guaranteed in `html` (the injection's output, parsed
 * again as a mail client will), or undefined when it is: the last element of <body>, so
 * that no sender element contains it; its link to the URL; its inline `!important`
 * styles; no `!important` inline style left on <html> or <body>; the guard sheet first.
 */
function footerProblem(html: string): string | undefined {
  const root = parse(html, { scriptingEnabled: false }).childNodes.find(
    (n): n is Element => adapter.isElementNode(n) && n.tagName === 'html',
  );
  const [head, body] = (root?.childNodes ?? []).filter((n): n is Element => adapter.isElementNode(n));
  if (head?.tagName !== 'head' || body?.tagName !== 'body') return 'no head and body';
  const guard = head.childNodes[0];
  if (!guard || !adapter.isElementNode(guard) || !guard.attrs.some((a) => a.name === FOOTER_ATTRIBUTE))
    return 'guard sheet not first in head';
  for (const e of [root!, body]) {
    if (e.attrs.some((a) => a.name === 'style' && a.value.includes('!')))
      return `!important inline on ${e.tagName}`;
  }
  const footer = body.childNodes.filter((n): n is Element => adapter.isElementNode(n)).at(-1);
  if (!footer?.attrs.some((a) => a.name === FOOTER_ATTRIBUTE && a.value === 'footer'))
    return 'footer not the last element of body';
  const style = (e: Element) => e.attrs.find((a) => a.name === 'style')?.value ?? '';
  const missing = FOOTER_GUARDS.filter((d) => !style(footer).includes(`${d} !important`));
  if (missing.length > 0) return `footer lacks ${missing.join(', ')}`;
  const link = footer.childNodes[0];
  if (!link || !adapter.isElementNode(link) || link.tagName !== 'a') return 'no link in the footer';
  if (!link.attrs.some((a) => a.name === 'href' && a.value === URL_))
    return 'footer link does not go to the URL';
  const missingLink = LINK_GUARDS.filter((d) => !style(link).includes(`${d} !important`));
  if (missingLink.length > 0) return `link lacks ${missingLink.join(', ')}`;
  if (!link.childNodes.some((n) => adapter.isTextNode(n) && n.value.includes('Unsubscribe')))
    return 'link has no label';
  return undefined;
}

/** HTML as senders write it and as attackers do: tags, unclosed and misnested, comments, placeholders anywhere. */
const htmlish = (): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '<p>',
          '</p>',
          '<div style="display:none">',
          '<div hidden>',
          '</div>',
          '<a href="{{unsubscribe_url}}">',
          '<a href="%7B%7Bunsubscribe_url%7D%7D">',
          '</a>',
          '<script>',
          '</script>',
          '<style>',
          '<!--',
          '-->',
          '<template>',
          '</template>',
          '<table><tr><td>',
          '</body>',
          '</html>',
          '<frameset>',
          '<![CDATA[',
          PLACEHOLDER,
          '<title>',
          '<noscript>',
          '<svg><foreignObject>',
        ),
        hostileString(),
        fc.string(),
      ),
      { maxLength: 25 },
    )
    .map((parts) => parts.join(''));

function tally(label: string, runs: number, failures: number) {
  console.log(`[hostile] ${label}: runs ${runs}, failures ${failures}`);
  expect(failures).toBe(0);
}

const HTML_RUNS = Math.max(RUNS * 10, 300);

describe('R10 injection under arbitrary input', () => {
  it('HTML: the link is visible once the output is parsed again, or the HTML is refused (frameset)', () => {
    let runs = 0;
    let failures = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof(htmlish(), fc.string(), fc.constantFrom(...NASTY_STRINGS)), (html) => {
        runs++;
        let ok: boolean;
        try {
          const out = injectIntoHtml(html, URL_);
          ok = visibleLinks(out) >= 1 && footerProblem(out) === undefined && htmlCanShowLink(html);
        } catch (error) {
          // Refused only when no body can show a link, which the request schemas check first.
          ok =
            error instanceof LinkPlacementError &&
            (!htmlCanShowLink(html) || /read differently/.test(error.message));
          refused++;
        }
        if (!ok) failures++;
        return ok;
      }),
      { numRuns: HTML_RUNS, seed: SEED },
    );
    console.log(`[hostile] HTML injection: ${refused} frameset documents refused`);
    tally('HTML injection (link visible)', runs, failures);
  });

  it('HTML: a frameset document is refused at the request, naming html (regression)', () => {
    const request = {
      channel: 'email',
      purpose: 'newsletter',
      to: 'reader@example.org',
      from: 'news@shop.example',
      subject: 'Hello',
      html: '<frameset><frame src="https://x.example"></frameset>',
    };
    const parsed = sendMessageSchema.safeParse(request);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['html', `${FRAMESET_PROBLEM}`],
    ]);
    expect(sendMessageSchema.safeParse({ ...request, html: '<p>Hello</p>' }).success).toBe(true);
  });

  it('HTML: hiding tricks, alone and combined, never hide the footer', () => {
    for (const trick of NAMED_TRICKS)
      expect(footerProblem(injectIntoHtml(trick.html, URL_)), trick.name).toBeUndefined();
    let runs = 0;
    let failures = 0;
    fc.assert(
      fc.property(hidingTrick(), (trick) => {
        runs++;
        const problem = footerProblem(injectIntoHtml(trick.html, URL_));
        if (problem !== undefined) failures++;
        return problem === undefined;
      }),
      { numRuns: HTML_RUNS, seed: SEED },
    );
    tally(
      `HTML hiding tricks (${NAMED_TRICKS.length} named, then combined: footer last in body, styled inline)`,
      runs,
      failures,
    );
  });

  it('HTML: a placeholder only inside hidden markup still gets the visible footer (regression)', () => {
    for (const html of [
      '<div style="display:none"><a href="{{unsubscribe_url}}">x</a></div>',
      '<p hidden>{{unsubscribe_url}}</p>',
      '<a href="{{unsubscribe_url}}" style="visibility: hidden">x</a>',
    ]) {
      expect(visibleLinks(injectIntoHtml(html, URL_)), html).toBeGreaterThanOrEqual(1);
    }
  });

  it('text: the URL is always there, and nothing of the input is lost', () => {
    let runs = 0;
    let failures = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string(), hostileString(), fc.constant(PLACEHOLDER)), (text) => {
        runs++;
        const out = injectIntoText(text, URL_);
        // R10 as amended: the footer line always ends the part; without a placeholder the text is kept as it was.
        const placeholder = /\{\{unsubscribe_url\}\}|%7B%7Bunsubscribe_url%7D%7D/i.test(text);
        const ok =
          out.endsWith(`Se désinscrire / Unsubscribe: ${URL_}\n`) && (placeholder || out.startsWith(text));
        if (!ok) failures++;
        return ok;
      }),
      { numRuns: HTML_RUNS, seed: SEED },
    );
    tally('text injection (URL present, input kept)', runs, failures);
  });

  it('MIME: every text and HTML part gets the link, the root the RFC 8058 headers, and Bcc never survives', async () => {
    let runs = 0;
    let failures = 0;
    const b64 = (s: string) =>
      (
        Buffer.from(s, 'utf8')
          .toString('base64')
          .match(/.{1,76}/g) ?? ['']
      ).join('\r\n');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), hostileString()),
        fc.oneof(htmlish(), hostileString()),
        async (text, html) => {
          runs++;
          const raw = Buffer.from(
            [
              'From: Demo Shop <news@shop.example>',
              'To: reader@example.org',
              'Bcc: hidden@example.net',
              'List-Unsubscribe: <https://sender.example/own>',
              'Subject: Hello',
              'MIME-Version: 1.0',
              'Content-Type: multipart/alternative; boundary="b-1"',
              '',
              '--b-1',
              'Content-Type: text/plain; charset=utf-8',
              'Content-Transfer-Encoding: base64',
              '',
              b64(text),
              '--b-1',
              'Content-Type: text/html; charset=utf-8',
              'Content-Transfer-Encoding: base64',
              '',
              b64(html),
              '--b-1--',
              '',
            ].join('\r\n'),
          );
          let out: Buffer;
          try {
            out = await injectIntoMime(raw, URL_);
          } catch (error) {
            const ok = error instanceof MimeInjectionError && !htmlCanShowLink(html);
            if (!ok) failures++;
            return ok;
          }
          const mail = await simpleParser(out);
          const headerBlock = out.toString('utf8').split('\r\n\r\n')[0] ?? '';
          const ok =
            (mail.text ?? '').includes(URL_) &&
            typeof mail.html === 'string' &&
            visibleLinks(mail.html) >= 1 &&
            headerBlock.includes('List-Unsubscribe-Post: List-Unsubscribe=One-Click') &&
            headerBlock.includes(`List-Unsubscribe: <${URL_}>`) &&
            !headerBlock.includes('sender.example/own') &&
            !/^bcc:/im.test(headerBlock);
          if (!ok) failures++;
          return ok;
        },
      ),
      { numRuns: RUNS * 2, seed: SEED },
    );
    tally('MIME injection (both parts, headers, no Bcc)', runs, failures);
  });
});

describe('Token verifiers under arbitrary input', () => {
  const k1 = randomBytes(32);
  const keys: KeyMaterial = {
    hashKey: randomBytes(32),
    activeTokenKeyId: 'k1',
    tokenKeys: new Map([['k1', k1]]),
  };
  const now = new Date('2026-11-23T10:00:00Z');
  const RK = 'k'.repeat(43);
  const genuine = signToken(
    { tenant: 'demo', recipientKey: RK, purpose: 'newsletter', channel: 'email', messageId: 'm-1' },
    keys,
  );
  const page = signPageToken(
    {
      kind: 'preferences',
      tenant: 'demo',
      recipientKey: RK,
      channel: 'email',
      expiresAt: expiryFor('preferences', now),
    },
    keys,
  );
  const b64url = fc.stringMatching(/^[A-Za-z0-9_-]{0,120}$/);
  const tokenShaped = fc
    .tuple(fc.constantFrom('v1', 'v2', ''), fc.constantFrom('k1', 'k2', ''), b64url, b64url)
    .map((parts) => parts.join('.'));
  /** A genuine token with one segment replaced, or characters inserted, removed or changed. */
  const tampered = (token: string) =>
    fc.oneof(
      fc.tuple(fc.nat({ max: 3 }), b64url).map(([i, v]) =>
        token
          .split('.')
          .map((s, j) => (j === i ? v : s))
          .join('.'),
      ),
      fc
        .tuple(fc.nat({ max: token.length - 1 }), fc.string({ minLength: 1, maxLength: 3 }))
        .map(([i, v]) => token.slice(0, i) + v + token.slice(i + 1)),
      fc.nat({ max: token.length - 1 }).map((i) => token.slice(0, i) + token.slice(i + 1)),
    );

  it('genuine tokens are accepted (the baseline)', () => {
    expect(verifyToken(genuine, keys)?.messageId).toBe('m-1');
    expect(verifyPageToken(page, keys, now, ['preferences'])?.recipientKey).toBe(RK);
  });

  it('random, token-shaped and tampered tokens are never accepted, and never throw', () => {
    let runs = 0;
    let accepted = 0;
    const check = (candidate: string, original: string) => {
      runs++;
      if (candidate === original) return true;
      const u = verifyToken(candidate, keys);
      const p = verifyPageToken(candidate, keys, now, ['preferences', 'consent', 'confirm']);
      if (u !== undefined || p !== undefined) accepted++;
      return u === undefined && p === undefined;
    };
    fc.assert(
      fc.property(fc.oneof(fc.string(), hostileString(), tokenShaped), (t) => check(t, genuine)),
      { numRuns: RUNS * 10, seed: SEED },
    );
    fc.assert(
      fc.property(tampered(genuine), (t) => check(t, genuine)),
      { numRuns: RUNS * 10, seed: SEED },
    );
    fc.assert(
      fc.property(tampered(page), (t) => check(t, page)),
      { numRuns: RUNS * 10, seed: SEED },
    );
    console.log(`[hostile] token verifiers: runs ${runs}, accepted 0 expected, accepted ${accepted}`);
    expect(accepted).toBe(0);
  });
});
