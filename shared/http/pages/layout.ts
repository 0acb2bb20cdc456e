/** Server-rendered pages: no script, no third-party asset, readable on a phone. */
export type Lang = 'fr' | 'en';

/** Picks French or English from Accept-Language, by quality then order; English by default. */
export function negotiateLanguage(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'en';
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((l) => Number.isFinite(l.q) && l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === 'fr' || tag.startsWith('fr-')) return 'fr';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}

/** Text escaped for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The pages' stylesheet: inline in the recipient pages, a file of the console (its CSP allows no inline style). */
export const STYLE = `
  :root { color-scheme: light; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; background: #f4f4f5; }
  main { max-width: 32rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.4rem; margin-top: 0; }
  button { font: inherit; font-weight: 600; padding: .75rem 1.25rem; border: 0; border-radius: 6px; background: #1d4ed8; color: #fff; cursor: pointer; width: 100%; }
  button:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; }
  .muted { color: #4a4a4a; font-size: .9rem; }
  a { color: #1d4ed8; }
  a:focus-visible, input:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; }
  h2 { font-size: 1.1rem; margin-top: 2rem; }
  fieldset { border: 1px solid #d4d4d8; border-radius: 6px; padding: .5rem 1rem 1rem; margin: 0 0 1rem; }
  legend { font-weight: 600; padding: 0 .25rem; }
  .choice { display: grid; grid-template-columns: 1.5rem 1fr; gap: .25rem .5rem; padding: .75rem 0; border-bottom: 1px solid #e4e4e7; }
  .choice:last-child { border-bottom: 0; }
  .choice input[type=checkbox] { width: 1.25rem; height: 1.25rem; margin: .2rem 0 0; }
  .choice .detail { grid-column: 2; margin: 0; }
  .purpose-name { display: block; font-weight: 600; }
  .notice { background: #ecfdf5; border: 1px solid #047857; color: #064e3b; border-radius: 6px; padding: .75rem 1rem; }
  .notice.warning { background: #fffbeb; border-color: #b45309; color: #78350f; }
  form + form { margin-top: .75rem; }
  button.secondary { background: #fff; color: #1d4ed8; border: 2px solid #1d4ed8; }
  button.danger { background: #b91c1c; }
  ul.plain { padding-left: 1.25rem; }
  @media (max-width: 36rem) { main { margin: 0; border-radius: 0; box-shadow: none; } }
`;

export function page(lang: Lang, title: string, content: string): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>`;
}
