import { frenchSpacingOf } from '../../domain/french-typography';
import { escapeHtml as e, type Lang, STYLE } from '../pages/layout';

/**
 * The console's page chrome: the recipient pages' stylesheet (pages/layout.ts) and a few
 * rules of its own, served as a file (`/console/assets/console.css`: the console's CSP
 * allows no inline style or script), a header with the tenant, the role, the navigation, the
 * language switch and sign-out.
 */
export const CONSOLE_STYLE = `${STYLE}
  main.console { max-width: 64rem; }
  header.console { max-width: 64rem; margin: 1rem auto 0; padding: 0 1.5rem; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; }
  header.console .brand { font-weight: 700; }
  header.console nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; }
  header.console nav a[aria-current="page"] { font-weight: 700; text-decoration: none; color: #1a1a1a; }
  header.console .who { color: #4a4a4a; font-size: .9rem; }
  header.console form { display: inline; margin: 0; }
  header.console button, main.console button { width: auto; }
  header.console button { padding: .35rem .8rem; font-size: .9rem; }
  .lang a { margin-right: .5rem; }
  label.field { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
  input[type=text], input[type=email], input[type=password], input[type=time], select, textarea { font: inherit; padding: .5rem; border: 1px solid #71717a; border-radius: 6px; width: 100%; max-width: 32rem; box-sizing: border-box; }
  input[type=time] { max-width: 10rem; }
  p.check { margin: .5rem 0; }
  p.check input[type=checkbox] { width: 1.1rem; height: 1.1rem; vertical-align: -.15rem; }
  input[readonly] { background: #f4f4f5; }
  .actions { margin-top: 1rem; display: flex; flex-wrap: wrap; gap: .75rem; }
  .actions form { margin: 0; }
  td .actions { margin-top: 0; align-items: center; }
  table { border-collapse: collapse; width: 100%; font-size: .95rem; }
  th, td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid #e4e4e7; }
  th { background: #f4f4f5; }
  dl.facts { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: .25rem 1rem; }
  dl.facts dt { font-weight: 600; }
  dl.facts dd { margin: 0; overflow-wrap: anywhere; }
  code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; overflow-wrap: anywhere; }
  .notice.error { background: #fef2f2; border-color: #b91c1c; color: #7f1d1d; }
  .badge { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; border: 1px solid currentColor; }
  .badge.ok { color: #065f46; } .badge.bad { color: #991b1b; } .badge.neutral { color: #3f3f46; }
  .table-wrap { overflow-x: auto; }
`;

export const CONSOLE_CSS_PATH = '/console/assets/console.css';

const CHROME = {
  en: {
    brand: 'consent-gate console',
    signOut: 'Sign out',
    role: { admin: 'admin', compliance: 'compliance (read only)' },
    nav: 'Console',
    language: 'Language',
  },
  fr: frenchSpacingOf({
    brand: 'Console consent-gate',
    signOut: 'Se déconnecter',
    role: { admin: 'admin', compliance: 'conformité (lecture seule)' },
    nav: 'Console',
    language: 'Langue',
  }),
} as const;

export interface NavEntry {
  readonly path: string;
  readonly label: Readonly<Record<Lang, string>>;
}

export interface Chrome {
  readonly tenantId: string;
  readonly role: 'admin' | 'compliance';
  /** Who is signed in: the start of the key's id, or the user's email address. */
  readonly who: string;
  readonly nav: readonly NavEntry[];
  readonly currentPath: string;
  /** The hidden CSRF field of the sign-out form. */
  readonly csrfField: string;
}

/** The language switch: the same page in the other language (`?lang=`, remembered in a cookie). */
function languageSwitch(lang: Lang, path: string): string {
  const t = CHROME[lang];
  const link = (l: Lang, label: string) =>
    l === lang
      ? `<span lang="${l}" aria-current="true">${label}</span>`
      : `<a href="${e(path)}?lang=${l}" lang="${l}" hreflang="${l}">${label}</a>`;
  return `<p class="lang" aria-label="${t.language}">${link('en', 'English')} ${link('fr', 'Français')}</p>`;
}

export function consolePage(
  lang: Lang,
  title: string,
  content: string,
  chrome?: Chrome,
  /** Assets of /console/assets/ the page loads, by name (the CSP allows the gateway's own only). */
  assets: { readonly scripts?: readonly string[]; readonly styles?: readonly string[] } = {},
): string {
  const t = CHROME[lang];
  const header =
    chrome === undefined
      ? `<header class="console"><span class="brand">${t.brand}</span>${languageSwitch(lang, '/console')}</header>`
      : `<header class="console">
<span class="brand">${t.brand}</span>
<nav aria-label="${t.nav}"><ul>${chrome.nav
          .map(
            (n) =>
              `<li><a href="${e(n.path)}"${n.path === chrome.currentPath ? ' aria-current="page"' : ''}>${e(n.label[lang])}</a></li>`,
          )
          .join('')}</ul></nav>
<span class="who">${e(chrome.tenantId)} · ${t.role[chrome.role]} · <span class="mono">${e(chrome.who)}</span></span>
${languageSwitch(lang, chrome.currentPath)}
<form method="post" action="/console/sign-out">${chrome.csrfField}<button type="submit" class="secondary">${t.signOut}</button></form>
</header>`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${e(title)} · ${t.brand}</title>
<link rel="stylesheet" href="${CONSOLE_CSS_PATH}">
${(assets.styles ?? []).map((n) => `<link rel="stylesheet" href="/console/assets/${e(n)}">\n`).join('')}${(assets.scripts ?? []).map((n) => `<script src="/console/assets/${e(n)}" defer></script>\n`).join('')}</head>
<body>
${header}
<main class="console">
${content}
</main>
</body>
</html>`;
}

/** An instant as people read it, in UTC, with the machine-readable value. */
export function instant(lang: Lang, iso: string | undefined): string {
  if (iso === undefined || iso === '') return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return e(iso);
  const text = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone: 'UTC',
  }).format(date);
  return `<time datetime="${e(date.toISOString())}">${e(text)} UTC</time>`;
}

/** A definition list of facts; rows whose value is undefined are left out. Values are HTML. */
export function facts(rows: readonly (readonly [string, string | undefined])[]): string {
  const kept = rows.filter((r): r is readonly [string, string] => r[1] !== undefined && r[1] !== '');
  return `<dl class="facts">${kept.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

export const badge = (kind: 'ok' | 'bad' | 'neutral', text: string) =>
  `<span class="badge ${kind}">${e(text)}</span>`;
