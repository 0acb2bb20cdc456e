import { frenchSpacingOf } from '../../../domain/french-typography';
import { type SmsSettings, smsSettingsSchema } from '../../../schemas/tenant';
import { getTenant, putSmsSettings } from '../../../services/state';
import { escapeHtml as e } from '../../pages/layout';
import type { Issue } from '../fields';
import { facts } from '../layout';
import type { ConsoleRequest, ConsoleRoute } from '../router';
import {
  actions,
  COMMON,
  done,
  field,
  invalid,
  parseAs,
  refusalOf,
  refused,
  type SettingsData,
  weekday,
} from './common';

/**
 * The SMS sending window (R14): shown for both roles; an admin changes it with the API's
 * `PUT /v1/settings/sms` (state.putSmsSettings, smsSettingsSchema), the tenant's other SMS
 * settings kept as they are: `sms_settings.changed` in the tenant's trail. The legal floors
 * refuse a window looser than the law's (R14), naming the field.
 */
const TEXT = {
  en: {
    smsWindow: 'SMS sending window (R14)',
    days: 'Days',
    hours: 'Hours',
    start: 'From (HH:MM, the recipient’s time)',
    end: 'Until (HH:MM)',
    holidays: 'Public holidays skipped',
    change: 'Change the window',
    formTitle: 'Change the SMS sending window',
    save: 'Save the window',
    savedTitle: 'SMS window saved',
    savedLead: 'Saved: marketing SMS outside this window are deferred to its next opening.',
  },
  fr: frenchSpacingOf({
    smsWindow: 'Plage d’envoi des SMS (R14)',
    days: 'Jours',
    hours: 'Heures',
    start: 'De (HH:MM, heure du destinataire)',
    end: 'Jusqu’à (HH:MM)',
    holidays: 'Jours fériés exclus',
    change: 'Modifier la plage',
    formTitle: 'Modifier la plage d’envoi des SMS',
    save: 'Enregistrer la plage',
    savedTitle: 'Plage SMS enregistrée',
    savedLead:
      'Enregistrée : les SMS de prospection hors de cette plage sont reportés à sa prochaine ouverture.',
  }),
} as const;

type Window = SmsSettings['window'];

function windowFacts(r: ConsoleRequest, w: Window): string {
  const t = TEXT[r.lang];
  return facts([
    [t.days, e(w.days.map((d) => weekday(r.lang, d)).join(', '))],
    [t.hours, `${e(w.start)}–${e(w.end)}`],
    [t.holidays, w.skipPublicHolidays ? COMMON[r.lang].yes : COMMON[r.lang].no],
  ]);
}

/** The SMS window part of the identities section. */
export function smsSection(r: ConsoleRequest, { tenant }: SettingsData): string {
  const t = TEXT[r.lang];
  return `<h3>${t.smsWindow}</h3>
${windowFacts(r, tenant.settings.sms.window)}
${r.session.role === 'admin' ? `<p><a href="/console/settings/sms-window">${t.change}</a></p>` : ''}`;
}

type Values = { days: readonly string[]; start: string; end: string; skipPublicHolidays: boolean };

function windowForm(r: ConsoleRequest, v: Values, issues: readonly Issue[]): string {
  const t = TEXT[r.lang];
  const days = [1, 2, 3, 4, 5, 6, 7]
    .map(
      (d) =>
        `<p class="check"><input type="checkbox" id="sms-day-${d}" name="days" value="${d}"${v.days.includes(String(d)) ? ' checked' : ''}> <label for="sms-day-${d}">${e(weekday(r.lang, d))}</label></p>`,
    )
    .join('\n');
  return `<form method="post" action="/console/settings/sms-window">
${r.csrfField}
<fieldset><legend>${t.days}</legend>
${days}
</fieldset>
<label class="field" for="sms-start">${t.start}</label>
<input type="time" id="sms-start" name="start" required value="${e(v.start)}"${invalid(issues, 'window.start')}>
<label class="field" for="sms-end">${t.end}</label>
<input type="time" id="sms-end" name="end" required value="${e(v.end)}"${invalid(issues, 'window.end')}>
<p class="check"><input type="checkbox" id="sms-skipPublicHolidays" name="skipPublicHolidays" value="true"${v.skipPublicHolidays ? ' checked' : ''}${invalid(issues, 'window.skipPublicHolidays')}> <label for="sms-skipPublicHolidays">${t.holidays}</label></p>
${actions(r, t.save)}
</form>`;
}

const valuesOf = (w: Window): Values => ({
  days: w.days.map(String),
  start: w.start,
  end: w.end,
  skipPublicHolidays: w.skipPublicHolidays,
});

export const smsRoutes: readonly ConsoleRoute[] = [
  {
    path: '/console/settings/sms-window',
    method: 'GET',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const tenant = await getTenant(r.deps, r.caller);
      return {
        kind: 'page',
        title: t.formTitle,
        body: `<h1>${t.formTitle}</h1>\n${windowForm(r, valuesOf(tenant.settings.sms.window), [])}`,
      };
    },
  },
  {
    // PUT /v1/settings/sms with the tenant's other SMS settings as they are.
    path: '/console/settings/sms-window',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const tenant = await getTenant(r.deps, r.caller);
      const values: Values = {
        days: (r.form?.getAll('days') ?? []).filter((d): d is string => typeof d === 'string'),
        start: field(r.form, 'start'),
        end: field(r.form, 'end'),
        skipPublicHolidays: field(r.form, 'skipPublicHolidays') === 'true',
      };
      const again = (issues: readonly Issue[], status = 400) =>
        refused(r, t.formTitle, issues, windowForm(r, values, issues), status);
      const parsed = parseAs(r.lang, smsSettingsSchema, {
        ...tenant.settings.sms,
        window: { ...values, days: values.days.map(Number) },
      });
      if (!parsed.ok) return again(parsed.issues);
      try {
        const saved = await putSmsSettings(r.deps, r.caller, parsed.data, r.actor);
        return done(r, t.savedTitle, t.savedLead, windowFacts(r, saved.window));
      } catch (error) {
        const refusal = refusalOf(error, () => 'window');
        return again(refusal.issues, refusal.status);
      }
    },
  },
];
