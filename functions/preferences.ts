import { grants, type LinkAction } from '../shared/domain/link-capabilities';
import { formOf, proofOf, valuesOf, wordingsOf } from '../shared/http/forms';
import { negotiateLanguage } from '../shared/http/pages/layout';
import {
  exportConfirmPage,
  forgetConfirmPage,
  forgottenPage,
  preferencePage,
  stalePreferencesPage,
  stoppedPage,
} from '../shared/http/pages/recipient-pages';
import { errorPage, invalidLinkPage, linkSentPage } from '../shared/http/pages/unsubscribe-pages';
import { publicHandler } from '../shared/http/public-handler';
import { html, json } from '../shared/http/responses';
import { wire } from '../shared/http/runtime';
import { secretsManager, table } from '../shared/http/wiring';
import {
  describePreferencesLink,
  downloadData,
  forgetMe,
  requestFreshLink,
  savePreferences,
  stopAll,
  viewPreferences,
} from '../shared/services/preference-centre';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager);

/** The capability each form action needs (R15, link-capabilities.ts). */
const NEEDS: Readonly<Record<string, LinkAction>> = {
  save: 'save_preferences',
  stop_all: 'stop_all',
  export: 'export',
  export_confirmed: 'export',
  forget: 'erase',
  forget_confirmed: 'erase',
  preferences_link: 'request_fresh_link',
};

/**
 * GET /p/{token}: the preference centre (R15), which changes nothing.
 * POST /p/{token}: the page's forms, by `action`: save, stop_all, export, export_confirmed,
 * forget, forget_confirmed, preferences_link. Every change is recorded with the request's
 * IP and user agent (R3).
 *
 * R15 (amended): only a fresh link (`manage`) shows the choices and does more than stop
 * mail; a stale one (a `preferences` link from a body) gets the masked address, "stop all"
 * and a button that mails a fresh link to the address, and 403 for anything else.
 */
export const handler = publicHandler(
  async (event, dependencies) => {
    const deps = dependencies();
    const lang = negotiateLanguage(event.headers?.['accept-language']);
    const token = event.pathParameters?.token ?? '';
    const render = async (notice?: 'saved' | 'unchanged') => {
      const view = await viewPreferences(deps, token, lang);
      return view
        ? html(200, preferencePage(lang, { brand: view.tenant.name, ...view }, notice))
        : html(404, invalidLinkPage(lang));
    };
    const link = await describePreferencesLink(deps, token);
    if (link === undefined) return html(404, invalidLinkPage(lang));
    const stale = (status: number) =>
      html(status, stalePreferencesPage(lang, link.tenant.name, link.maskedAddress));
    if (event.requestContext.http.method === 'GET')
      return grants(link.claims.kind, 'view_preferences') ? render() : stale(200);

    const form = await formOf(event);
    const proof = proofOf(event);
    const action = form?.get('action');
    const needs = typeof action === 'string' ? NEEDS[action] : undefined;
    if (needs === undefined) return html(400, invalidLinkPage(lang));
    if (!grants(link.claims.kind, needs)) return stale(403);
    switch (action) {
      case 'preferences_link': {
        const outcome = await requestFreshLink(deps, token, lang);
        return outcome ? html(200, linkSentPage(lang, link.maskedAddress)) : html(404, invalidLinkPage(lang));
      }
      case 'save': {
        const result = await savePreferences(
          deps,
          token,
          {
            ticked: valuesOf(form!, 'purpose'),
            stopped: valuesOf(form!, 'stop'),
            wordings: wordingsOf(form!),
          },
          proof,
        );
        if (!result) return html(404, invalidLinkPage(lang));
        return render(result.changes.length > 0 ? 'saved' : 'unchanged');
      }
      case 'stop_all': {
        const result = await stopAll(deps, token, proof);
        return result ? html(200, stoppedPage(lang, result.tenant.name)) : html(404, invalidLinkPage(lang));
      }
      case 'export':
        return html(200, exportConfirmPage(lang, link.tenant.name));
      case 'export_confirmed': {
        const data = await downloadData(deps, token);
        if (!data) return html(404, invalidLinkPage(lang));
        return json(200, data, {
          'content-disposition': `attachment; filename="my-data-${data.controller.tenant}.json"`,
        });
      }
      case 'forget':
        return html(200, forgetConfirmPage(lang, link.tenant.name));
      case 'forget_confirmed': {
        const result = await forgetMe(deps, token, proof);
        return result ? html(200, forgottenPage(lang, result.tenant.name)) : html(404, invalidLinkPage(lang));
      }
      default:
        return html(400, invalidLinkPage(lang));
    }
  },
  (status) => html(status, status >= 500 ? errorPage('en') : invalidLinkPage('en')),
);
