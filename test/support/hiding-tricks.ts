import fc from 'fast-check';

/**
 * R10: ways a sender's markup hides an unsubscribe link, alone and
 * combined. Each trick is a whole HTML body; the unit property and the browser test use
 * the same list, so a trick the browser finds visible is one the property generates.
 */
export interface HidingTrick {
  readonly name: string;
  readonly html: string;
}

const CONTENT = '<h1>Autumn books</h1><p>Ten novels for long evenings.</p>';

/** Declarations that hide an element, as senders write them. */
export const HIDING_DECLARATIONS = [
  'display:none',
  'visibility:hidden',
  'opacity:0',
  'font-size:0',
  'color:#ffffff',
  'color:transparent',
  'position:absolute;left:-9999px;top:-9999px',
  'position:fixed;top:-5000px',
  'transform:scale(0)',
  'transform:translateX(-20000px)',
  'clip-path:inset(50%)',
  'filter:opacity(0)',
  'height:0;width:0;overflow:hidden',
  'max-height:0;overflow:hidden',
  'line-height:0;font-size:1px',
  'text-indent:-9999px;overflow:hidden',
  '-webkit-text-fill-color:transparent',
  'content-visibility:hidden',
] as const;

/** Selectors a style sheet uses to reach the link, the footer or their ancestors. */
export const HIDING_SELECTORS = [
  'a',
  'div',
  'p',
  '*',
  'body > :last-child',
  'body > div:last-of-type',
  '[style]',
  'a[href]',
  'body *',
  'html body div a',
  '[data-consent-gate]',
  'div:last-child a',
] as const;

/** Wrappers around the sender's content: closed, or left open so that they swallow what follows. */
const WRAPPERS = [
  '<div style="display:none">',
  '<div hidden>',
  '<div style="position:absolute;left:-10000px">',
  '<div style="opacity:0">',
  '<table style="display:none"><tr><td>',
  '<div style="height:0;overflow:hidden">',
  '<span style="font-size:0;color:#fff">',
] as const;

const sheet = (selector: string, declarations: string) =>
  `<style>${selector}{${declarations
    .split(';')
    .map((d) => `${d} !important`)
    .join(';')}}</style>`;

/** The named tricks the issue lists, each on its own. */
export const NAMED_TRICKS: readonly HidingTrick[] = [
  { name: 'empty placeholder anchor', html: `${CONTENT}<a href="{{unsubscribe_url}}"></a>` },
  {
    name: 'font-size:0 anchor',
    html: `${CONTENT}<a href="{{unsubscribe_url}}" style="font-size:0">Stop</a>`,
  },
  { name: 'opacity:0 anchor', html: `${CONTENT}<a href="{{unsubscribe_url}}" style="opacity:0">Stop</a>` },
  {
    name: 'off-screen anchor',
    html: `${CONTENT}<a href="{{unsubscribe_url}}" style="position:absolute;left:-9999px">Stop</a>`,
  },
  {
    name: 'negative margin on the anchor',
    html: `${CONTENT}<a href="{{unsubscribe_url}}" style="margin-left:-10000px;display:inline-block">Stop</a>`,
  },
  {
    name: 'white text on white',
    html: `${CONTENT}<a href="{{unsubscribe_url}}" style="color:#fff">Stop</a>`,
  },
  { name: 'style rule hiding every anchor', html: `${sheet('a', 'display:none')}${CONTENT}` },
  {
    name: 'style rule hiding the last child',
    html: `${sheet('body > :last-child', 'display:none')}${CONTENT}`,
  },
  { name: 'style rule on *: opacity 0', html: `${sheet('*', 'opacity:0')}${CONTENT}` },
  {
    name: 'style rule on *: white text',
    html: `${sheet('*', 'color:#ffffff;background:#ffffff')}${CONTENT}`,
  },
  {
    name: 'style rule on [style]: off-screen',
    html: `${sheet('[style]', 'position:absolute;left:-9999px')}${CONTENT}`,
  },
  { name: 'style rule on div: font-size 0', html: `${sheet('div', 'font-size:0;line-height:0')}${CONTENT}` },
  {
    name: 'style rule on p, div, a: scale(0)',
    html: `${sheet('p, div, a', 'transform:scale(0)')}${CONTENT}`,
  },
  {
    name: 'style rule on the footer marker',
    html: `${sheet('[data-consent-gate]', 'display:none')}${CONTENT}`,
  },
  { name: 'unclosed display:none wrapper', html: `<div style="display:none">${CONTENT}` },
  { name: 'unclosed off-screen wrapper', html: `<div style="position:absolute;left:-10000px">${CONTENT}` },
  { name: 'body made invisible inline', html: `<body style="opacity:0 !important">${CONTENT}</body>` },
  {
    name: 'white overlay over the page',
    html: `${CONTENT}<div style="position:fixed;top:0;left:0;right:0;bottom:0;background:#fff;z-index:2147483647"></div>`,
  },
  {
    name: 'body::after overlay',
    html: `<style>body::after{content:"";position:fixed;top:0;left:0;right:0;bottom:0;background:#fff;z-index:2147483647}</style>${CONTENT}`,
  },
  {
    name: 'footer pseudo-element overlay',
    html: `<style>a::after{content:"";position:absolute;top:0;left:0;right:0;bottom:0;background:#fff}</style>${CONTENT}`,
  },
  { name: 'layered !important rule', html: `<style>@layer s{*{opacity:0 !important}}</style>${CONTENT}` },
  { name: 'unclosed <plaintext>', html: `${CONTENT}<plaintext>` },
];

/** Combinations: wrappers (open or closed), placeholder anchors styled to hide, style sheets. */
export const hidingTrick = (): fc.Arbitrary<HidingTrick> =>
  fc
    .record({
      named: fc.subarray([...NAMED_TRICKS], { maxLength: 3 }),
      rules: fc.array(
        fc.tuple(fc.constantFrom(...HIDING_SELECTORS), fc.constantFrom(...HIDING_DECLARATIONS)),
        { maxLength: 3 },
      ),
      anchor: fc.option(fc.constantFrom(...HIDING_DECLARATIONS), { nil: undefined }),
      wrappers: fc.array(fc.tuple(fc.constantFrom(...WRAPPERS), fc.boolean()), { maxLength: 3 }),
    })
    .map(({ named, rules, anchor, wrappers }) => {
      let html = `${named.map((t) => t.html).join('')}${CONTENT}`;
      if (anchor !== undefined) html += `<a href="{{unsubscribe_url}}" style="${anchor}">Stop</a>`;
      for (const [open, closed] of wrappers) {
        const tag = open.match(/^<(\w+)/)?.[1] ?? 'div';
        html = `${open}${html}${closed ? `</${tag}>` : ''}`;
      }
      html = rules.map(([s, d]) => sheet(s, d)).join('') + html;
      const name = [
        ...named.map((t) => t.name),
        ...rules.map(([s, d]) => `${s}{${d}}`),
        ...(anchor ? [`anchor ${anchor}`] : []),
        ...wrappers.map(([w, c]) => `${c ? 'closed' : 'open'} ${w}`),
      ].join(' + ');
      return { name: name || 'plain', html };
    });
