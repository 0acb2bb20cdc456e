import { formOf } from '../shared/http/forms';
import { negotiateLanguage } from '../shared/http/pages/layout';
import {
  confirmPage,
  donePage,
  errorPage,
  invalidLinkPage,
  linkSentPage,
  unconfirmedPage,
} from '../shared/http/pages/unsubscribe-pages';
import { publicHandler } from '../shared/http/public-handler';
import { html } from '../shared/http/responses';
import { wire } from '../shared/http/runtime';
import { s3, secretsManager, sqs, table } from '../shared/http/wiring';
import { describeUnsubscribe, requestPreferencesLink, unsubscribe } from '../shared/services/unsubscribe';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, sqs, s3);

const retryAfter = (status: number): Record<string, string> =>
  status === 503 ? { 'retry-after': '30' } : {};

/**
 * GET /u/{token}: a confirmation page that changes nothing.
 * POST /u/{token}: RFC 8058 one-click (body `List-Unsubscribe=One-Click`, urlencoded or
 * multipart, no cookie, no login) or the page's button: records the objection at once (200),
 * or, when the store is unavailable, queues it durably, makes it readable by every send
 * (pending objections, R7) and confirms all the same (202); a 503 when neither the store
 * nor the queue could take it, or when it is queued but not yet readable by sends (the page
 * says it is received and asks for the retry that confirms it).
 * POST /u/{token} with `action=preferences_link` (R15): mails a fresh preferences link to
 * the address and says so; the link is never on the page.
 */
export const handler = publicHandler(
  async (event, dependencies) => {
    const deps = dependencies();
    const lang = negotiateLanguage(event.headers?.['accept-language']);
    const token = event.pathParameters?.token ?? '';
    if (event.requestContext.http.method === 'GET') {
      const scope = await describeUnsubscribe(deps, token);
      return scope ? html(200, confirmPage(lang, scope)) : html(404, invalidLinkPage(lang));
    }
    const form = await formOf(event);
    if (form?.get('action') === 'preferences_link') {
      const asked = await requestPreferencesLink(deps, token, lang);
      return asked ? html(200, linkSentPage(lang, asked.maskedAddress)) : html(404, invalidLinkPage(lang));
    }
    if (form?.get('List-Unsubscribe') !== 'One-Click') return html(400, invalidLinkPage(lang));
    const result = await unsubscribe(deps, token, {
      method: form.get('via') === 'page' ? 'unsubscribe_link' : 'one_click',
      ip: event.requestContext.http.sourceIp,
      userAgent: event.requestContext.http.userAgent,
    });
    if (result === undefined) return html(404, invalidLinkPage(lang));
    if (result.outcome === 'unconfirmed') return html(503, unconfirmedPage(lang), retryAfter(503));
    return html(result.outcome === 'queued' ? 202 : 200, donePage(lang, result));
  },
  (status) => html(status, status >= 500 ? errorPage('en') : invalidLinkPage('en'), retryAfter(status)),
);
