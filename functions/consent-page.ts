import { formOf, proofOf, valuesOf, wordingsOf } from '../shared/http/forms';
import { negotiateLanguage } from '../shared/http/pages/layout';
import {
  alreadySentPage,
  checkInboxPage,
  confirmedPage,
  confirmSubscriptionPage,
  consentPage,
  noEmailPage,
  nothingChosenPage,
} from '../shared/http/pages/recipient-pages';
import { errorPage, invalidLinkPage } from '../shared/http/pages/unsubscribe-pages';
import { publicHandler } from '../shared/http/public-handler';
import { html } from '../shared/http/responses';
import { wire } from '../shared/http/runtime';
import { secretsManager, ses, table } from '../shared/http/wiring';
import {
  confirmConsent,
  describeConfirmation,
  openConsentLink,
  requestConsent,
  viewConsentPage,
} from '../shared/services/consent-page';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, ses);

/**
 * GET /c/{token}: the consent page (nothing pre-ticked), or for a confirmation link the
 * double opt-in confirmation page; neither changes anything (link scanners prefetch).
 * POST /c/{token}: records the choice as pending and mails the confirmation link, or
 * confirms: the consent then takes effect with both times as proof (R3).
 */
export const handler = publicHandler(
  async (event, dependencies) => {
    const deps = dependencies();
    const lang = negotiateLanguage(event.headers?.['accept-language']);
    const link = await openConsentLink(deps, event.pathParameters?.token ?? '');
    if (link === undefined) return html(404, invalidLinkPage(lang));
    const isGet = event.requestContext.http.method === 'GET';

    if (link.kind === 'consent') {
      if (isGet)
        return html(200, consentPage(lang, link.tenant.name, await viewConsentPage(deps, link, lang)));
      const form = await formOf(event);
      if (form?.get('action') !== 'request') return html(400, invalidLinkPage(lang));
      const result = await requestConsent(
        deps,
        link,
        { ticked: valuesOf(form, 'purpose'), wordings: wordingsOf(form) },
        proofOf(event),
        lang,
      );
      if ('nothing' in result) return html(200, nothingChosenPage(lang));
      if ('alreadySent' in result) return html(200, alreadySentPage(lang));
      if ('undeliverable' in result) return html(200, noEmailPage(lang));
      return html(200, checkInboxPage(lang));
    }

    if (isGet) {
      const described = await describeConfirmation(deps, link);
      return described
        ? html(200, confirmSubscriptionPage(lang, link.tenant.name, described.purposes))
        : html(404, invalidLinkPage(lang));
    }
    const form = await formOf(event);
    if (form?.get('action') !== 'confirm') return html(400, invalidLinkPage(lang));
    const confirmed = await confirmConsent(deps, link, proofOf(event));
    return confirmed
      ? html(200, confirmedPage(lang, link.tenant.name, confirmed.purposes))
      : html(404, invalidLinkPage(lang));
  },
  (status) => html(status, status >= 500 ? errorPage('en') : invalidLinkPage('en')),
);
