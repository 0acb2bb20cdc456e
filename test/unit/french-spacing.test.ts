import { describe, expect, it } from 'vitest';
import { frenchSpacing, frenchSpacingOf } from '../../shared/domain/french-typography';

// Apart from french-typography.test.ts on purpose: the pages it imports typeset their texts while
// they load, so a mutant that breaks frenchSpacingOf fails that whole file before any test runs,
// which the mutation run cannot count (docs/testing.md). This file loads nothing else.
/** Rows the mutation run (docs/testing.md) showed unpinned: each mark, and each kind of table. */
describe('frenchSpacing and frenchSpacingOf, by value', () => {
  const NBSP = '\u00a0';
  const NNBSP = '\u202f';

  it.each([
    ['a no-break space before a colon', 'Note : lire', `Note${NBSP}: lire`],
    ['a narrow one before ; ! ?', 'a ; b ! c ?', `a${NNBSP}; b${NNBSP}! c${NNBSP}?`],
    ['no-break spaces inside « »', '« Offres »', `«${NBSP}Offres${NBSP}»`],
    [
      'every occurrence, not the first only',
      'a : b : « c » « d »',
      `a${NBSP}: b${NBSP}: «${NBSP}c${NBSP}» «${NBSP}d${NBSP}»`,
    ],
    ['nothing where no space was written', 'Yahoo! 10:30 «x»', 'Yahoo! 10:30 «x»'],
    ['only the space right before the mark', 'a  :', `a ${NBSP}:`],
  ])('French typography: %s', (_title, text, expected) => {
    expect(frenchSpacing(text)).toBe(expected);
  });

  it('French typography over a table: strings, functions and nested tables, keys kept', () => {
    const texts = frenchSpacingOf({
      title: 'Vos choix :',
      greet: (name: string, n: number) => `Bonjour ${name} ! (${n})`,
      nested: { deep: { ask: 'Sûr ?' } },
    });
    expect(texts.title).toBe(`Vos choix${NBSP}:`);
    expect(texts.greet('Alice', 2)).toBe(`Bonjour Alice${NNBSP}! (2)`);
    expect(texts.nested).toEqual({ deep: { ask: `Sûr${NNBSP}?` } });
    expect(Object.keys(texts)).toEqual(['title', 'greet', 'nested']);
    expect(frenchSpacingOf('Oui !')).toBe(`Oui${NNBSP}!`);
  });
});
