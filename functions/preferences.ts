import { publicHandler } from '../shared/http/api-handler';
import { formOf, proofOf, valuesOf, wordingsOf } from '../shared/http/forms';
import { negotiateLanguage } from '../shared/http/pages/layout';
import {
  forgetConfirmPage,
  forgottenPage,
  preferencePage,
  stoppedPage,
} from '../shared/http/pages/recipient-pages';
import { errorPage, invalidLinkPage } from '../shared/http/pages/unsubscribe-pages';
import { html, json } from '../shared/http/responses';
import {
  describePreferencesLink,
  downloadData,
  forgetMe,
  savePreferences,
  stopAll,
  viewPreferences,
} from '../shared/services/preference-centre';

/**
 * GET /p/{token}: the preference centre (R15), which changes nothing.
 * POST /p/{token}: the page's forms, by `action`: save, stop_all, export, forget,
 * forget_confirmed. Every change is recorded with the request's IP and user agent (R3).
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
    if (event.requestContext.http.method === 'GET') return render();

    const form = await formOf(event);
    const proof = proofOf(event);
    switch (form?.get('action')) {
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
      case 'export': {
        const data = await downloadData(deps, token);
        if (!data) return html(404, invalidLinkPage(lang));
        return json(200, data, {
          'content-disposition': `attachment; filename="my-data-${data.controller.tenant}.json"`,
        });
      }
      case 'forget': {
        const link = await describePreferencesLink(deps, token);
        return link ? html(200, forgetConfirmPage(lang, link.tenant.name)) : html(404, invalidLinkPage(lang));
      }
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
