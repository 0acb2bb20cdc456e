import {
  defaultTreeAdapter as adapter,
  html as HTML,
  parse,
  serialize,
  type DefaultTreeAdapterTypes as T,
} from 'parse5';

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

export function injectIntoHtml(html: string, url: string, link: LinkSpec = UNSUBSCRIBE_LINK): string {
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

/**
 * Whether a footer link can be placed: the parser creates a body for every document but a
 * frameset one, and only a `<frameset` start tag makes one. Without that text there is
 * nothing to parse here: the request schema calls this on every HTML body, and the
 * injection parses it before the decision is audited.
 */
export function htmlCanShowLink(html: string): boolean {
  if (!html.toLowerCase().includes('<frameset')) return true;
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

/** RFC 2369 and RFC 8058 headers for one-click unsubscribe. */
export function unsubscribeHeaders(url: string): { name: string; value: string }[] {
  return [
    { name: 'List-Unsubscribe', value: `<${url}>` },
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
