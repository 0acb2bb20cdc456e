import { describe, expect, it } from 'vitest';
import {
  CONSENT_LINK,
  FRAMESET_PROBLEM,
  htmlCanShowLink,
  injectIntoHtml,
  injectIntoText,
  injectPreferencesUrl,
  LinkPlacementError,
  PLACEHOLDER,
  UNSUBSCRIBE_LINK,
} from '../../shared/domain/inject-unsubscribe';

/**
 * Rows the mutation run (docs/testing.md) showed unpinned: every form of each placeholder is
 * filled, the footer's label, the text part's separator, frameset documents. Whether a footer
 * is also added next to a sender's placeholder is not asserted here (R10 as amended: always).
 */
const URL_ = 'https://gw.example/u/v1.k1.abc.def';

describe('R10 placeholders are filled in every form, everywhere', () => {
  it.each([
    ['plain', '{{unsubscribe_url}}'],
    ['URL-encoded by an editor', '%7B%7Bunsubscribe_url%7D%7D'],
    ['URL-encoded in lower case', '%7b%7bunsubscribe_url%7d%7d'],
  ])('R10 fills a %s unsubscribe placeholder in an href, an attribute and text', (_title, form) => {
    const out = injectIntoHtml(
      `<body><a href="${form}">Stop</a><img src="https://img.example/p.png?u=${form}"><p>${form}</p></body>`,
      URL_,
    );
    expect(out).not.toMatch(/unsubscribe_url/i);
    expect(out).toContain(`<a href="${URL_}">Stop</a>`);
    expect(out).toContain(`src="https://img.example/p.png?u=${URL_}"`);
    expect(out).toContain(`<p>${URL_}</p>`);
  });

  it('R10 fills the placeholder inside script, style and hidden elements too (no placeholder is left)', () => {
    const out = injectIntoHtml(
      '<body><div hidden><a href="{{unsubscribe_url}}">x</a></div><span style="display: none">{{unsubscribe_url}}</span><script>u="{{unsubscribe_url}}"</script><template><a href="{{unsubscribe_url}}">t</a></template></body>',
      URL_,
    );
    expect(out).not.toContain(PLACEHOLDER);
    expect(out.split(URL_).length - 1).toBeGreaterThanOrEqual(4);
  });

  it('R10 the footer link is labelled in French and English and points to the URL', () => {
    const out = injectIntoHtml('<p>Hi</p>', URL_);
    // R10: the footer's anchor carries its own inline styles after the href.
    expect(out).toContain(`<a href="${URL_}" `);
    expect(out).toMatch(/<a href="[^"]+" style="[^"]+"[^>]*>Se désinscrire · Unsubscribe<\/a>/);
    expect(UNSUBSCRIBE_LINK).toMatchObject({ labelFr: 'Se désinscrire', labelEn: 'Unsubscribe' });
  });

  it('R13 the consent link has its own placeholder and label', () => {
    const out = injectIntoHtml(
      '<p><a href="%7B%7Bconsent_url%7D%7D">Oui</a> {{unsubscribe_url}}</p>',
      URL_,
      CONSENT_LINK,
    );
    expect(out).toContain(`<a href="${URL_}">Oui</a>`);
    expect(out).toContain('{{unsubscribe_url}}');
    expect(injectIntoHtml('<p>Hi</p>', URL_, CONSENT_LINK)).toContain('Donner mon accord · Give my consent');
    expect(injectIntoText('Hi', URL_, CONSENT_LINK)).toBe(
      `Hi\n\n--\nDonner mon accord / Give my consent: ${URL_}\n`,
    );
  });

  it('R10 the text part: every form of the placeholder is filled', () => {
    expect(
      injectIntoText(
        'a {{unsubscribe_url}} b %7B%7Bunsubscribe_url%7D%7D c %7b%7bunsubscribe_url%7d%7d',
        URL_,
      ),
      // R10: the placeholders add links; the footer is there all the same.
    ).toBe(`a ${URL_} b ${URL_} c ${URL_}\n\n--\nSe désinscrire / Unsubscribe: ${URL_}\n`);
  });

  it('R10 the text footer follows a text ending with a line break after one blank line, not two', () => {
    expect(injectIntoText('Hello\n', URL_)).toBe(`Hello\n\n--\nSe désinscrire / Unsubscribe: ${URL_}\n`);
    expect(injectIntoText('', URL_)).toBe(`\n\n--\nSe désinscrire / Unsubscribe: ${URL_}\n`);
  });
});

describe('R10 frameset documents cannot show a link', () => {
  const frameset =
    '<html><frameset cols="50%,50%"><frame src="a.html"><frame src="b.html"></frameset></html>';

  it('R10 refuses to place a footer in a frameset document, naming the problem', () => {
    expect(htmlCanShowLink(frameset)).toBe(false);
    expect(() => injectIntoHtml(frameset, URL_)).toThrow(LinkPlacementError);
    expect(() => injectIntoHtml(frameset, URL_)).toThrow(`The HTML ${FRAMESET_PROBLEM}`);
  });

  it('R10 reads <FRAMESET in any case, and a document that only mentions it in text has a body', () => {
    expect(htmlCanShowLink(frameset.toUpperCase())).toBe(false);
    expect(htmlCanShowLink(frameset.replace('frameset', 'FrAmEsEt'))).toBe(false);
    expect(htmlCanShowLink('<p>we removed our &lt;frameset&gt;</p>')).toBe(true);
    expect(htmlCanShowLink('<body><p>a <code>&lt;frameset</code></p></body>')).toBe(true);
    expect(htmlCanShowLink('<p>Hello</p>')).toBe(true);
  });

  it('LinkPlacementError names itself', () => {
    expect(new LinkPlacementError('x').name).toBe('LinkPlacementError');
  });
});

describe('R15 the preference centre placeholder', () => {
  it.each([
    ['plain', '{{preferences_url}}'],
    ['URL-encoded', '%7B%7Bpreferences_url%7D%7D'],
    ['URL-encoded in lower case', '%7b%7bpreferences_url%7d%7d'],
  ])('R15 fills a %s preferences placeholder, every occurrence', (_title, form) => {
    expect(injectPreferencesUrl(`<a href="${form}">Prefs</a> ${form}`, 'https://gw.example/p/t')).toBe(
      '<a href="https://gw.example/p/t">Prefs</a> https://gw.example/p/t',
    );
  });

  it('R15 leaves content without the placeholder as it is', () => {
    expect(injectPreferencesUrl('<p>{{unsubscribe_url}}</p>', 'https://gw.example/p/t')).toBe(
      '<p>{{unsubscribe_url}}</p>',
    );
  });
});
