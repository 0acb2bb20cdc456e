import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type MarkupHandler,
  OUTSIDE_SUBSET,
  type ScannedTag,
  scanMarkup,
  scanWithParse5,
  type TextKind,
} from '../../shared/domain/html-markup-scanner';
import { MARKUP_PIECES } from '../support/markup-pieces';
import { NEWSLETTER_HTML } from '../support/newsletter-fixture';

/**
 * The splice path (R10) reads a newsletter with the markup scanner, and with parse5's tokenizer
 * only where the scanner steps aside. Wherever the scanner reads a document, it must report what
 * parse5 reports: every tag, attribute (decoded), text (decoded), DOCTYPE and every source offset
 * the splice path cuts at — for any input, however hostile.
 */
const SEED = Number(process.env.SPLICE_SEED ?? 14_003);
const RUNS = Number(process.env.SPLICE_RUNS ?? 400);

/** How each element's content is read, as the tree builder would switch the tokenizer. */
const KINDS: Record<string, TextKind> = {
  title: 'rcdata',
  textarea: 'rcdata',
  style: 'rawtext',
  xmp: 'rawtext',
  iframe: 'rawtext',
  noembed: 'rawtext',
  noframes: 'rawtext',
  script: 'script',
};

type Entry = readonly unknown[];

/** What `scan` reports for `html`, adjacent texts joined (parse5 splits them at white space). */
function trace(scan: (html: string, handler: MarkupHandler) => void, html: string): Entry[] {
  const entries: Entry[] = [];
  const tag = (kind: string, t: ScannedTag): Entry => [
    kind,
    t.tagName,
    t.location.startOffset,
    t.location.endOffset,
    t.attrs.map((a, i) => [a.name, a.value, t.attrLocations[i]!.startOffset, t.attrLocations[i]!.endOffset]),
  ];
  scan(html, {
    startTag: (t) => {
      entries.push(tag('start', t));
      return Object.hasOwn(KINDS, t.tagName) ? KINDS[t.tagName] : undefined;
    },
    endTag: (t) => entries.push(tag('end', t)),
    text: (chars, start, end, whitespace) => {
      const last = entries.at(-1);
      if (last?.[0] === 'text' && last[3] === start) {
        entries[entries.length - 1] = ['text', `${last[1]}${chars}`, last[2], end, last[4] && whitespace];
      } else entries.push(['text', chars, start, end, whitespace]);
    },
    nullCharacter: () => entries.push(['NUL']),
    doctype: () => entries.push(['doctype']),
    eof: () => entries.push(['eof']),
  });
  return entries;
}

/** The scanner's trace, or undefined where it steps aside (OUTSIDE_SUBSET). */
function scanned(html: string): Entry[] | undefined {
  try {
    return trace(scanMarkup, html);
  } catch (error) {
    if (error === OUTSIDE_SUBSET) return undefined;
    throw error;
  }
}

const same = (html: string) => {
  const mine = scanned(html);
  if (mine !== undefined) expect(mine, JSON.stringify(html)).toEqual(trace(scanWithParse5, html));
  return mine !== undefined;
};
const read = (html: string) => {
  expect(same(html), `read by the scanner: ${JSON.stringify(html)}`).toBe(true);
};
const steppedAside = (html: string) => {
  expect(scanned(html), JSON.stringify(html)).toBeUndefined();
};

/** The markup soup without what the scanner always steps aside from, and what newsletters write. */
const PLAIN_PIECES = [
  ...MARKUP_PIECES.filter((piece) => !['\0', '<!--<script>', '<plaintext>'].includes(piece)),
  '&amp',
  '&ampx',
  '&amp=',
  '&notit;',
  '&notin',
  '&#x110000;',
  '&#0;',
  '&#128;',
  '&#;',
  '&#x;',
  '</P >',
  '<p foo>',
  '</p foo="x">',
  '<?x>',
  '<!x>',
  '<A HREF="',
  '<br/>',
  '<a href=x/>',
  ' a="x"b="y"',
  ' style="color:red !important"',
  ' __proto__="p"',
  ' constructor=c',
  ' x',
  ' x = y',
  ' X="1" x="2"',
  ' dé="v"',
  '<!---->',
  '<!-- c -->',
  '<!doctype html public "-//W3C//DTD XHTML 1.0//EN" ">">',
  '<![CDATA[x]]>',
  '<!--[if mso]><table><![endif]-->',
  '<!--[if !mso]><!-->',
  '<!--<![endif]-->',
  '</SCRIPT >',
  '<iframe>',
  '</iframe>',
];
/** The run tokenizer's soup whole (NUL, <plaintext>…), the plain pieces and more the scanner steps aside from. */
const PIECES = [...MARKUP_PIECES, ...PLAIN_PIECES, '<!-->', '<!--->', '<a b=>', '</>'];
const soup = (pieces: string[]) =>
  fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((parts) => parts.join(''));

describe('the markup scanner reports what parse5 reports', () => {
  it('R10 the 47 KB newsletter is read by the scanner, with the same tokens and locations', () => {
    read(NEWSLETTER_HTML);
    expect(scanned(NEWSLETTER_HTML)!.length).toBeGreaterThan(500);
  });

  it.each([
    [
      'a document',
      '<!DOCTYPE html><html lang="fr"><head><title>A &amp; B</title></head><body><p>x</p></body></html>',
    ],
    ['references in text', 'a &amp; b &amp c &ampx d &notit; e &notin f &#x110000; g &#0; h &#128; i &#; j'],
    ['references in values', '<a b="&amp;" c="&amp" d="&ampx" e="&amp=" f=\'&notit;\' g=&lt; h="&#128;">'],
    ['CR LF and CR in text and values', 'a\r\nb\rc<p title="x\r\ny\rz" t=\'\r\'>\r\n</p>'],
    ['duplicate attributes, the first kept', '<p a="1" A="2" b a=3>'],
    [
      'a duplicate after more names than are looked through one by one',
      `<p ${Array.from({ length: 100 }, (_, i) => `a${i}="${i}"`).join(' ')} A5="x" a99=y a100>`,
    ],
    ['attribute names of Object.prototype', '<p __proto__="x" constructor="y" hasOwnProperty>'],
    ['uppercase and non-ASCII names', '<DIV Class="x" DÉ="y" ǅ="z"></DIV>'],
    ['unquoted values and slashes', '<a href=x/><br/><img / src=y / ><a b = c>'],
    ['values written without space between', '<p a="x"b="y"c=\'z\'>'],
    ['attributes in an end tag', '</p foo="bar" baz>'],
    ['bogus comments', 'a<?x>c<!x>d</1>e<![CDATA[x]]>f'],
    ['comments', '<!---->a<!-- a -- b -->b<!-- c --!>c<!-- <!-- d -->d<!-- e <!--> f<!-- g --!-->h'],
    [
      'MSO conditional comments',
      '<!--[if mso]><table><tr><td><![endif]--><p>x</p><!--[if !mso]><!--><b>y</b><!--<![endif]-->',
    ],
    ['a < that opens nothing', 'a < b <1 c <= d <'],
    [
      'a style, a script, a title, a textarea',
      '<style>a<b</p></style ><script>if(a<b&&c)"</p>"</SCRIPT><title>a&lt;b</title><textarea>x&amp;</textarea>',
    ],
    ['raw text with a look-alike end tag', '<style>a</stylex>b</style/></style>'],
    ['a DOCTYPE with a > in quotes', '<!DOCTYPE html SYSTEM "a>b">x'],
  ])('R10 %s: read by the scanner, the same reports', (_what, html) => {
    read(html);
  });

  it.each([
    ['a NUL in text', 'a\0b'],
    ['a NUL in a value', '<p a="\0">'],
    ['a NUL in raw text', '<style>\0</style>'],
    ['a NUL in a name', '<p\0>'],
    ['a tag cut by the end', '<p title="x'],
    ['a tag cut after its name', '<p'],
    ['a comment cut by the end', '<!-- x'],
    ['an abruptly closed comment', '<!-->x'],
    ['an abruptly closed comment with a dash', '<!--->x'],
    ['a quote in an attribute name', '<p a"b="c">'],
    ['a < in an attribute name', '<p a<b>'],
    ['a quote in an unquoted value', '<p a=b"c>'],
    ['a backtick in an unquoted value', '<p a=`b`>'],
    ['an = in an unquoted value', '<p a=b=c>'],
    ['an attribute with no value after =', '<p a=>'],
    ['an = where a name starts', '<p =a>'],
    ['a <!-- in a script', '<script><!-- x </script>'],
    ['an unclosed raw text', '<style>a'],
    ['a </ at the end', 'a</'],
    ['an empty end tag, which parse5 drops and reads the texts around as one', 'a</>b'],
  ])('R10 %s: stepped aside, read by parse5', (_what, html) => {
    steppedAside(html);
  });

  it('R10 property: plain markup is read by the scanner, most of it, with the same reports', () => {
    let read = 0;
    fc.assert(
      fc.property(soup(PLAIN_PIECES), (html) => {
        if (same(html)) read++;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The soup holds pieces the scanner steps aside from ("<a href=\"" unclosed, "<!--" unended):
    // a share read by it shows the comparison is made, not skipped.
    console.info(`markup scanner property: ${RUNS} documents, ${read} read by the scanner, seed ${SEED}`);
    expect(read).toBeGreaterThan(RUNS * 0.2);
  });

  it('R10 property: any soup, however hostile, is read the same or stepped aside', () => {
    fc.assert(
      fc.property(soup(PIECES), (html) => {
        same(html);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
