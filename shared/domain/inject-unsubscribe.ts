import {
  defaultTreeAdapter as adapter,
  parse,
  parseFragment,
  serialize,
  type DefaultTreeAdapterTypes as T,
} from 'parse5';

/**
 * R10: every marketing email carries a visible unsubscribe link in its HTML and text
 * parts. A sender may place it with the `{{unsubscribe_url}}` placeholder; otherwise a
 * footer is added before `</body>`. HTML goes through a real parser (parse5, the WHATWG
 * algorithm browsers use), so the output is a well-formed document whatever the input.
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

/** Elements whose text a reader never sees: a placeholder there does not make a visible link. */
const INVISIBLE = new Set(['script', 'style', 'template', 'noscript', 'head', 'title']);

/**
 * R10: an element hidden by its own markup (`hidden`, an inline `display:none`,
 * `visibility:hidden`) does not show a placeholder either. Style sheets and classes are
 * not evaluated: a link hidden that way is the sender's doing, and the footer is then
 * only added when no placeholder is visible by these rules.
 */
function hiddenByMarkup(element: T.Element): boolean {
  for (const attr of element.attrs) {
    if (attr.name === 'hidden') return true;
    if (attr.name === 'style') {
      const style = attr.value.toLowerCase().replace(/\s+/g, '');
      if (style.includes('display:none') || style.includes('visibility:hidden')) return true;
    }
  }
  return false;
}

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

export function injectIntoHtml(html: string, url: string, link: LinkSpec = UNSUBSCRIBE_LINK): string {
  const document = parse(html);
  let visible = 0;
  const walk = (node: T.ParentNode, hidden: boolean): void => {
    for (const child of node.childNodes) {
      if (adapter.isTextNode(child)) {
        const r = replaceAll(child.value, url, link);
        child.value = r.value;
        if (!hidden) visible += r.count;
      } else if (adapter.isElementNode(child)) {
        for (const attr of child.attrs) {
          const r = replaceAll(attr.value, url, link);
          attr.value = r.value;
          if (!hidden && !hiddenByMarkup(child) && child.tagName === 'a' && attr.name === 'href') {
            visible += r.count;
          }
        }
        const inner = child.tagName === 'template' ? adapter.getTemplateContent(child as T.Template) : child;
        walk(inner, hidden || INVISIBLE.has(child.tagName) || hiddenByMarkup(child));
      }
    }
  };
  walk(document, false);
  if (visible === 0) appendFooter(document, url, link);
  return serialize(document);
}

function findBody(node: T.ParentNode): T.Element | undefined {
  for (const child of node.childNodes) {
    if (!adapter.isElementNode(child)) continue;
    if (child.tagName === 'body') return child;
    const found = findBody(child);
    if (found) return found;
  }
  return undefined;
}

/** R10: HTML that cannot show a link (a frameset document has no body); refused rather than sent without one. */
export class LinkPlacementError extends Error {
  override name = 'LinkPlacementError';
}

export const FRAMESET_PROBLEM = 'is a frameset document: it has no body to show the unsubscribe link (R10)';

/**
 * Whether a footer link can be placed: the parser creates a body for every document but a
 * frameset one, and only a `<frameset` start tag makes one. Without that text there is
 * nothing to parse here: the request schema calls this on every HTML body, and the
 * injection parses it again after the decision.
 */
export function htmlCanShowLink(html: string): boolean {
  if (!html.toLowerCase().includes('<frameset')) return true;
  return findBody(parse(html)) !== undefined;
}

function appendFooter(document: T.Document, url: string, spec: LinkSpec): void {
  const body = findBody(document);
  if (body === undefined) throw new LinkPlacementError(`The HTML ${FRAMESET_PROBLEM}`);
  const footer = parseFragment(
    '<div style="margin-top:24px;font-size:12px;color:#555;text-align:center"><a></a></div>',
  ).childNodes[0] as T.Element;
  const link = footer.childNodes[0] as T.Element;
  link.attrs.push({ name: 'href', value: url });
  adapter.insertText(link, `${spec.labelFr} · ${spec.labelEn}`);
  adapter.appendChild(body, footer);
}

export function injectIntoText(text: string, url: string, link: LinkSpec = UNSUBSCRIBE_LINK): string {
  const r = replaceAll(text, url, link);
  if (r.count > 0) return r.value;
  const separator = text.endsWith('\n') ? '\n' : '\n\n';
  return `${text}${separator}--\n${link.labelFr} / ${link.labelEn}: ${url}\n`;
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
