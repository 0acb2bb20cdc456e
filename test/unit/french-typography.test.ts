import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../shared/domain/preferences';
import type { Lang } from '../../shared/http/pages/layout';
import {
  checkInboxPage,
  confirmedPage,
  confirmSubscriptionPage,
  consentPage,
  forgetConfirmPage,
  forgottenPage,
  nothingChosenPage,
  preferencePage,
  stoppedPage,
} from '../../shared/http/pages/recipient-pages';
import { confirmPage, donePage, errorPage, invalidLinkPage } from '../../shared/http/pages/unsubscribe-pages';
import { confirmationMail } from '../../shared/services/consent-page';
import { tenant } from '../support/builders';

/**
 * French typography: a no-break space (U+00A0, or the narrow U+202F) before « : ; ! ? »
 * and after «, so that a line never starts with the punctuation. Every French string a
 * recipient reads (every page, in every state, and the confirmation email) is rendered
 * and scanned.
 */
const NO_BREAK = '[\u00a0\u202f]';
const demo = tenant();
const newsletter = demo.purposes.newsletter!;
const offers = { ...newsletter, id: 'offers', name: 'Offres maison', wordingVersion: undefined };

function everyText(lang: Lang): Record<string, string> {
  const rows = (['consented', 'other_basis', 'off'] as const).map((kind) => ({
    purpose: offers,
    status:
      kind === 'consented'
        ? ({ kind, since: '2026-11-20T10:00:00Z' } as const)
        : kind === 'other_basis'
          ? ({ kind, basis: 'soft_opt_in' } as const)
          : ({ kind } as const),
    wording: wordingFor(demo, offers, lang),
  }));
  const view = { brand: 'Demo Shop', rows, transactional: [newsletter] };
  const scope = { brand: 'Demo Shop', purposeName: 'Newsletter', preferencesToken: 't' };
  return {
    preferences: preferencePage(lang, view),
    preferencesSaved: preferencePage(lang, view, 'saved'),
    preferencesUnchanged: preferencePage(lang, view, 'unchanged'),
    preferencesBounced: preferencePage(lang, { ...view, suppressed: 'bounce' }, 'saved'),
    preferencesComplained: preferencePage(lang, { ...view, suppressed: 'complaint' }),
    stopped: stoppedPage(lang, 'Demo Shop'),
    forgetConfirm: forgetConfirmPage(lang, 'Demo Shop'),
    forgotten: forgottenPage(lang, 'Demo Shop'),
    consent: consentPage(lang, 'Demo Shop', [{ purpose: offers, wording: wordingFor(demo, offers, lang) }]),
    checkInbox: checkInboxPage(lang),
    nothingChosen: nothingChosenPage(lang),
    confirmSubscription: confirmSubscriptionPage(lang, 'Demo Shop', [offers]),
    confirmed: confirmedPage(lang, 'Demo Shop', [offers]),
    unsubscribeConfirm: confirmPage(lang, scope),
    unsubscribeDone: donePage(lang, scope),
    unsubscribeDoneQueued: donePage(lang, { purposeName: 'Newsletter' }),
    invalidLink: invalidLinkPage(lang),
    error: errorPage(lang),
    mail: Object.values(confirmationMail(lang, 'Demo Shop', 'Newsletter', 'https://x.example/c/t?x=1')).join(
      '\n',
    ),
  };
}

/** What a reader sees: the text between tags, and the text of attributes a screen reader says. */
function visibleText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]*>/g, '\n')
    .replace(/https?:\/\/\S+/g, '');
}

describe('French pages: no-break spaces in French punctuation', () => {
  const french = everyText('fr');

  it.each(Object.entries(french))('%s: a no-break space before : ; ! ? » and after «', (_name, html) => {
    const text = visibleText(html);
    // Every such mark comes right after a no-break space: never after a plain space, never glued to the word.
    const bad = [...text.matchAll(/(.{0,12})([:;!?»])/g)].filter(
      (m) => !new RegExp(`${NO_BREAK}$`).test(m[1]!),
    );
    expect(bad.map((m) => m[0])).toEqual([]);
    const openings = [...text.matchAll(/«(.)/g)].map((m) => m[1]);
    expect(openings.every((c) => new RegExp(NO_BREAK).test(c!))).toBe(true);
  });

  it('scans French text that has these marks at all (the test can fail)', () => {
    const all = Object.values(french).map(visibleText).join('\n');
    expect(all.match(/[:;!?»«]/g)?.length).toBeGreaterThan(20);
    expect(all).toContain('«\u00a0Offres');
  });

  it('leaves English alone', () => {
    const all = Object.values(everyText('en')).map(visibleText).join('\n');
    expect(all).not.toMatch(/[\u00a0\u202f]/);
  });
});
