import * as z from 'zod';
import { frenchSpacingOf } from '../../../domain/french-typography';
import { own } from '../../../domain/own';
import { putSmsSenderSchema, smsSenderIdSchema } from '../../../schemas/api';
import { smsSenderTypeSchema } from '../../../schemas/tenant';
import { declareSmsSender, listAssignedIdentities, releaseSmsSender } from '../../../services/identities';
import { getTenant } from '../../../services/state';
import { escapeHtml as e } from '../../pages/layout';
import type { Issue } from '../fields';
import { facts } from '../layout';
import type { ConsoleRequest, ConsoleResult, ConsoleRoute } from '../router';
import {
  actions,
  COMMON,
  code,
  done,
  field,
  invalid,
  notFound,
  parseAs,
  refusalOf,
  refused,
  type SettingsData,
  table,
} from './common';

/**
 * SMS senders (R10): the operator assigns each (its sender id and origination identity) to one
 * tenant; an admin declares its type (`PUT /v1/sms-senders/{senderId}`: identities.declareSmsSender,
 * putSmsSenderSchema) or releases it after a confirmation step (`DELETE`), through the API's
 * services: `sms_sender.declared` and `sms_sender.released` in the tenant's trail.
 */
const TEXT = {
  en: {
    smsSenders: 'SMS senders',
    type: 'Type',
    origination: 'Origination identity',
    change: 'Change…',
    release: 'Release…',
    formTitle: (id: string) => `Declare the SMS sender ${id}`,
    typeLabel: 'Type (R10: what the id is; a phone number is a long code)',
    originationLabel: 'Origination identity it was assigned with',
    save: 'Save the sender',
    savedTitle: 'SMS sender saved',
    savedLead: 'Saved: messages from this sender go out as declared.',
    confirmTitle: 'Release this SMS sender?',
    confirmLead:
      'This tenant sends from it no more, replies to it reach it no more, and its claims are freed: only the operator can assign it again.',
    confirm: 'Yes, release it',
    releasedTitle: 'SMS sender released',
    releasedLead: 'Done: this tenant sends from it no more.',
    notAssigned: 'This SMS sender is not assigned to your tenant.',
  },
  fr: frenchSpacingOf({
    smsSenders: 'Expéditeurs SMS',
    type: 'Type',
    origination: 'Identité d’origine',
    change: 'Modifier…',
    release: 'Libérer…',
    formTitle: (id: string) => `Déclarer l’expéditeur SMS ${id}`,
    typeLabel: 'Type (R10 : ce qu’est l’id ; un numéro de téléphone est un numéro long)',
    originationLabel: 'Identité d’origine avec laquelle il a été attribué',
    save: 'Enregistrer l’expéditeur',
    savedTitle: 'Expéditeur SMS enregistré',
    savedLead: 'Enregistré : les messages de cet expéditeur partent comme déclaré.',
    confirmTitle: 'Libérer cet expéditeur SMS ?',
    confirmLead:
      'Cette organisation n’envoie plus depuis lui, les réponses ne lui parviennent plus, et ses réservations sont libérées : seul l’opérateur peut l’attribuer de nouveau.',
    confirm: 'Oui, le libérer',
    releasedTitle: 'Expéditeur SMS libéré',
    releasedLead: 'C’est fait : cette organisation n’envoie plus depuis lui.',
    notAssigned: 'Cet expéditeur SMS n’est pas attribué à votre organisation.',
  }),
} as const;

const senderForm = z.object({ senderId: smsSenderIdSchema });

/** The SMS senders part of the identities section. */
export function smsSendersSection(r: ConsoleRequest, { tenant, identities }: SettingsData): string {
  const t = TEXT[r.lang];
  const admin = r.session.role === 'admin';
  const rows = identities.smsSenders.map((s) => {
    const buttons = admin
      ? `<td><div class="actions"><a href="/console/settings/sms-sender?id=${encodeURIComponent(s.senderId)}" aria-label="${e(`${t.change} ${s.senderId}`)}">${t.change}</a><form method="post" action="/console/settings/sms-sender/release">${r.csrfField}<input type="hidden" name="senderId" value="${e(s.senderId)}"><button type="submit" class="danger" aria-label="${e(`${t.release} ${s.senderId}`)}">${t.release}</button></form></div></td>`
      : '';
    return `<tr><td>${code(s.senderId)}</td><td>${code(own(tenant.smsSenders, s.senderId)?.type)}</td><td>${code(s.originationIdentity)}</td>${buttons}</tr>`;
  });
  return `<h3>${t.smsSenders}</h3>
${table(r.lang, [COMMON[r.lang].id, t.type, t.origination, ...(admin ? [''] : [])], rows)}`;
}

type Values = Readonly<Record<string, string>>;

function declareForm(r: ConsoleRequest, values: Values, issues: readonly Issue[]) {
  const t = TEXT[r.lang];
  const types = smsSenderTypeSchema.options
    .map((o) => `<option value="${o}"${values.type === o ? ' selected' : ''}>${o}</option>`)
    .join('');
  return `<form method="post" action="/console/settings/sms-sender">
${r.csrfField}
<input type="hidden" name="senderId" value="${e(values.senderId ?? '')}">
<label class="field" for="sender-type">${t.typeLabel}</label>
<select id="sender-type" name="type"${invalid(issues, 'type')}>${types}</select>
<label class="field" for="sender-originationIdentity">${t.originationLabel}</label>
<input type="text" id="sender-originationIdentity" name="originationIdentity" required maxlength="256" spellcheck="false" value="${e(values.originationIdentity ?? '')}"${invalid(issues, 'originationIdentity')}>
${actions(r, t.save)}
</form>`;
}

/** The sender of the form, if the operator assigned it to this tenant; otherwise the page that says so. */
async function assigned(r: ConsoleRequest, senderId: unknown) {
  const t = TEXT[r.lang];
  const parsed = parseAs(r.lang, senderForm, { senderId: senderId ?? '' });
  if (!parsed.ok) return refused(r, t.smsSenders, parsed.issues, '');
  const { smsSenders } = await listAssignedIdentities(r.deps, r.caller.tenantId);
  const sender = smsSenders.find((s) => s.senderId === parsed.data.senderId);
  return sender ?? notFound(r, t.notAssigned);
}
const isPage = (v: object): v is ConsoleResult => 'kind' in v;

export const smsSendersRoutes: readonly ConsoleRoute[] = [
  {
    path: '/console/settings/sms-sender',
    method: 'GET',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const sender = await assigned(r, r.query.get('id'));
      if (isPage(sender)) return sender;
      const declared = own((await getTenant(r.deps, r.caller)).smsSenders, sender.senderId);
      const title = t.formTitle(sender.senderId);
      const values = {
        senderId: sender.senderId,
        type: declared?.type ?? '',
        originationIdentity: sender.originationIdentity,
      };
      return { kind: 'page', title, body: `<h1>${e(title)}</h1>\n${declareForm(r, values, [])}` };
    },
  },
  {
    // PUT /v1/sms-senders/{senderId}: refused for a sender or origination not assigned to this tenant.
    path: '/console/settings/sms-sender',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const values = Object.fromEntries(
        ['senderId', 'type', 'originationIdentity'].map((n) => [n, field(r.form, n)]),
      );
      const senderId = values.senderId ?? '';
      const again = (issues: readonly Issue[], status = 400) =>
        refused(r, e(t.formTitle(senderId)), issues, declareForm(r, values, issues), status);
      const id = parseAs(r.lang, smsSenderIdSchema, senderId, 'senderId');
      const body = parseAs(r.lang, putSmsSenderSchema, {
        type: values.type,
        originationIdentity: values.originationIdentity,
      });
      if (!id.ok || !body.ok) return again([...(id.ok ? [] : id.issues), ...(body.ok ? [] : body.issues)]);
      try {
        const saved = await declareSmsSender(r.deps, r.caller, id.data, body.data, r.actor);
        return done(
          r,
          t.savedTitle,
          t.savedLead,
          facts([
            [COMMON[r.lang].id, code(saved.id)],
            [t.type, code(saved.type)],
            [t.origination, code(saved.originationIdentity)],
          ]),
        );
      } catch (error) {
        const refusal = refusalOf(error, (identity) =>
          identity === id.data ? 'senderId' : 'originationIdentity',
        );
        return again(refusal.issues, refusal.status);
      }
    },
  },
  {
    // The confirmation step: changes nothing.
    path: '/console/settings/sms-sender/release',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const sender = await assigned(r, r.form?.get('senderId'));
      if (isPage(sender)) return sender;
      return {
        kind: 'page',
        title: t.confirmTitle,
        body: `<h1>${t.confirmTitle}</h1>
${facts([
  [COMMON[r.lang].id, code(sender.senderId)],
  [t.origination, code(sender.originationIdentity)],
])}
<p>${t.confirmLead}</p>
<form method="post" action="/console/settings/sms-sender/release/confirm">
${r.csrfField}
<input type="hidden" name="senderId" value="${e(sender.senderId)}">
<div class="actions"><button type="submit" class="danger">${t.confirm}</button> <a href="/console/settings">${COMMON[r.lang].cancel}</a></div>
</form>`,
      };
    },
  },
  {
    // DELETE /v1/sms-senders/{senderId}: only one assigned to this tenant (nothing else is touched).
    path: '/console/settings/sms-sender/release/confirm',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const sender = await assigned(r, r.form?.get('senderId'));
      if (isPage(sender)) return sender;
      await releaseSmsSender(r.deps, r.caller, sender.senderId, r.actor);
      return done(
        r,
        t.releasedTitle,
        t.releasedLead,
        facts([
          [COMMON[r.lang].id, code(sender.senderId)],
          [t.origination, code(sender.originationIdentity)],
        ]),
      );
    },
  },
];
