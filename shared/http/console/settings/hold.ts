import * as z from 'zod';
import { frenchSpacingOf } from '../../../domain/french-typography';
import { getComplaintRate, liftComplaintHold } from '../../../services/complaint-rate';
import { escapeHtml as e } from '../../pages/layout';
import { type Issue, issueList, parseForm } from '../fields';
import { badge, facts, instant } from '../layout';
import type { ConsoleRequest, ConsoleRoute } from '../router';
import { code, done, invalid } from './common';

/**
 * The complaint-rate hold (mailbox provider thresholds): its figures; an admin lifts it with a
 * reason, through the API's lift (`complaint_hold.lifted` in the tenant's trail).
 */
const TEXT = {
  en: {
    hold: 'Complaint rate and hold',
    rate: 'Complaint rate',
    window: (d: number) => `over the last ${d} days`,
    sends: 'Deliveries',
    complaints: 'Complaints',
    thresholds: 'Warning / hold at',
    status: 'Status',
    holdSet: 'Hold set since',
    noHold: 'No hold: marketing email goes out.',
    held: 'held',
    lastLift: 'Last lift',
    reason: 'Why is it safe to send again? (kept in the audit trail)',
    lift: 'Lift the hold',
    liftedTitle: 'Hold lifted',
  },
  fr: frenchSpacingOf({
    hold: 'Taux de plaintes et suspension',
    rate: 'Taux de plaintes',
    window: (d: number) => `sur les ${d} derniers jours`,
    sends: 'Remises',
    complaints: 'Plaintes',
    thresholds: 'Alerte / suspension à',
    status: 'État',
    holdSet: 'Suspension depuis',
    noHold: 'Pas de suspension : la prospection par e-mail part.',
    held: 'suspendu',
    lastLift: 'Dernière levée',
    reason: 'Pourquoi peut-on envoyer de nouveau ? (conservé dans la piste d’audit)',
    lift: 'Lever la suspension',
    liftedTitle: 'Suspension levée',
  }),
} as const;

const liftSchema = z.object({
  reason: z
    .string()
    .trim()
    .min(3, 'is required (at least 3 characters)')
    .max(500, 'is longer than 500 characters'),
});

const percent = (rate: number | null | undefined) =>
  rate === undefined || rate === null ? '—' : `${(rate * 100).toFixed(2)} %`;

async function holdHtml(r: ConsoleRequest, issues: readonly Issue[]): Promise<string> {
  const t = TEXT[r.lang];
  const c = await getComplaintRate(r.deps, r.caller);
  const figures = facts([
    [t.rate, `${percent(c.rate)} ${e(t.window(c.windowDays))}`],
    [t.sends, String(c.sends)],
    [t.complaints, String(c.complaints)],
    [t.thresholds, `${percent(c.thresholds.warningRate)} / ${percent(c.thresholds.holdRate)}`],
    [t.status, code(c.status)],
    [t.lastLift, c.lastHoldLift === undefined ? undefined : instant(r.lang, c.lastHoldLift.at)],
  ]);
  if (c.hold === undefined) return `${figures}\n<p class="notice" role="status">${t.noHold}</p>`;
  const held = `${figures}\n<p class="notice error">${badge('bad', t.held)} ${t.holdSet} ${instant(r.lang, c.hold.since)} (${percent(c.hold.rate)}, ${c.hold.complaints}/${c.hold.sends})</p>`;
  if (r.session.role !== 'admin') return held;
  return `${held}
${issueList(issues)}<form method="post" action="/console/settings/lift-hold">
${r.csrfField}
<label class="field" for="reason">${t.reason}</label>
<input type="text" id="reason" name="reason" maxlength="500" required${invalid(issues, 'reason')}>
<div class="actions"><button type="submit" class="danger">${t.lift}</button></div>
</form>`;
}

/** The hold section of the page (with the lift form's problems, when it was refused). */
export async function holdSection(r: ConsoleRequest, issues: readonly Issue[] = []): Promise<string> {
  return `<section aria-labelledby="hold">
<h2 id="hold">${TEXT[r.lang].hold}</h2>
${await holdHtml(r, issues)}
</section>`;
}

export const holdRoutes: readonly ConsoleRoute[] = [
  {
    // Mailbox provider thresholds: the API's lift, with the console user and their reason in the tenant's trail.
    path: '/console/settings/lift-hold',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const parsed = parseForm(liftSchema, r.form);
      if (!parsed.ok) {
        return {
          kind: 'page',
          status: 400,
          title: t.hold,
          body: `<h1>${t.hold}</h1>\n${await holdHtml(r, parsed.issues)}`,
        };
      }
      const lifted = await liftComplaintHold(r.deps, r.caller, {
        actor: r.actor,
        reason: parsed.data.reason,
      });
      return done(r, t.liftedTitle, e(lifted.message), '');
    },
  },
];
