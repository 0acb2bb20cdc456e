import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import {
  injectIntoHtml,
  injectIntoText,
  LinkPlacementError,
  MAX_HTML_DEPTH,
  MAX_PLACEHOLDERS,
  unsubscribeHeaders,
} from '../../shared/domain/inject-unsubscribe';

interface Element {
  attrs: { name: string; value: string }[];
  childNodes: Element[];
}

const URL_ = 'https://gw.example/u/v1.k1.abc.def';
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);

describe('unsubscribe link injection (R10)', () => {
  it('replaces the placeholder in a link and still adds the footer (R10 as amended)', () => {
    const out = injectIntoHtml(
      '<html><body><p>Hi</p><a href="{{unsubscribe_url}}">Stop</a></body></html>',
      URL_,
    );
    expect(hrefs(out)).toEqual([URL_, URL_]);
    expect(out).toContain('Se désinscrire · Unsubscribe</a></div></body>');
  });

  it('replaces a placeholder that an editor URL-encoded', () => {
    const out = injectIntoHtml('<a href="%7B%7Bunsubscribe_url%7D%7D">Stop</a>', URL_);
    expect(hrefs(out)).toEqual([URL_, URL_]);
  });

  it('adds a footer link before </body> when there is no placeholder', () => {
    const out = injectIntoHtml('<html><body><p>Hello</p></body></html>', URL_);
    expect(out).toMatch(
      /<p>Hello<\/p><div data-consent-gate="footer" style="[^"]*"><a href="https:\/\/gw\.example\/u\/v1\.k1\.abc\.def" style="[^"]*">Se désinscrire · Unsubscribe<\/a><\/div><\/body>/,
    );
  });

  it('makes a whole document of a fragment', () => {
    const out = injectIntoHtml('<p>Just a fragment', URL_);
    expect(out).toMatch(
      /^<html><head><style data-consent-gate="guard">[^<]*<\/style><\/head><body><p>Just a fragment<\/p>/,
    );
    expect(hrefs(out)).toEqual([URL_]);
  });

  it('does not count a placeholder hidden in a script or comment as a visible link', () => {
    const out = injectIntoHtml(
      '<body><script>var u="{{unsubscribe_url}}"</script><!-- {{unsubscribe_url}} --></body>',
      URL_,
    );
    expect(hrefs(out)).toEqual([URL_]);
  });

  it('keeps the input from breaking out of the document', () => {
    const out = injectIntoHtml('<p>a</p></body></html><p>after the end</p>', URL_);
    const doc = parse(out);
    expect(doc.childNodes.filter((n) => n.nodeName === 'html')).toHaveLength(1);
    expect(out.indexOf('after the end')).toBeLessThan(out.indexOf(URL_));
  });

  it('appends the link to the text part, and fills its placeholder too (R10 as amended)', () => {
    expect(injectIntoText('Hello', URL_)).toBe(`Hello\n\n--\nSe désinscrire / Unsubscribe: ${URL_}\n`);
    expect(injectIntoText('Hello\nStop: {{unsubscribe_url}}', URL_)).toBe(
      `Hello\nStop: ${URL_}\n\n--\nSe désinscrire / Unsubscribe: ${URL_}\n`,
    );
  });

  it('R10: the footer is the last child of <body>, outside an unclosed hidden wrapper, styled inline', () => {
    const out = injectIntoHtml(
      '<div style="display:none"><p>all hidden <a href="{{unsubscribe_url}}"></a>',
      URL_,
    );
    const body = (parse(out).childNodes[0] as unknown as Element).childNodes[1]!;
    const last = body.childNodes.at(-1)!;
    expect(last.attrs).toContainEqual({ name: 'data-consent-gate', value: 'footer' });
    expect(last.attrs.find((a) => a.name === 'style')?.value).toContain('display:block !important');
    expect(last.childNodes[0]!.attrs.find((a) => a.name === 'style')?.value).toContain(
      'opacity:1 !important',
    );
  });

  it('R10: a style attribute with !important on <body> or <html> is dropped (it would beat the guard sheet)', () => {
    const out = injectIntoHtml(
      '<html style="opacity:0 !important"><body style="visibility:hidden!important" class="b"><p>x</p></body></html>',
      URL_,
    );
    expect(out).toContain('<html><head>');
    expect(out).toContain('<body class="b">');
    expect(injectIntoHtml('<body style="background:#eee">x</body>', URL_)).toContain(
      '<body style="background:#eee">',
    );
  });

  it('R10: markup that would swallow the footer when parsed again is neutralised', () => {
    // An unclosed <plaintext> never ends; a script left double-escaped swallows what follows.
    for (const html of ['<p>a<plaintext>rest', '<script><!--<script>var a;']) {
      const out = injectIntoHtml(html, URL_);
      const body = (parse(out).childNodes[0] as unknown as Element).childNodes[1]!;
      expect(body.childNodes.at(-1)!.attrs, html).toContainEqual({
        name: 'data-consent-gate',
        value: 'footer',
      });
    }
  });

  it(`item 7: nests up to ${MAX_HTML_DEPTH} levels; deeper is refused, without recursion`, () => {
    // html > body > 510 divs = 512 levels.
    expect(hrefs(injectIntoHtml('<div>'.repeat(MAX_HTML_DEPTH - 2), URL_))).toEqual([URL_]);
    for (const levels of [MAX_HTML_DEPTH - 1, 6_000, 200_000]) {
      expect(() => injectIntoHtml('<div>'.repeat(levels), URL_)).toThrow(LinkPlacementError);
    }
    expect(() => injectIntoHtml('<div>'.repeat(6_000), URL_)).toThrow(/more than 512 levels deep/);
  });

  it(`item 7: at most ${MAX_PLACEHOLDERS} placeholders per part`, () => {
    const links = (n: number) => '<a href="{{unsubscribe_url}}">x</a>'.repeat(n);
    expect(hrefs(injectIntoHtml(links(MAX_PLACEHOLDERS), URL_))).toHaveLength(MAX_PLACEHOLDERS + 1);
    expect(() => injectIntoHtml(links(MAX_PLACEHOLDERS + 1), URL_)).toThrow(/101 link placeholders/);
    expect(() => injectIntoText('{{unsubscribe_url}}'.repeat(MAX_PLACEHOLDERS + 1), URL_)).toThrow(
      /^The text contains 101/,
    );
  });

  it('builds the RFC 2369 and RFC 8058 headers', () => {
    expect(unsubscribeHeaders(URL_)).toEqual([
      { name: 'List-Unsubscribe', value: `<${URL_}>` },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ]);
  });
});
