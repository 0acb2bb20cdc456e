/**
 * French typography for the text a recipient reads: a no-break space before « : » and
 * inside « », a narrow no-break space before « ; ! ? », so that a line never starts with
 * the punctuation mark. Only a space already written before the mark is replaced: a
 * brand such as "Yahoo!" stays as it is. Pure text, no HTML: apply it to the strings the
 * pages and emails are made of, before markup and never to the tenant's own wordings,
 * which are shown exactly as stored (R3).
 */
const NO_BREAK_SPACE = '\u00a0';
const NARROW_NO_BREAK_SPACE = '\u202f';

export function frenchSpacing(text: string): string {
  return text
    .replace(/ :/g, `${NO_BREAK_SPACE}:`)
    .replace(/ ([;!?])/g, `${NARROW_NO_BREAK_SPACE}$1`)
    .replace(/« /g, `«${NO_BREAK_SPACE}`)
    .replace(/ »/g, `${NO_BREAK_SPACE}»`);
}

/** The same, over a table of strings and of functions returning strings (the pages' texts). */
export type Typeset<T> = T extends string
  ? string
  : T extends (...args: infer A) => string
    ? (...args: A) => string
    : { readonly [K in keyof T]: Typeset<T[K]> };

export function frenchSpacingOf<T>(texts: T): Typeset<T> {
  if (typeof texts === 'string') return frenchSpacing(texts) as Typeset<T>;
  if (typeof texts === 'function') {
    const f = texts as (...args: unknown[]) => string;
    return ((...args: unknown[]) => frenchSpacing(f(...args))) as Typeset<T>;
  }
  return Object.fromEntries(
    Object.entries(texts as Record<string, unknown>).map(([k, v]) => [k, frenchSpacingOf(v)]),
  ) as Typeset<T>;
}
