import fc from 'fast-check';
import { Tokenizer } from 'parse5';
import { describe, expect, it } from 'vitest';
import { RunTokenizer, readsRuns, tokenTrace } from '../../shared/domain/html-run-tokenizer';
import { MARKUP_PIECES as PIECES } from '../support/markup-pieces';
import { NEWSLETTER_HTML } from '../support/newsletter-fixture';

/**
 * The splice path's tokenizer reads runs of plain characters at once (R10): it must give the
 * very tokens of parse5's own tokenizer — names, attributes, text, and every source location the
 * splice path cuts at — for any input, however hostile.
 */
const SEED = Number(process.env.SPLICE_SEED ?? 14_003);
const RUNS = Number(process.env.SPLICE_RUNS ?? 400);

const soup = fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((pieces) => pieces.join(''));

const same = (html: string, chunks = 1) =>
  expect(tokenTrace(html, RunTokenizer, chunks), JSON.stringify(html)).toEqual(
    tokenTrace(html, Tokenizer, chunks),
  );

describe('the run tokenizer gives parse5’s tokens', () => {
  it('R10 the runs are read with this parse5 (its internals are the ones the runs move)', () => {
    expect(readsRuns()).toBe(true);
  });

  it('R10 a long run is read in a few steps, not one per character', () => {
    const html = `<p title="${'a'.repeat(2000)}">${'b'.repeat(2000)}${' '.repeat(2000)}<!--${'c'.repeat(2000)}--></p>`;
    const steps = (Kind: typeof Tokenizer) => {
      let count = 0;
      const tokenizer = tokenTraceCounting(Kind, () => count++);
      tokenizer.write(html, true);
      return count;
    };
    expect(steps(Tokenizer)).toBeGreaterThan(8000);
    expect(steps(RunTokenizer)).toBeLessThan(100);
    same(html);
  });

  it('R10 written in pieces, parse5 gives the tokens of the whole input (so the pieces are compared too)', () => {
    const html = '<p class="a">Hello <b>world</b> &amp; more</p>';
    expect(tokenTrace(html, Tokenizer, 4)).toEqual(tokenTrace(html, Tokenizer));
    expect(tokenTrace(html, Tokenizer, 4).join('\n')).toContain('"tagName":"b"');
  });

  it('R10 the 47 KB newsletter: the same tokens and locations', () => {
    same(NEWSLETTER_HTML);
    same(NEWSLETTER_HTML, 7);
  });

  it.each([
    ['an attribute value with every stop', '<p a="x&amp;y\0z\r\nw\'v" b=\'x"y&z\0\rw\' c=x&y>'],
    ['text, white space and CR LF', 'ab  cd\t\fef\r\ngh\r\rij\n\nkl'],
    ['surrogates, paired and alone', 'a\ud83d\ude00b\ud83dc\ude00d<p t="\ud83d\ude00\ud83d">\ud83d'],
    ['a comment with dashes and markup', '<!-- a - b -- c <!-- d --!> e --><!--->x<!---->'],
    [
      'a style, a script, a title, a textarea',
      '<style>a<b</style><script>if(a<b&&c)"</p>"</script><title>a&lt;b</title><textarea>x&amp;</textarea>',
    ],
    [
      'a NUL in every state',
      '\0<p a="\0" b=\'\0\'><!--\0--><style>\0</style><script>\0</script><title>\0</title>',
    ],
    ['a document cut in the middle of a run', '<p title="abcdef'],
    ['a document ending in text', 'abc def'],
    ['plaintext to the end', '<plaintext>a<b>c&amp;d\r\n'],
  ])('R10 %s: the same tokens and locations, written whole or in pieces', (_what, html) => {
    same(html);
    same(html, 3);
    same(html, html.length);
  });

  it('R10 property: any soup of markup, written whole or in pieces, gives the same tokens', () => {
    fc.assert(
      fc.property(soup, fc.integer({ min: 1, max: 5 }), (html, chunks) => {
        same(html);
        same(html, chunks);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

/** A tokenizer of `Kind` whose every step (a code point read) calls `step`. */
function tokenTraceCounting(Kind: typeof Tokenizer, step: () => void): Tokenizer {
  const idle = () => undefined;
  const tokenizer = new Kind(
    { sourceCodeLocationInfo: true },
    {
      onStartTag: idle,
      onEndTag: idle,
      onComment: idle,
      onDoctype: idle,
      onCharacter: idle,
      onNullCharacter: idle,
      onWhitespaceCharacter: idle,
      onEof: idle,
    },
  );
  const internals = tokenizer as unknown as { _consume: () => number };
  const consume = internals._consume.bind(tokenizer);
  internals._consume = () => {
    step();
    return consume();
  };
  return tokenizer;
}
