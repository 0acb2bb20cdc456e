import { defaultTreeAdapter as adapter, parse, type DefaultTreeAdapterTypes as T } from 'parse5';
import { describe, expect, it } from 'vitest';
import {
  FOOTER_ATTRIBUTE,
  FRAMESET_PROBLEM,
  footerSurvives,
  htmlCanShowLink,
  injectIntoHtml,
  injectIntoText,
  MAX_HTML_DEPTH,
  MAX_PLACEHOLDERS,
} from '../../shared/domain/inject-unsubscribe';

/**
 * R10: what keeps the footer visible whatever the sender's markup and CSS. Rows the mutation
 * run (docs/testing.md) showed unpinned: each declaration of the footer's and the link's
 * inline guard, each rule of the guard sheet and where it goes, the safety net that refuses
 * markup a client would read differently, and the limits at their exact value.
 */
const URL_ = 'https://gw.example/u/v1.k1.abc.def';

const elements = (node: T.ParentNode): T.Element[] =>
  node.childNodes.filter((n): n is T.Element => adapter.isElementNode(n));
const attr = (element: T.Element, name: string) => element.attrs.find((a) => a.name === name)?.value;

function parts(html: string) {
  const document = parse(html, { scriptingEnabled: false });
  const root = elements(document).find((e) => e.tagName === 'html')!;
  const head = elements(root).find((e) => e.tagName === 'head')!;
  const body = elements(root).find((e) => e.tagName === 'body')!;
  const footer = elements(body).at(-1)!;
  const link = elements(footer)[0]!;
  return { root, head, body, footer, link };
}

/** `a:b !important;c:d !important` → { a: 'b', c: 'd' }, failing on a declaration without `!important`. */
function declarations(style: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (style ?? '').split(';').map((d) => {
      const m = /^([a-z-]+):(.+) !important$/.exec(d);
      if (m === null) throw new Error(`not an !important declaration: ${d}`);
      return [m[1]!, m[2]!];
    }),
  );
}

const out = injectIntoHtml('<html><head><title>t</title></head><body><p>Hi</p></body></html>', URL_);
const { head, footer, link } = parts(out);

/** R10: what a sender's CSS could do to the footer, and the declarations that undo it. */
const FOOTER_GUARD: [threat: string, declarations: Record<string, string>][] = [
  [
    'hide it',
    { display: 'block', visibility: 'visible', 'content-visibility': 'visible', 'pointer-events': 'auto' },
  ],
  [
    'fade or recolour it',
    {
      opacity: '1',
      filter: 'none',
      'mix-blend-mode': 'normal',
      background: '#ffffff',
      color: '#222222',
      '-webkit-text-fill-color': '#222222',
      'text-shadow': 'none',
    },
  ],
  [
    'move it away or under an overlay',
    {
      position: 'relative',
      'z-index': '2147483647',
      top: 'auto',
      right: 'auto',
      bottom: 'auto',
      left: 'auto',
      float: 'none',
      clear: 'both',
      transform: 'none',
      margin: '24px 0 0 0',
    },
  ],
  [
    'clip, mask or cut it',
    { 'clip-path': 'none', clip: 'auto', mask: 'none', overflow: 'visible', border: '0', outline: '0' },
  ],
  [
    'shrink it',
    {
      zoom: '1',
      width: 'auto',
      'min-width': '0',
      'max-width': 'none',
      height: 'auto',
      'min-height': '0',
      'max-height': 'none',
      padding: '12px 8px',
      'box-shadow': 'none',
    },
  ],
  [
    'make its text unreadable',
    {
      'font-family': 'Arial,Helvetica,sans-serif',
      'font-size': '14px',
      'font-style': 'normal',
      'font-weight': '400',
      'line-height': '20px',
      'letter-spacing': 'normal',
      'word-spacing': 'normal',
      'text-align': 'center',
      'text-indent': '0',
      'text-transform': 'none',
      'white-space': 'normal',
      direction: 'ltr',
      'writing-mode': 'horizontal-tb',
    },
  ],
];

/** The link: the same guard, inline and unpositioned, dark blue and underlined on white. */
const LINK_OVERRIDES = {
  display: 'inline',
  position: 'static',
  'z-index': 'auto',
  clear: 'none',
  margin: '0',
  padding: '0',
  background: '#ffffff',
  color: '#0645ad',
  '-webkit-text-fill-color': '#0645ad',
  'text-decoration': 'underline',
  'text-align': 'inherit',
};

describe('R10 the footer is guarded inline against every hiding property', () => {
  it.each(FOOTER_GUARD)(
    'R10 a sender sheet cannot %s: the footer sets these !important',
    (_threat, expected) => {
      expect(declarations(attr(footer, 'style'))).toMatchObject(expected);
    },
  );

  it('R10 the footer sets exactly these declarations, each !important, and is marked as the footer', () => {
    expect(declarations(attr(footer, 'style'))).toEqual(Object.assign({}, ...FOOTER_GUARD.map(([, d]) => d)));
    expect(footer.tagName).toBe('div');
    expect(attr(footer, FOOTER_ATTRIBUTE)).toBe('footer');
  });

  it('R10 the link carries the same guard, inline, dark blue and underlined, and points to the URL', () => {
    const footerGuard = Object.assign({}, ...FOOTER_GUARD.map(([, d]) => d));
    expect(declarations(attr(link, 'style'))).toEqual({ ...footerGuard, ...LINK_OVERRIDES });
    expect(link.tagName).toBe('a');
    expect(attr(link, 'href')).toBe(URL_);
  });
});

/** The guard sheet's rules, selector → declarations, for the layered copy and the unlayered one. */
function guardRules(sheet: string) {
  const layer = '@layer consent-gate-footer{';
  const end = sheet.indexOf('}}');
  if (!sheet.startsWith(layer) || end < 0) throw new Error(`not a layered guard sheet: ${sheet}`);
  const rules = (text: string) =>
    new Map([...text.matchAll(/([^{}]+)\{([^{}]*)\}/g)].map((r) => [r[1]!, declarations(r[2])]));
  return { layered: rules(sheet.slice(layer.length, end + 1)), unlayered: rules(sheet.slice(end + 2)) };
}

const F = `[${FOOTER_ATTRIBUTE}=footer]`;
const GUARD: [what: string, selector: string, declarations: Record<string, string>][] = [
  [
    'the footer’s ancestors <html> and <body> cannot be hidden, faded, moved, clipped or cut',
    'html,body',
    {
      display: 'block',
      visibility: 'visible',
      opacity: '1',
      filter: 'none',
      transform: 'none',
      'clip-path': 'none',
      mask: 'none',
      position: 'static',
      overflow: 'visible',
      'max-height': 'none',
      'content-visibility': 'visible',
      zoom: '1',
    },
  ],
  [
    'no pseudo-element overlay on the document or on the footer',
    `html::before,html::after,body::before,body::after,${F}::before,${F}::after,${F} *::before,${F} *::after`,
    { content: 'none', display: 'none' },
  ],
  [
    'no first letter or line of the footer shrunk, recoloured or spread',
    `${F}::first-letter,${F} *::first-letter,${F}::first-line,${F} *::first-line`,
    {
      'font-size': 'inherit',
      'line-height': 'inherit',
      color: 'inherit',
      '-webkit-text-fill-color': 'inherit',
      'text-shadow': 'none',
      'letter-spacing': 'normal',
    },
  ],
];

describe('R10 the guard sheet reaches what inline styles cannot', () => {
  // Read inside each test, not while the file loads: a sheet that does not parse must fail a test
  // (the mutation run cannot count a file that fails to load, docs/testing.md).
  const sheet = () => elements(head)[0]!;
  const rules = () => guardRules(adapter.getTextNodeContent(sheet().childNodes[0] as T.TextNode));

  it('R10 the guard sheet is the first element of <head>, marked, in its own first layer and unlayered', () => {
    expect(sheet().tagName).toBe('style');
    expect(attr(sheet(), FOOTER_ATTRIBUTE)).toBe('guard');
    const { layered, unlayered } = rules();
    expect([...layered.keys()]).toEqual(GUARD.map(([, selector]) => selector));
    expect(unlayered).toEqual(layered);
  });

  it.each(GUARD)('R10 %s', (_what, selector, expected) => {
    expect(rules().layered.get(selector)).toEqual(expected);
  });

  it('R10 the guard sheet goes first in a <head> that has children, and into an empty one', () => {
    expect(elements(head).map((e) => e.tagName)).toEqual(['style', 'title']);
    const empty = parts(injectIntoHtml('<html><head></head><body>x</body></html>', URL_));
    expect(elements(empty.head).map((e) => attr(e, FOOTER_ATTRIBUTE))).toEqual(['guard']);
  });
});

describe('R10 the safety net and the limits', () => {
  it('R10 a style attribute on <html> or <body> without "!" stays; with one it goes, other attributes stay', () => {
    const kept = parts(
      injectIntoHtml('<html style="color:red" lang="fr"><body style="margin:0">x</body></html>', URL_),
    );
    expect(kept.root.attrs).toEqual([
      { name: 'style', value: 'color:red' },
      { name: 'lang', value: 'fr' },
    ]);
    expect(kept.body.attrs).toEqual([{ name: 'style', value: 'margin:0' }]);
    const dropped = parts(
      injectIntoHtml('<html style="color:red!important" lang="fr"><body>x</body></html>', URL_),
    );
    expect(dropped.root.attrs).toEqual([{ name: 'lang', value: 'fr' }]);
  });

  it('R10 attributes with "!" other than style stay on <html> and <body>', () => {
    const kept = parts(
      injectIntoHtml('<html lang="fr!"><body class="hey!" style="color:red!important">x</body></html>', URL_),
    );
    expect(kept.root.attrs).toEqual([{ name: 'lang', value: 'fr!' }]);
    expect(kept.body.attrs).toEqual([{ name: 'class', value: 'hey!' }]);
  });

  it('R10 a document opening with a comment or a doctype still gets its footer in <body>', () => {
    for (const html of ['<!-- sender --><p>x</p>', '<!DOCTYPE html><p>x</p>']) {
      const again = parts(injectIntoHtml(html, URL_));
      expect(attr(again.footer, FOOTER_ATTRIBUTE), html).toBe('footer');
    }
  });

  it('R10 a document that mentions <frameset only in a comment has a body; the problem names frameset and R10', () => {
    expect(htmlCanShowLink('<p>a</p><!-- was a <frameset> -->')).toBe(true);
    expect(FRAMESET_PROBLEM).toBe(
      'is a frameset document: it has no body to show the unsubscribe link (R10)',
    );
  });

  it.each([
    ['accepts the footer as built', (f: string) => `<p>x</p>${f}`, true],
    ['refuses an element after the footer', (f: string) => `${f}<p>x</p>`, false],
    ['refuses no element in <body>', () => 'text only', false],
    [
      'refuses the footer in a <section>',
      (f: string) => f.replace(/^<div/, '<section').replace(/<\/div>$/, '</section>'),
      false,
    ],
    [
      'refuses a div without the footer mark',
      (f: string) => f.replace('data-consent-gate="footer"', 'data-consent-gate="guard"'),
      false,
    ],
    [
      'refuses a div marked under another name',
      (f: string) => f.replace('data-consent-gate="footer"', 'data-x="footer"'),
      false,
    ],
    ['refuses a footer without its link', (f: string) => f.replace(/<a [\s\S]*<\/a>/, ''), false],
    ['refuses a footer whose first child is text', (f: string) => f.replace('<a ', ' <a '), false],
    [
      'refuses a footer whose link is a <span>',
      (f: string) => f.replace('<a ', '<span ').replace('</a>', '</span>'),
      false,
    ],
    ['refuses a link to another URL', (f: string) => f.replace(URL_, 'https://evil.example/'), false],
    [
      'refuses a link whose URL is in another attribute',
      (f: string) => f.replace('href=', 'data-href='),
      false,
    ],
    [
      'refuses a link without its guard style',
      (f: string) => f.replace(/(<a [^>]*?) style="[^"]*"/, '$1'),
      false,
    ],
    [
      'refuses a link whose style is in another attribute',
      (f: string) => f.replace(/(<a [^>]*?) style=/, '$1 data-style='),
      false,
    ],
  ] as const)('R10 the safety net, parsing the output again, %s', (_title, build, survives) => {
    const built = /<div data-consent-gate="footer"[\s\S]*<\/div>/.exec(out)![0];
    expect(footerSurvives(`<html><body>${build(built)}</body></html>`, URL_)).toBe(survives);
  });

  it('R10 an unclosed <plaintext> is written back as <pre>, so that parsed again it ends before the footer', () => {
    const again = parts(injectIntoHtml('<p>a<plaintext>rest <b>', URL_));
    const pre = elements(again.body).find((e) => e.tagName === 'pre');
    expect(pre?.childNodes.map((n) => (adapter.isTextNode(n) ? n.value : n.nodeName))).toEqual(['rest <b>']);
    expect(attr(again.footer, FOOTER_ATTRIBUTE)).toBe('footer');
  });

  it('R10 "<!--" is neutralised in scripts only: the same text in a paragraph is left as written', () => {
    const out = injectIntoHtml('<p>a &lt;!--&lt;script&gt; b</p><script>x="<!--"</script>', URL_);
    expect(out).toContain('<p>a &lt;!--&lt;script&gt; b</p>');
    expect(out).toContain('<script>x="<\\!--"</script>');
  });

  it(`R10 a document nested exactly ${MAX_HTML_DEPTH} levels deep is accepted, one more is refused with the depth`, () => {
    // html > body > divs: 2 + n levels.
    expect(() => injectIntoHtml('<div>'.repeat(MAX_HTML_DEPTH - 2), URL_)).not.toThrow();
    expect(() => injectIntoHtml('<div>'.repeat(MAX_HTML_DEPTH - 1), URL_)).toThrow(
      `The HTML nests elements more than ${MAX_HTML_DEPTH} levels deep (${MAX_HTML_DEPTH + 1} reached); flatten the markup (R10)`,
    );
  });

  it(`R10 placeholders in attributes and text count together towards ${MAX_PLACEHOLDERS}`, () => {
    const half = MAX_PLACEHOLDERS / 2;
    const html = (inText: number) =>
      `${'<a href="{{unsubscribe_url}}">x</a>'.repeat(half)}<p>${'{{unsubscribe_url}} '.repeat(inText)}</p>`;
    expect(() => injectIntoHtml(html(half), URL_)).not.toThrow();
    expect(() => injectIntoHtml(html(half + 1), URL_)).toThrow(
      `The HTML contains ${MAX_PLACEHOLDERS + 1} link placeholders; at most ${MAX_PLACEHOLDERS} are filled per part (R10)`,
    );
    expect(() =>
      injectIntoHtml(`<p>${'{{unsubscribe_url}}'.repeat(MAX_PLACEHOLDERS)}</p>`, URL_),
    ).not.toThrow();
    expect(() => injectIntoText('{{unsubscribe_url}}'.repeat(MAX_PLACEHOLDERS), URL_)).not.toThrow();
  });
});
