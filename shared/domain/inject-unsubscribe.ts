import {
  defaultTreeAdapter as adapter,
  html as HTML,
  parse,
  serialize,
  type DefaultTreeAdapterTypes as T,
  type Token,
  Tokenizer,
} from 'parse5';
import {
  type MarkupHandler,
  OUTSIDE_SUBSET,
  type ScannedTag,
  scanMarkup,
  scanWithParse5,
  type TextKind,
} from './html-markup-scanner';

/**
 * R10: every marketing email carries a visible unsubscribe link in its HTML and text
 * parts. The gateway's own footer is ALWAYS added, last in the body, styled inline with
 * `!important` so that no sender style sheet can hide it; a sender's `{{unsubscribe_url}}`
 * placeholder is filled in and may add a link of their own, never replace the footer.
 * HTML goes through a real parser (parse5, the WHATWG algorithm browsers use), so the
 * output is a well-formed document whatever the input.
 */
export const PLACEHOLDER = '{{unsubscribe_url}}';

/** A link the gateway guarantees in a message: its placeholder (plain and URL-encoded) and its footer label. */
export interface LinkSpec {
  readonly forms: readonly string[];
  readonly labelFr: string;
  readonly labelEn: string;
}

function placeholderForms(placeholder: string): string[] {
  return [placeholder, encodeURI(placeholder), encodeURI(placeholder).toLowerCase()];
}

export const UNSUBSCRIBE_LINK: LinkSpec = {
  forms: placeholderForms(PLACEHOLDER),
  labelFr: 'Se désinscrire',
  labelEn: 'Unsubscribe',
};

/** R13: a repermission message links to the consent page, placed like the unsubscribe link. */
export const CONSENT_LINK: LinkSpec = {
  forms: placeholderForms('{{consent_url}}'),
  labelFr: 'Donner mon accord',
  labelEn: 'Give my consent',
};

/**
 * R10: HTML or text the gateway refuses to carry its link in: a frameset document (no body
 * to show it), markup nested deeper than it walks, more placeholders than a message needs.
 * `problem` says what is wrong without naming the field, so that each edge names its own
 * (`html`, `Content.Simple.Body.Html`, a MIME part).
 */
export class LinkPlacementError extends Error {
  override name = 'LinkPlacementError';
  constructor(
    readonly problem: string,
    part: 'HTML' | 'text' = 'HTML',
  ) {
    super(`The ${part} ${problem}`);
  }
}

export const FRAMESET_PROBLEM = 'is a frameset document: it has no body to show the unsubscribe link (R10)';

/**
 * R10: the deepest element nesting accepted. Chromium's HTML parser nests no deeper than
 * 512 either (deeper elements become siblings there), so a deeper document would not even
 * render as written. The walk below is iterative, so the limit is not about the call stack:
 * it bounds the work per message and refuses markup built to break parsers.
 */
export const MAX_HTML_DEPTH = 512;
/** R10: placeholders filled per part; more than this is a body built to grow the message, not to link it. */
export const MAX_PLACEHOLDERS = 100;

const tooDeep = (depth: number) =>
  `nests elements more than ${MAX_HTML_DEPTH} levels deep (${depth} reached); flatten the markup (R10)`;
const tooManyPlaceholders = (count: number) =>
  `contains ${count} link placeholders; at most ${MAX_PLACEHOLDERS} are filled per part (R10)`;

function replaceAll(value: string, url: string, link: LinkSpec): { value: string; count: number } {
  let count = 0;
  let out = value;
  for (const form of link.forms) {
    const parts = out.split(form);
    count += parts.length - 1;
    out = parts.join(url);
  }
  return { value: out, count };
}

/**
 * Mail clients run no scripts, so the document is parsed (and serialised) as a browser with
 * scripting disabled reads it: `<noscript>` holds markup, not text.
 */
const PARSE = { scriptingEnabled: false } as const;

/**
 * R10: the footer link and the guard sheet, placed in `html`. A document whose markup
 * the splice path below can follow token by token keeps its own bytes, with the guard sheet,
 * the footer and the filled placeholders spliced in at the tokenizer's offsets (one tokenizer
 * pass, no tree, no serialisation); every other document goes through the full parse and
 * re-serialisation, whose output is checked by parsing it again. Both give the same document
 * as parsed (the property test in test/unit/inject-unsubscribe-splice.test.ts).
 */
export function injectIntoHtml(html: string, url: string, link: LinkSpec = UNSUBSCRIBE_LINK): string {
  return injectBySplicing(html, url, link) ?? injectByReserialising(html, url, link);
}

export function injectByReserialising(html: string, url: string, link: LinkSpec): string {
  const document = parse(html, PARSE);
  let placeholders = 0;
  // Iterative on purpose: a recursive walk overflowed the call stack on 6,000 nested <div>.
  const stack: { node: T.ParentNode; depth: number }[] = [{ node: document, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    for (const child of top.node.childNodes) {
      if (adapter.isTextNode(child)) {
        const r = replaceAll(child.value, url, link);
        child.value = r.value;
        placeholders += r.count;
        // A script left in its double-escaped state (`<!--<script` never closed) would swallow
        // the footer when the output is parsed again; mail clients never run it anyway.
        if (top.node.nodeName === 'script') child.value = child.value.split('<!--').join('<\\!--');
      } else if (adapter.isElementNode(child)) {
        const depth = top.depth + 1;
        if (depth > MAX_HTML_DEPTH) throw new LinkPlacementError(tooDeep(depth));
        for (const attr of child.attrs) {
          const r = replaceAll(attr.value, url, link);
          attr.value = r.value;
          placeholders += r.count;
        }
        // `<plaintext>` has no end tag: parsed again, it would turn the footer into text.
        if (child.tagName === 'plaintext') Object.assign(child, { tagName: 'pre', nodeName: 'pre' });
        const inner = child.tagName === 'template' ? adapter.getTemplateContent(child as T.Template) : child;
        stack.push({ node: inner, depth });
      }
    }
  }
  if (placeholders > MAX_PLACEHOLDERS) throw new LinkPlacementError(tooManyPlaceholders(placeholders));
  // R10 as amended: the footer is always added; a placeholder adds a link, never replaces it.
  appendFooter(document, url, link);
  const out = serialize(document, PARSE);
  if (!footerSurvives(out, url)) {
    throw new LinkPlacementError(
      'is markup that a mail client would read differently once the footer is added: the unsubscribe link cannot be placed (R10)',
    );
  }
  return out;
}

/** The body of a parsed document: parse5 always builds html > (head, body | frameset). */
function findBody(document: T.Document): T.Element | undefined {
  const root = document.childNodes.find(
    (n): n is T.Element => adapter.isElementNode(n) && n.tagName === 'html',
  );
  return root?.childNodes.find((n): n is T.Element => adapter.isElementNode(n) && n.tagName === 'body');
}

const FRAMESET_TAG = /<frameset/i;

/**
 * Whether a footer link can be placed: the parser creates a body for every document but a
 * frameset one, and only a `<frameset` start tag makes one. Without that text there is
 * nothing to parse here: the request schema calls this on every HTML body, and the
 * injection parses it before the decision is audited.
 */
export function htmlCanShowLink(html: string): boolean {
  // Tag names are lowercased in ASCII only, so an ASCII case-insensitive search finds every
  // `<frameset` the parser can see, without the copy of the whole body that toLowerCase makes.
  if (!FRAMESET_TAG.test(html)) return true;
  return findBody(parse(html, PARSE)) !== undefined;
}

/** Marks the gateway's footer and its style sheet; the guard rules and the safety check find them by it. */
export const FOOTER_ATTRIBUTE = 'data-consent-gate';

const important = (declarations: Record<string, string>) =>
  Object.entries(declarations)
    .map(([property, value]) => `${property}:${value} !important`)
    .join(';');

/**
 * R10: every property a sender's CSS could use to hide, shrink, move, clip, cover or fade
 * the footer, set inline with `!important`. An inline `!important` declaration wins over
 * every author style-sheet rule, `!important` ones included (CSS Cascade 5 §6.2: element-
 * attached styles are compared before layers and specificity), and the footer is the last
 * child of <body>, outside any sender element (an unclosed hidden <div> cannot contain it),
 * above any sender overlay of equal z-index (it comes later in tree order).
 */
const BOX = {
  display: 'block',
  visibility: 'visible',
  opacity: '1',
  position: 'relative',
  'z-index': '2147483647',
  top: 'auto',
  right: 'auto',
  bottom: 'auto',
  left: 'auto',
  float: 'none',
  clear: 'both',
  transform: 'none',
  filter: 'none',
  'clip-path': 'none',
  clip: 'auto',
  mask: 'none',
  'mix-blend-mode': 'normal',
  'content-visibility': 'visible',
  zoom: '1',
  width: 'auto',
  'min-width': '0',
  'max-width': 'none',
  height: 'auto',
  'min-height': '0',
  'max-height': 'none',
  overflow: 'visible',
  margin: '24px 0 0 0',
  padding: '12px 8px',
  border: '0',
  outline: '0',
  'box-shadow': 'none',
  background: '#ffffff',
  color: '#222222',
  '-webkit-text-fill-color': '#222222',
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
  'text-shadow': 'none',
  'white-space': 'normal',
  direction: 'ltr',
  'writing-mode': 'horizontal-tb',
  'pointer-events': 'auto',
};
/** The link itself: the same guard, dark blue underlined on the footer's white (contrast 8.6:1). */
const LINK = {
  ...BOX,
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
const FOOTER_STYLE = important(BOX);
const LINK_STYLE = important(LINK);

/**
 * What inline styles cannot reach: pseudo-elements (an `::after` overlay on the footer or
 * on <body>, a `::first-letter` shrunk to nothing) and the footer's ancestors <html> and
 * <body> (`* { opacity: 0 !important }` fades every descendant). In the first layer of a
 * style sheet placed first in <head>: for `!important` declarations the first-declared
 * layer wins over every later layer and over unlayered rules (CSS Cascade 5 §6.4), so no
 * sender sheet can override it; the same rules unlayered serve clients without @layer.
 */
const F = `[${FOOTER_ATTRIBUTE}=footer]`;
const GUARD_RULES = [
  `html,body{${important({ display: 'block', visibility: 'visible', opacity: '1', filter: 'none', transform: 'none', 'clip-path': 'none', mask: 'none', position: 'static', overflow: 'visible', 'max-height': 'none', 'content-visibility': 'visible', zoom: '1' })}}`,
  `html::before,html::after,body::before,body::after,${F}::before,${F}::after,${F} *::before,${F} *::after{${important({ content: 'none', display: 'none' })}}`,
  `${F}::first-letter,${F} *::first-letter,${F}::first-line,${F} *::first-line{${important({ 'font-size': 'inherit', 'line-height': 'inherit', color: 'inherit', '-webkit-text-fill-color': 'inherit', 'text-shadow': 'none', 'letter-spacing': 'normal' })}}`,
].join('');
const GUARD_SHEET = `@layer consent-gate-footer{${GUARD_RULES}}${GUARD_RULES}`;

/**
 * An inline `!important` on <html> or <body> would beat the guard sheet (inline wins even
 * over the first layer); such a style attribute is dropped (R10). Inline styles without
 * `!important` stay: the sheet's `!important` rules win over them.
 */
function dropImportantStyle(element: T.Element): void {
  element.attrs = element.attrs.filter((a) => !(a.name === 'style' && a.value.includes('!')));
}

function appendFooter(document: T.Document, url: string, spec: LinkSpec): void {
  const body = findBody(document);
  if (body === undefined) throw new LinkPlacementError(FRAMESET_PROBLEM);
  const root = body.parentNode as T.Element;
  const head = root.childNodes.find((n): n is T.Element => adapter.isElementNode(n) && n.tagName === 'head');
  dropImportantStyle(root);
  dropImportantStyle(body);
  if (head !== undefined) {
    const sheet = adapter.createElement('style', HTML.NS.HTML, [{ name: FOOTER_ATTRIBUTE, value: 'guard' }]);
    adapter.insertText(sheet, GUARD_SHEET);
    const first = head.childNodes[0];
    if (first === undefined) adapter.appendChild(head, sheet);
    else adapter.insertBefore(head, sheet, first);
  }
  const footer = adapter.createElement('div', HTML.NS.HTML, [
    { name: FOOTER_ATTRIBUTE, value: 'footer' },
    { name: 'style', value: FOOTER_STYLE },
  ]);
  const link = adapter.createElement('a', HTML.NS.HTML, [
    { name: 'href', value: url },
    { name: 'style', value: LINK_STYLE },
  ]);
  adapter.insertText(link, `${spec.labelFr} · ${spec.labelEn}`);
  adapter.appendChild(footer, link);
  adapter.appendChild(body, footer);
}

/**
 * The safety net: parsed again as a mail client will, the footer must still be the last
 * element of <body> with its link. Namespace tricks (`<svg>`, `<math>`, `<form>` nesting)
 * can make a serialised document parse differently; such markup is refused, not sent with
 * a link that may be swallowed. Exported for its unit rows: parse5's serialiser round-trips
 * every document found so far, so no input reaches the refusal through injectIntoHtml.
 */
export function footerSurvives(html: string, url: string): boolean {
  const body = findBody(parse(html, PARSE));
  const last = body?.childNodes.filter((n) => adapter.isElementNode(n)).at(-1) as T.Element | undefined;
  if (last === undefined || last.tagName !== 'div' || last.namespaceURI !== HTML.NS.HTML) return false;
  if (!last.attrs.some((a) => a.name === FOOTER_ATTRIBUTE && a.value === 'footer')) return false;
  const link = last.childNodes[0];
  return (
    link !== undefined &&
    adapter.isElementNode(link) &&
    link.tagName === 'a' &&
    link.attrs.some((a) => a.name === 'href' && a.value === url) &&
    link.attrs.some((a) => a.name === 'style' && a.value === LINK_STYLE)
  );
}

export function injectIntoText(text: string, url: string, link: LinkSpec = UNSUBSCRIBE_LINK): string {
  const r = replaceAll(text, url, link);
  if (r.count > MAX_PLACEHOLDERS) throw new LinkPlacementError(tooManyPlaceholders(r.count), 'text');
  // R10 as amended: the footer line is always appended; a placeholder adds a link, never replaces it.
  const separator = r.value.endsWith('\n') ? '\n' : '\n\n';
  return `${r.value}${separator}--\n${link.labelFr} / ${link.labelEn}: ${url}\n`;
}

/**
 * RFC 2369 and RFC 8058 headers for one-click unsubscribe; with `mailto` (an address, see
 * mailto-unsubscribe.ts) List-Unsubscribe also offers it, after the https link (RFC 2369 §2).
 */
export function unsubscribeHeaders(url: string, mailto?: string): { name: string; value: string }[] {
  return [
    { name: 'List-Unsubscribe', value: mailto === undefined ? `<${url}>` : `<${url}>, <mailto:${mailto}>` },
    { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
  ];
}

/**
 * R15: senders may link the preference centre with `{{preferences_url}}` (in HTML and
 * text). The URL is built from the API's base URL and a base64url token, so it needs no
 * escaping inside an attribute; the encoded forms cover editors that URL-encode hrefs.
 */
export const PREFERENCES_PLACEHOLDER = '{{preferences_url}}';
const PREFERENCES_FORMS = [
  PREFERENCES_PLACEHOLDER,
  encodeURI(PREFERENCES_PLACEHOLDER),
  '%7b%7bpreferences_url%7d%7d',
];

export function injectPreferencesUrl(content: string, url: string): string {
  let out = content;
  for (const form of PREFERENCES_FORMS) out = out.split(form).join(url);
  return out;
}

/*
 * The splice path. One pass of parse5's tokenizer (the WHATWG one the full path
 * uses) drives a model of the tree builder that knows only the markup newsletters are made
 * of: properly nested elements, tables written out, a <head> or none at all. Whenever a token
 * would make the real tree builder do more than open or close the current element (close a
 * <p> implicitly, foster-parent, adopt attributes, reconstruct formatting elements, enter
 * foreign content…), the model gives up and the full path runs instead. So when it reaches
 * the end of <body>, the stack of open elements is exactly html > body and no formatting
 * element is pending: the footer spliced there is parsed as the last child of <body>, outside
 * every sender element, exactly as the full path appends it (R10).
 */

/** Thrown by the model to leave the tokenizer's loop: the full path takes the document. */
const GIVE_UP = Symbol('give up');
/**
 * Thrown where the model gave up on what depends on how a text is cut: a placeholder in a text
 * that also holds a `<` opening nothing. The scanner reads text up to the next markup, parse5 up to
 * the next white space too, so parse5's tokens may splice it.
 */
const TEXT_HOLDS_LT = Symbol('a placeholder in a text holding a <');
/** What the splice path over the scanner answers when parse5's tokenizer may splice the document. */
const READ_WITH_PARSE5 = Symbol('read with parse5');

/** Start tags the model never follows (each does more than open an element: see the comment above). */
const UNFOLLOWED = new Set([
  'html',
  'body',
  'head',
  'frameset',
  'frame',
  'form',
  'plaintext',
  'applet',
  'marquee',
  'object',
  'image',
  'textarea',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'select',
  'optgroup',
  'option',
  'rb',
  'rtc',
  'rp',
  'rt',
  'math',
  'svg',
  'template',
  'caption',
  'col',
  'colgroup',
  'tbody',
  'thead',
  'tfoot',
  'tr',
  'td',
  'th',
  'isindex',
  'menuitem',
]);
/** Elements with no content: the tree builder inserts and pops them at once. */
const VOID = new Set([
  'area',
  'br',
  'embed',
  'img',
  'keygen',
  'wbr',
  'input',
  'param',
  'source',
  'track',
  'base',
  'basefont',
  'bgsound',
  'link',
  'meta',
]);
/** Start tags that close an open <p> first (the model gives up when one is open). */
const CLOSES_P = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'center',
  'details',
  'dialog',
  'dir',
  'div',
  'dl',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'header',
  'hgroup',
  'main',
  'menu',
  'nav',
  'ol',
  'p',
  'search',
  'section',
  'summary',
  'ul',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'pre',
  'listing',
  'li',
  'dd',
  'dt',
  'table',
  'hr',
]);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
/** Elements whose text the tokenizer reads in another state; the next tag token is their end tag. */
const TEXT_STATE: Record<string, TextKind> = {
  title: 'rcdata',
  style: 'rawtext',
  script: 'script',
};
const TABLE_SECTIONS = new Set(['tbody', 'thead', 'tfoot']);
/** A <tbody> the tree builder implies for a <tr> written straight in <table>. */
const IMPLIED_TBODY = '#tbody';
/** Characters a URL may hold to be written as is in text and in any attribute form. */
const PLAIN_URL = /^[A-Za-z0-9\-._~:/?#[\]@!$()*+,;=%]*$/;
const HTML_SPACE = /^[\t\n\f\r ]*$/;

type Mode = 'initial' | 'before html' | 'before head' | 'in head' | 'after head' | 'in body' | 'after body';

interface Edit {
  readonly at: number;
  readonly end: number;
  readonly text: string;
}

const escapeText = (value: string) =>
  value
    .replaceAll('&', '&amp;')
    .replaceAll('\u00a0', '&nbsp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');

const GUARD_ELEMENT = `<style ${FOOTER_ATTRIBUTE}="guard">${GUARD_SHEET}</style>`;

/**
 * The footer as the serialiser writes it: built as a string, never parsed. The URL is written as
 * is: the splice path only takes a PLAIN_URL, which holds nothing an attribute would escape.
 */
function footerMarkup(url: string, spec: LinkSpec): string {
  return (
    `<div ${FOOTER_ATTRIBUTE}="footer" style="${FOOTER_STYLE}"><a href="${url}" ` +
    `style="${LINK_STYLE}">${escapeText(`${spec.labelFr} · ${spec.labelEn}`)}</a></div>`
  );
}

function countForms(value: string, forms: readonly string[]): number {
  let count = 0;
  for (const form of forms) {
    for (let at = value.indexOf(form); at >= 0; at = value.indexOf(form, at + form.length)) count++;
  }
  return count;
}

/**
 * Every form of the placeholder in `html[start, end)`, to be replaced by `url`: only when they
 * are exactly the ones of the decoded `value` (none written as character references) and none
 * follows a letter, a digit, `&` or `;`, which a character reference could have read differently
 * with the URL after it.
 */
function placeholderEdits(
  html: string,
  start: number,
  end: number,
  value: string,
  url: string,
  link: LinkSpec,
  edits: Edit[],
): number {
  // The callers only come here for a value that holds a form (count > 0).
  const count = countForms(value, link.forms);
  const raw = html.slice(start, end);
  if (countForms(raw, link.forms) !== count) throw GIVE_UP;
  for (const form of link.forms) {
    for (let at = raw.indexOf(form); at >= 0; at = raw.indexOf(form, at + form.length)) {
      if (/[A-Za-z0-9&;]/.test(html.charAt(start + at - 1))) throw GIVE_UP;
      edits.push({ at: start + at, end: start + at + form.length, text: url });
    }
  }
  return count;
}

/**
 * R10: an inline `!important` on <html> or <body> would beat the guard sheet: the `style`
 * attribute is cut out of the start tag with the spaces before it, and the tag, tokenized
 * again, must hold the other attributes and nothing else.
 */
function dropImportantStyleAttribute(html: string, token: ScannedTag, edits: Edit[]): void {
  const index = token.attrs.findIndex((a) => a.name === 'style');
  if (index < 0 || !token.attrs[index]!.value.includes('!')) return;
  const tag = token.location;
  const at = token.attrLocations[index]!;
  let start = at.startOffset;
  // The tag starts with "<": the spaces before the attribute end there.
  while (/[\t\n\f\r ]/.test(html.charAt(start - 1))) start--;
  const rewritten = html.slice(tag.startOffset, start) + html.slice(at.endOffset, tag.endOffset);
  const others = token.attrs.filter((a) => a.name !== 'style');
  const again = startTagAttributes(rewritten);
  if (
    again === undefined ||
    again.length !== others.length ||
    again.some((a, i) => a.name !== others[i]!.name || a.value !== others[i]!.value)
  ) {
    throw GIVE_UP;
  }
  edits.push({ at: start, end: at.endOffset, text: '' });
}

/** The attributes of the one start tag `tag` is, or undefined when it is anything else. */
function startTagAttributes(tag: string): Token.Attribute[] | undefined {
  const tokens: Token.TagToken[] = [];
  let other = 0;
  const count = () => {
    other++;
  };
  const tokenizer = new Tokenizer(
    { sourceCodeLocationInfo: false },
    {
      onStartTag: (t) => {
        tokens.push(t);
      },
      onEndTag: count,
      onComment: count,
      onDoctype: count,
      onCharacter: count,
      onNullCharacter: count,
      onWhitespaceCharacter: count,
      onEof: () => undefined,
    },
  );
  tokenizer.write(tag, true);
  return tokens.length === 1 && other === 0 ? tokens[0]!.attrs : undefined;
}

/** The model's reasons to give up on a start tag in body (see the comment above the path). */
function followStartTagInBody(name: string, open: readonly string[]): boolean {
  // Its caller follows a table's own structure apart: `top` is never a table, a section or a row here.
  const top = open.at(-1);
  if (UNFOLLOWED.has(name)) return false;
  if (CLOSES_P.has(name) && open.includes('p')) return false;
  if (HEADINGS.has(name) && top !== undefined && HEADINGS.has(top)) return false;
  if (
    (name === 'li' || name === 'dd' || name === 'dt') &&
    open.some((e) => e === 'li' || e === 'dd' || e === 'dt')
  ) {
    return false;
  }
  // The same element open again: <a> and <nobr> run the adoption agency, <button> closes the first.
  if ((name === 'a' || name === 'nobr' || name === 'button') && open.includes(name)) return false;
  return true;
}

/** A start tag where a table expects its rows: only the written-out table structure is followed. */
function tableStructure(name: string, top: string): string[] | undefined {
  if (top === 'table') {
    if (TABLE_SECTIONS.has(name)) return [name];
    if (name === 'tr') return [IMPLIED_TBODY, 'tr'];
  } else if (top === 'tr') {
    if (name === 'td' || name === 'th') return [name];
  } else if (name === 'tr') {
    return ['tr'];
  }
  return undefined;
}

const inTable = (top: string | undefined) =>
  top === 'table' || top === 'tr' || top === IMPLIED_TBODY || (top !== undefined && TABLE_SECTIONS.has(top));

/**
 * The splice path: the injected document, or undefined when the model gave up (the caller then
 * takes the full path, which also raises the errors of documents too deep or with too many
 * placeholders). The tokens come from the markup scanner, or from parse5's tokenizer for markup
 * the scanner steps aside from (html-markup-scanner.ts) and for a placeholder in a text the
 * scanner reads longer (TEXT_HOLDS_LT); a document the model gives up on otherwise is read once.
 */
export function injectBySplicing(html: string, url: string, link: LinkSpec): string | undefined {
  if (!PLAIN_URL.test(url)) return undefined;
  // What every form of the placeholder holds (its name): one look per string for the three forms.
  const core = link.forms[0]!.replace(/^\W+|\W+$/g, '');
  if (core === '' || !link.forms.every((form) => form.includes(core))) return undefined;
  const spliced = spliceWith(scanMarkup, html, url, link, core);
  if (spliced !== READ_WITH_PARSE5) return spliced;
  const again = spliceWith(scanWithParse5, html, url, link, core);
  return again === READ_WITH_PARSE5 ? undefined : again;
}

/** The splice path's model over the tokens `scan` reports (see the comment above the path). */
function spliceWith(
  scan: (html: string, handler: MarkupHandler) => void,
  html: string,
  url: string,
  link: LinkSpec,
  core: string,
): string | typeof READ_WITH_PARSE5 | undefined {
  const edits: Edit[] = [];
  const open: string[] = [];
  let mode: Mode = 'initial';
  let textElement: string | undefined;
  let textStart = 0;
  let head: Edit | undefined;
  let footerAt = -1;
  let lastTagEnd = 0;
  let placeholders = 0;

  const text = (chars: string, start: number, end: number, whitespace: boolean) => {
    if (whitespace) return;
    const inData = textElement === undefined;
    // Text outside <body> implies <head> or <body>; text in a table is foster-parented; text
    // after </body> would go after the footer.
    if (inData && (mode !== 'in body' || inTable(open.at(-1)))) throw GIVE_UP;
    // The whole document is read at once: a text runs up to the next tag, comment or NUL (with
    // parse5, also to the next white space), its character references included, so no form
    // (which holds none of them) is split over two texts.
    if (chars.includes(core) && countForms(chars, link.forms) > 0) {
      if (inData && html.slice(start, end).includes('<')) throw TEXT_HOLDS_LT;
      placeholders += placeholderEdits(html, start, end, chars, url, link, edits);
    }
  };
  const startTag = (token: ScannedTag): TextKind | undefined => {
    const location = token.location;
    lastTagEnd = location.endOffset;
    const name = token.tagName;
    for (const [index, attr] of token.attrs.entries()) {
      if (!attr.value.includes(core) || countForms(attr.value, link.forms) === 0) continue;
      // The attribute's range holds its name too: a form in the name makes the raw count differ,
      // and the full path takes the document.
      const at = token.attrLocations[index]!;
      placeholders += placeholderEdits(html, at.startOffset, at.endOffset, attr.value, url, link, edits);
    }
    if (placeholders > MAX_PLACEHOLDERS) throw GIVE_UP;
    if (mode === 'initial') mode = 'before html';
    if (mode === 'before html') {
      mode = 'before head';
      if (name === 'html') {
        dropImportantStyleAttribute(html, token, edits);
        return undefined;
      }
    }
    if (mode === 'before head') {
      if (name === 'head') {
        head = { at: location.endOffset, end: location.endOffset, text: GUARD_ELEMENT };
        mode = 'in head';
        return undefined;
      }
      // An empty <head> is implied by <body>; anything else would be put in it.
      if (name !== 'body') throw GIVE_UP;
      head = { at: location.startOffset, end: location.startOffset, text: `<head>${GUARD_ELEMENT}</head>` };
      mode = 'after head';
    }
    if (mode === 'in head') {
      if (VOID.has(name)) return undefined;
      const kind = TEXT_STATE[name];
      if (kind !== undefined) return enterText(name, kind);
      if (name !== 'body') throw GIVE_UP;
      mode = 'after head';
    }
    if (mode === 'after head') {
      mode = 'in body';
      if (name === 'body') {
        dropImportantStyleAttribute(html, token, edits);
        return undefined;
      }
      // Any other start tag implies <body>, but those the tree builder would put in <head>.
      if (name in TEXT_STATE || VOID.has(name)) throw GIVE_UP;
    }
    if (mode !== 'in body') throw GIVE_UP;
    const top = open.at(-1);
    if (inTable(top)) {
      const pushed = tableStructure(name, top!);
      if (pushed === undefined) throw GIVE_UP;
      open.push(...pushed);
    } else {
      if (!followStartTagInBody(name, open)) throw GIVE_UP;
      if (VOID.has(name) || name === 'hr') return undefined;
      const kind = TEXT_STATE[name];
      if (kind !== undefined) return enterText(name, kind);
      open.push(name);
    }
    if (open.length + 2 > MAX_HTML_DEPTH) throw GIVE_UP;
    return undefined;
  };
  const enterText = (name: string, kind: TextKind): TextKind => {
    textElement = name;
    textStart = lastTagEnd;
    return kind;
  };
  const endTag = (token: ScannedTag) => {
    const location = token.location;
    lastTagEnd = location.endOffset;
    const name = token.tagName;
    if (textElement !== undefined) {
      // The tokenizer leaves RCDATA, RAWTEXT and script data only at the element's own end
      // tag (its "appropriate end tag"), so this is the end of `textElement`.
      // The full path writes "<!--" in a script as "<\\!--" (a script left double-escaped would
      // swallow what follows); such a script is left to it, so that both paths agree.
      if (name === 'script' && html.slice(textStart, location.startOffset).includes('<!--')) throw GIVE_UP;
      textElement = undefined;
      return;
    }
    if (mode === 'in head' && name === 'head') {
      mode = 'after head';
      return;
    }
    if (mode === 'after body') {
      if (name !== 'body' && name !== 'html') throw GIVE_UP;
      return;
    }
    if (mode !== 'in body') throw GIVE_UP;
    const top = open.at(-1);
    if (top === undefined) {
      if (name !== 'body' && name !== 'html') throw GIVE_UP;
      if (html.slice(location.startOffset, location.startOffset + 2) !== '</') throw GIVE_UP;
      footerAt = location.startOffset;
      mode = 'after body';
      return;
    }
    if (name === 'table' && (top === IMPLIED_TBODY || TABLE_SECTIONS.has(top))) open.pop();
    else if (name === 'tbody' && top === IMPLIED_TBODY) {
      open.pop();
      return;
    }
    if (open.at(-1) !== name) throw GIVE_UP;
    open.pop();
  };
  const handler: MarkupHandler = {
    startTag,
    endTag,
    text,
    nullCharacter: () => {
      throw GIVE_UP;
    },
    doctype: () => {
      if (mode !== 'initial') throw GIVE_UP;
      mode = 'before html';
    },
    eof: () => {
      if (footerAt >= 0) return;
      // A document that ends in <body> without closing it: the footer goes at the end, after
      // its last tag (never after text, which could be the start of a tag or a reference).
      if (mode !== 'in body' || open.length > 0 || textElement !== undefined) throw GIVE_UP;
      if (!HTML_SPACE.test(html.slice(lastTagEnd))) throw GIVE_UP;
      footerAt = html.length;
    },
  };
  try {
    scan(html, handler);
  } catch (error) {
    if (error === OUTSIDE_SUBSET || error === TEXT_HOLDS_LT) return READ_WITH_PARSE5;
    if (error === GIVE_UP) return undefined;
    throw error;
  }
  if (head === undefined || footerAt < 0) return undefined;
  edits.push(head, { at: footerAt, end: footerAt, text: footerMarkup(url, link) });
  edits.sort((a, b) => a.at - b.at);
  let out = '';
  let from = 0;
  for (const edit of edits) {
    if (edit.at < from) return undefined; // a placeholder inside a style attribute cut out
    out += html.slice(from, edit.at) + edit.text;
    from = edit.end;
  }
  return out + html.slice(from);
}
