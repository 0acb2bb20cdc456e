import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { injectIntoHtml, injectIntoText, unsubscribeHeaders } from '../../shared/domain/inject-unsubscribe';

const URL_ = 'https://gw.example/u/v1.k1.abc.def';
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);

describe('unsubscribe link injection (R10)', () => {
  it('replaces the placeholder in a link and adds no footer', () => {
    const out = injectIntoHtml(
      '<html><body><p>Hi</p><a href="{{unsubscribe_url}}">Stop</a></body></html>',
      URL_,
    );
    expect(hrefs(out)).toEqual([URL_]);
    expect(out).not.toContain('Unsubscribe');
  });

  it('replaces a placeholder that an editor URL-encoded', () => {
    const out = injectIntoHtml('<a href="%7B%7Bunsubscribe_url%7D%7D">Stop</a>', URL_);
    expect(hrefs(out)).toEqual([URL_]);
  });

  it('adds a footer link before </body> when there is no placeholder', () => {
    const out = injectIntoHtml('<html><body><p>Hello</p></body></html>', URL_);
    expect(out).toMatch(
      /<p>Hello<\/p><div[^>]*><a href="https:\/\/gw\.example\/u\/v1\.k1\.abc\.def">Se désinscrire · Unsubscribe<\/a><\/div><\/body>/,
    );
  });

  it('makes a whole document of a fragment', () => {
    const out = injectIntoHtml('<p>Just a fragment', URL_);
    expect(out.startsWith('<html><head></head><body><p>Just a fragment</p>')).toBe(true);
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

  it('appends the link to the text part, or fills its placeholder', () => {
    expect(injectIntoText('Hello', URL_)).toBe(`Hello\n\n--\nSe désinscrire / Unsubscribe: ${URL_}\n`);
    expect(injectIntoText('Hello\nStop: {{unsubscribe_url}}', URL_)).toBe(`Hello\nStop: ${URL_}`);
  });

  it('builds the RFC 2369 and RFC 8058 headers', () => {
    expect(unsubscribeHeaders(URL_)).toEqual([
      { name: 'List-Unsubscribe', value: `<${URL_}>` },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ]);
  });
});
