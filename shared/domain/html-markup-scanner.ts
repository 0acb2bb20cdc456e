import { decodeHTML, decodeHTMLAttribute } from 'entities/decode';
import { type Token, TokenizerMode } from 'parse5';
import { RunTokenizer } from './html-run-tokenizer';

/*
 * The tokens the splice path of inject-unsubscribe.ts follows (R10), read two ways: by a scanner
 * of the markup newsletters are written in (`scanMarkup`, below), which jumps from one `<` to the
 * next, and by parse5's WHATWG tokenizer (`scanWithParse5`), which reads every code point. The
 * scanner follows the WHATWG tokenizer's rules (HTML §13.2.5) only where markup is written the
 * plain way: tags with quoted, unquoted or missing attribute values, comments, a DOCTYPE, text,
 * and the raw text of <title>, <style> and <script>. On anything else — a NUL in a name, a value or
 * a text, a tag or comment
 * cut by the end of the input, an attribute name holding a quote or `<`, an unquoted value
 * holding a quote, `<`, `=` or a backtick, `<!-->`, `</>`, a `<!--` in a script, a `</` at the end — it
 * throws OUTSIDE_SUBSET and the caller reads the document with parse5 instead. Character
 * references are decoded by `entities`, the decoder parse5 itself is built on, in the mode parse5
 * uses for text and for attribute values. The property test in
 * test/unit/html-markup-scanner.test.ts gives both readers hostile input and compares every tag,
 * attribute, text and source offset wherever the scanner does not step aside.
 */

/** Thrown by `scanMarkup` for markup it does not read: the caller reads the document with parse5. */
export const OUTSIDE_SUBSET = Symbol('markup the scanner does not read');

/** Where a token or an attribute (its name to the end of its value) is in the source. */
export interface SourceRange {
  readonly startOffset: number;
  readonly endOffset: number;
}

/**
 * A start or end tag: its name, its attributes (the first of each name) and, at the same index,
 * where each is written (its name to the end of its value).
 */
export interface ScannedTag {
  readonly tagName: string;
  readonly attrs: readonly Token.Attribute[];
  readonly attrLocations: readonly SourceRange[];
  readonly location: SourceRange;
}

/** How an element's content is read until its end tag: RCDATA (<title>), RAWTEXT (<style>), script data. */
export type TextKind = 'rcdata' | 'rawtext' | 'script';

/** What a reader reports, in document order. `startTag` says when the element's content is text. */
export interface MarkupHandler {
  startTag(tag: ScannedTag): TextKind | undefined;
  endTag(tag: ScannedTag): void;
  /** Text between `start` and `end` in the source, decoded; `whitespace` when it is only white space. */
  text(chars: string, start: number, end: number, whitespace: boolean): void;
  nullCharacter(): void;
  doctype(): void;
  eof(): void;
}

const MODES: Record<TextKind, number> = {
  rcdata: TokenizerMode.RCDATA,
  rawtext: TokenizerMode.RAWTEXT,
  script: TokenizerMode.SCRIPT_DATA,
};

/** The same reports from parse5's tokenizer (reading runs at once: html-run-tokenizer.ts); comments dropped. */
export function scanWithParse5(html: string, handler: MarkupHandler): void {
  const tag = (token: Token.TagToken): ScannedTag => {
    // Always set: the tokenizer runs with source locations.
    const location = token.location!;
    // Every attribute the tokenizer kept (the first of its name) has its location.
    const attrLocations = token.attrs.map((a) => location.attrs![a.name]!);
    return { tagName: token.tagName, attrs: token.attrs, attrLocations, location };
  };
  const text = (token: Token.CharacterToken, whitespace: boolean) => {
    const location = token.location!;
    handler.text(token.chars, location.startOffset, location.endOffset, whitespace);
  };
  const tokenizer = new RunTokenizer(
    { sourceCodeLocationInfo: true },
    {
      onStartTag: (token) => {
        const kind = handler.startTag(tag(token));
        if (kind !== undefined) tokenizer.state = MODES[kind] as RunTokenizer['state'];
      },
      onEndTag: (token) => handler.endTag(tag(token)),
      onCharacter: (token) => text(token, false),
      onWhitespaceCharacter: (token) => text(token, true),
      onNullCharacter: () => handler.nullCharacter(),
      onComment: () => undefined,
      onDoctype: () => handler.doctype(),
      onEof: () => handler.eof(),
    },
  );
  tokenizer.write(html, true);
}

/** What a value or a text is read differently for: a reference, a CR (the preprocessor's), a NUL. */
const NOT_AS_WRITTEN = /[&\r\0]/;
const ALL_SPACE = /^[\t\n\f\r ]*$/;
const NON_ASCII = /[^\0-\x7f]/;

/** Names are lowercased in ASCII only, as the tokenizer does. */
function lower(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) {
      return NON_ASCII.test(name) ? name.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : name.toLowerCase();
    }
  }
  return name;
}

/**
 * `raw` as the tokenizer gives it: CR LF and CR alone turned into LF (the preprocessor, HTML
 * §13.2.3.5), then character references decoded as in text or in an attribute value (`mode`), or
 * none (raw text). A NUL is left to parse5.
 */
function decoded(raw: string, mode: 'text' | 'attribute' | undefined): string {
  if (!NOT_AS_WRITTEN.test(raw)) return raw;
  if (raw.includes('\0')) throw OUTSIDE_SUBSET;
  const lines = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  if (mode === undefined || !lines.includes('&')) return lines;
  return mode === 'text' ? decodeHTML(lines) : decodeHTMLAttribute(lines);
}
const isAsciiAlpha = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const CLOSES_RAW_TEXT = /[\t\n\f\r />]/;

/** White space in a tag (CR counts: the preprocessor turns it into LF). */
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d;

function skipSpace(html: string, at: number): number {
  while (isSpace(html.charCodeAt(at))) at++;
  return at;
}

/**
 * The end of a tag's or an attribute's name from `at`: white space, "/", ">", the end of input,
 * or "=" for an attribute (HTML §13.2.5.8, 33). A quote, `<` (parse errors) or a NUL (replaced)
 * in it: left to parse5.
 */
function nameEnd(html: string, at: number, attribute: boolean): number {
  for (; ; at++) {
    const c = html.charCodeAt(at);
    if (isSpace(c) || c === 0x2f || c === 0x3e || (attribute && c === 0x3d) || Number.isNaN(c)) return at;
    if (c === 0x22 || c === 0x27 || c === 0x3c || c === 0) throw OUTSIDE_SUBSET;
  }
}

/**
 * The end of an unquoted value from `at`: white space, ">" or the end of input (§13.2.5.38). A
 * quote, `<`, `=`, a backtick (parse errors) or a NUL in it: left to parse5.
 */
function unquotedEnd(html: string, at: number): number {
  for (; ; at++) {
    const c = html.charCodeAt(at);
    if (isSpace(c) || c === 0x3e || Number.isNaN(c)) return at;
    if (c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3d || c === 0x60 || c === 0) throw OUTSIDE_SUBSET;
  }
}

const NAME_SET_THRESHOLD = 64;

/** The tag whose `<` is at `start`, its name from `nameStart`: attributes read to the closing `>`. */
function readTag(html: string, start: number, nameStart: number): ScannedTag {
  const name = html.slice(nameStart, nameEnd(html, nameStart, false));
  const attrs: Token.Attribute[] = [];
  const attrLocations: SourceRange[] = [];
  let names: Set<string> | undefined;
  let at = nameStart + name.length;
  for (;;) {
    at = skipSpace(html, at);
    const c = html.charCodeAt(at);
    if (c === 0x3e) break; // ">"
    // "/": self-closing before ">", otherwise ignored (a parse error); the end of input inside a
    // tag, and "=" where a name starts, are left to parse5.
    if (c === 0x2f) {
      at++;
      continue;
    }
    if (Number.isNaN(c) || c === 0x3d) throw OUTSIDE_SUBSET;
    const attributeStart = at;
    at = nameEnd(html, at, true);
    const rawName = html.slice(attributeStart, at);
    let value = '';
    const afterName = skipSpace(html, at);
    if (html.charCodeAt(afterName) === 0x3d) {
      at = skipSpace(html, afterName + 1);
      const quote = html.charCodeAt(at);
      let raw: string;
      if (quote === 0x22 || quote === 0x27) {
        const close = html.indexOf(quote === 0x22 ? '"' : "'", at + 1);
        if (close < 0) throw OUTSIDE_SUBSET;
        raw = html.slice(at + 1, close);
        at = close + 1;
      } else {
        const end = unquotedEnd(html, at);
        // ">" or the end of input where a value should be: left to parse5.
        if (end === at) throw OUTSIDE_SUBSET;
        raw = html.slice(at, end);
        at = end;
      }
      value = decoded(raw, 'attribute');
    }
    const attributeName = lower(rawName);
    // A name already read is a duplicate, dropped (a parse error). Tags hold a few attributes,
    // looked through; past NAME_SET_THRESHOLD names a set is kept, so that a hostile tag with
    // thousands of names costs no more than parse5 (which does the same).
    if (names === undefined && attrs.length === NAME_SET_THRESHOLD) names = new Set(attrs.map((a) => a.name));
    if (names === undefined ? !attrs.some((a) => a.name === attributeName) : !names.has(attributeName)) {
      names?.add(attributeName);
      attrs.push({ name: attributeName, value });
      attrLocations.push({ startOffset: attributeStart, endOffset: at });
    }
  }
  return { tagName: lower(name), attrs, attrLocations, location: { startOffset: start, endOffset: at + 1 } };
}

/** Text between `start` and `end`, decoded as in data or RCDATA (`references`) or as is. */
function reportText(
  html: string,
  start: number,
  end: number,
  references: boolean,
  handler: MarkupHandler,
): void {
  if (end <= start) return;
  const raw = html.slice(start, end);
  handler.text(decoded(raw, references ? 'text' : undefined), start, end, ALL_SPACE.test(raw));
}

/** The end of a (bogus) comment from `from`: the next `>`. */
function bogusCommentEnd(html: string, from: number): number {
  const end = html.indexOf('>', from);
  if (end < 0) throw OUTSIDE_SUBSET;
  return end + 1;
}

/** After `<!` at `start`: a comment, a DOCTYPE or a bogus comment; the offset after it. */
function markupDeclarationEnd(html: string, start: number, handler: MarkupHandler): number {
  if (html.startsWith('--', start + 2)) {
    const from = start + 4;
    // "<!-->" and "<!--->" close at once (a parse error): left to parse5.
    if (html.startsWith('>', from) || html.startsWith('->', from)) throw OUTSIDE_SUBSET;
    // The comment ends at the first "-->" or "--!>" (a parse error), looked for up to the first "-->" only.
    const dashes = html.indexOf('-->', from);
    const bang = (dashes < 0 ? html.slice(from) : html.slice(from, dashes + 3)).indexOf('--!>');
    if (bang >= 0) return from + bang + 4;
    if (dashes < 0) throw OUTSIDE_SUBSET;
    return dashes + 3;
  }
  if (lower(html.slice(start + 2, start + 9)) === 'doctype') {
    // Every DOCTYPE state ends the token at the first ">", quoted identifiers included.
    const end = bogusCommentEnd(html, start + 9);
    handler.doctype();
    return end;
  }
  return bogusCommentEnd(html, start + 2);
}

/** The content of the element `name` read as `kind` from `from`, then its end tag; the offset after it. */
function rawTextEnd(
  html: string,
  from: number,
  name: string,
  kind: TextKind,
  handler: MarkupHandler,
): number {
  let end = html.indexOf('</', from);
  for (; end >= 0; end = html.indexOf('</', end + 2)) {
    const after = end + 2 + name.length;
    if (lower(html.slice(end + 2, after)) === name && CLOSES_RAW_TEXT.test(html.charAt(after))) break;
  }
  if (end < 0) throw OUTSIDE_SUBSET;
  // "<!--" in a script opens its escaped states, where "</script>" may not end it.
  if (kind === 'script' && html.slice(from, end).includes('<!--')) throw OUTSIDE_SUBSET;
  reportText(html, from, end, kind === 'rcdata', handler);
  const tag = readTag(html, end, end + 2);
  handler.endTag(tag);
  return tag.location.endOffset;
}

/**
 * The tokens of `html` as parse5's tokenizer reads them (comments dropped, text given in runs
 * between markup rather than split at white space), or OUTSIDE_SUBSET thrown before any report
 * that parse5 would make differently.
 */
export function scanMarkup(html: string, handler: MarkupHandler): void {
  let textStart = 0;
  let at = 0;
  for (let lt = html.indexOf('<'); lt >= 0 && lt + 1 < html.length; lt = html.indexOf('<', at)) {
    const c = html.charCodeAt(lt + 1);
    if (isAsciiAlpha(c)) {
      reportText(html, textStart, lt, true, handler);
      const tag = readTag(html, lt, lt + 1);
      const kind = handler.startTag(tag);
      at = tag.location.endOffset;
      if (kind !== undefined) at = rawTextEnd(html, at, tag.tagName, kind, handler);
    } else if (c === 0x2f) {
      // "</"
      const next = html.charCodeAt(lt + 2);
      if (Number.isNaN(next)) throw OUTSIDE_SUBSET;
      reportText(html, textStart, lt, true, handler);
      if (isAsciiAlpha(next)) {
        const tag = readTag(html, lt, lt + 2);
        handler.endTag(tag);
        at = tag.location.endOffset;
      } else if (next === 0x3e) {
        // "</>" is dropped, and parse5 gives the texts around it as one: left to parse5.
        throw OUTSIDE_SUBSET;
      } else at = bogusCommentEnd(html, lt + 2);
    } else if (c === 0x21) {
      reportText(html, textStart, lt, true, handler);
      at = markupDeclarationEnd(html, lt, handler);
    } else if (c === 0x3f) {
      reportText(html, textStart, lt, true, handler);
      at = bogusCommentEnd(html, lt + 1);
    } else {
      // A "<" that opens nothing is text.
      at = lt + 1;
      continue;
    }
    textStart = at;
  }
  reportText(html, textStart, html.length, true, handler);
  handler.eof();
}
