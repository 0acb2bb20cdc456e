import {
  defaultTreeAdapter as adapter,
  html as HTML,
  parse,
  serialize,
  type DefaultTreeAdapterTypes as T,
} from 'parse5';
import {
  FRAMESET_PROBLEM,
  LinkPlacementError,
  type LinkSpec,
  MAX_HTML_DEPTH,
  MAX_PLACEHOLDERS,
  UNSUBSCRIBE_LINK,
} from '../../shared/domain/inject-unsubscribe';

/**
 * `injectIntoHtml` as it was before the splice path (commit ac2a7b5), kept here only
 * as the oracle of the property test and the "before" row of the bench: parse, walk, append,
 * serialise, parse again. Do not change it: it is what the splice path is compared with.
 */
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

export function injectIntoHtmlBefore(html: string, url: string, link: LinkSpec = UNSUBSCRIBE_LINK): string {
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

/** Marks the gateway's footer and its style sheet; the guard rules and the safety check find them by it. */
const FOOTER_ATTRIBUTE = 'data-consent-gate';

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
function footerSurvives(html: string, url: string): boolean {
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
