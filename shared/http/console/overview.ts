import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { CHART_LIBRARY_ASSETS } from '../../../infra/entry-points';
import { frenchSpacingOf } from '../../domain/french-typography';
import { type Overview, readOverview } from '../../services/counters';
import { escapeHtml as e, type Lang } from '../pages/layout';
import type { ConsoleAsset, ConsoleRoute } from './router';

/**
 * The console's Overview page: the base's inventory, decisions per day over 90 days by
 * outcome (stacked) with the top reasons, objections per day by channel and method (R7), the
 * complaint rate with the 0.1 % and 0.3 % lines and the hold (mailbox provider thresholds).
 * The figures are the counters CountEvents keeps from the table's stream (readOverview:
 * never a scan). The charts are uPlot, served by the gateway itself under hashed names (the
 * CSP allows scripts from the gateway only); the page hands them its figures in a JSON block,
 * and every chart has its table, for people who do not see it.
 */
export const OVERVIEW_PATH = '/console/overview';
export const OVERVIEW_DAYS = 90;

/** A file of an npm package: beside the bundle in AWS (the construct copies the entry point's `assets`), where npm put it locally. */
function packageFile(path: string): string {
  const beside = new URL(`./${basename(path)}`, import.meta.url);
  const file = existsSync(beside) ? beside : createRequire(import.meta.url).resolve(path);
  return readFileSync(file, 'utf8');
}

/** A file under a name that changes with its content: browsers may keep it for good. */
function hashed(stem: string, ext: string, contentType: string, body: string): ConsoleAsset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { name: `${stem}.${hash}.${ext}`, contentType, body: () => body };
}

/** Draws the page's charts from its JSON block (no inline script: the CSP forbids it). */
const OVERVIEW_SCRIPT = `(function () {
  'use strict';
  var block = document.getElementById('overview-data');
  if (!block || typeof uPlot === 'undefined') return;
  var data = JSON.parse(block.textContent);
  var t = data.text;
  var xs = data.days.map(function (d) { return Date.parse(d + 'T00:00:00Z') / 1000; });
  var fmt = new Intl.NumberFormat(data.lang);
  var pct = new Intl.NumberFormat(data.lang, { style: 'percent', maximumFractionDigits: 2 });
  var palette = ['#1d4ed8', '#b91c1c', '#a16207', '#047857', '#7c3aed', '#be185d', '#0e7490', '#4d7c0f'];
  function sizeOf(el) { return { width: Math.max(280, el.clientWidth || 600), height: 260 }; }
  function draw(id, series, values, extra) {
    var el = document.getElementById(id);
    if (!el) return;
    var size = sizeOf(el);
    var options = Object.assign({ width: size.width, height: size.height, series: [{ label: t.day }].concat(series),
      axes: [{}, { size: 60 }], scales: { x: { time: true } } }, extra || {});
    var chart = new uPlot(options, [xs].concat(values), el);
    window.addEventListener('resize', function () { chart.setSize(sizeOf(el)); });
  }
  var bars = uPlot.paths.bars({ size: [0.8, 24] });
  // Decisions: stacked bars, drawn from the top of the stack down; the legend shows each outcome's own value.
  var raw = [data.decisions.sent, data.decisions.rejected, data.decisions.deferred];
  var labels = [t.sent, t.rejected, t.deferred];
  var colours = ['#047857', '#b91c1c', '#a16207'];
  var stacked = [];
  var running = xs.map(function () { return 0; });
  raw.forEach(function (series) { running = running.map(function (v, i) { return v + series[i]; }); stacked.push(running); });
  var order = [2, 1, 0];
  draw('chart-decisions', order.map(function (k) {
    return { label: labels[k], fill: colours[k], stroke: colours[k], paths: bars, points: { show: false },
      value: function (u, v, si, i) { return i == null ? '–' : fmt.format(raw[k][i]); } };
  }), order.map(function (k) { return stacked[k]; }));
  // Objections (R7): one line per channel and method.
  var objections = data.objections.slice(0, 8);
  if (objections.length > 0)
    draw('chart-objections', objections.map(function (o, k) {
      return { label: o.label, stroke: palette[k % palette.length], width: 2,
        value: function (u, v) { return v == null ? '–' : fmt.format(v); } };
    }), objections.map(function (o) { return o.perDay; }));
  // Complaint rate, with the warning and hold lines.
  var rate = data.complaintRate;
  var top = Math.max(rate.holdRate * 1.5, Math.max.apply(null, rate.rate.map(function (r) { return r || 0; })) * 1.1);
  var flat = function (v) { return xs.map(function () { return v; }); };
  draw('chart-complaints', [
    { label: t.rate, stroke: '#1d4ed8', width: 2, spanGaps: false, points: { show: true, size: 7, fill: '#1d4ed8' }, value: function (u, v) { return v == null ? '–' : pct.format(v); } },
    { label: t.warning, stroke: '#a16207', dash: [6, 4], width: 1.5, points: { show: false }, value: function () { return pct.format(rate.warningRate); } },
    { label: t.hold, stroke: '#b91c1c', dash: [2, 3], width: 1.5, points: { show: false }, value: function () { return pct.format(rate.holdRate); } }
  ], [rate.rate, flat(rate.warningRate), flat(rate.holdRate)], {
    scales: { x: { time: true }, y: { range: [0, top] } },
    axes: [{}, { size: 70, values: function (u, ticks) { return ticks.map(function (v) { return pct.format(v); }); } }]
  });
})();
`;

/** uPlot's stylesheet and the page's own rules, in one file. */
const OVERVIEW_STYLE = `.chart { min-height: 260px; margin: .5rem 0; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
details { margin: .5rem 0 1.5rem; }
.u-legend { font-size: .9rem; }
`;

let assets: { library: ConsoleAsset; style: ConsoleAsset; script: ConsoleAsset } | undefined;
/** The page's three files, named by their content's hash. */
function overviewFiles() {
  assets ??= {
    library: hashed('uplot', 'js', 'text/javascript; charset=utf-8', packageFile(CHART_LIBRARY_ASSETS[0])),
    style: hashed(
      'overview',
      'css',
      'text/css; charset=utf-8',
      `${packageFile(CHART_LIBRARY_ASSETS[1])}\n${OVERVIEW_STYLE}`,
    ),
    script: hashed('overview', 'js', 'text/javascript; charset=utf-8', OVERVIEW_SCRIPT),
  };
  return assets;
}

export function overviewAssets(): ConsoleAsset[] {
  const files = overviewFiles();
  return [files.library, files.style, files.script];
}

const TEXT = {
  en: {
    nav: 'Overview',
    title: 'Overview',
    lead: (days: number) =>
      `The state of the base and the last ${days} days (UTC), from counters kept as each change is stored.`,
    inventory: 'Inventory',
    inventoryLead:
      'Each recipient is counted from its state as it was last changed, with the rules a send would meet (the complaint-rate hold, sender identities and SMS hours are left out: they are not the person’s).',
    channel: 'Channel',
    audience: 'Audience',
    recipients: 'Recipients',
    suppressed: 'Suppressed (bounce or complaint, R8)',
    repermissionOnly: 'Only by repermission (R13)',
    sendable: 'Could be sent to now, per purpose and basis',
    purpose: 'Purpose',
    basis: 'Basis',
    count: 'Count',
    none: 'Nothing counted yet.',
    decisions: 'Decisions per day',
    decisionsLead: 'Messages sent, rejected and deferred (R14), stacked.',
    topReasons: 'Top reasons of the rejections',
    reason: 'Reason',
    total: 'Total',
    objections: 'Objections per day, by channel and method (R7)',
    complaints: 'Complaint rate (email)',
    complaintsLead: (warning: string, hold: string) =>
      `Complaints per delivery each day, with the mailbox providers’ ${warning} line and the hold at ${hold}.`,
    holdSet: (since: string, rate: string) => `Marketing email is held since ${since} (rate ${rate}).`,
    noHold: 'No hold: marketing email goes out.',
    table: 'The figures as a table',
    tableNote: 'Days without any figure are left out.',
    day: 'Day',
    sent: 'Sent',
    rejected: 'Rejected',
    deferred: 'Deferred',
    rate: 'Complaint rate',
    warning: 'Warning',
    hold: 'Hold',
    deliveries: 'Deliveries',
    complaintsCol: 'Complaints',
    chartOf: (what: string) => `Chart: ${what}. The same figures are in the table below.`,
    audiences: { consumer: 'consumers', professional: 'professionals' } as Record<string, string>,
    channels: { email: 'email', sms: 'SMS' } as Record<string, string>,
  },
  fr: frenchSpacingOf({
    nav: 'Vue d’ensemble',
    title: 'Vue d’ensemble',
    lead: (days: number) =>
      `L’état de la base et les ${days} derniers jours (UTC), d’après des compteurs tenus à chaque changement enregistré.`,
    inventory: 'Inventaire',
    inventoryLead:
      'Chaque destinataire est compté d’après son état à son dernier changement, avec les règles qu’un envoi rencontrerait (la suspension pour plaintes, les identités d’expéditeur et les heures d’envoi des SMS sont laissées de côté : elles ne dépendent pas de la personne).',
    channel: 'Canal',
    audience: 'Public',
    recipients: 'Destinataires',
    suppressed: 'Exclus (rebond ou plainte, R8)',
    repermissionOnly: 'Seulement par nouvelle demande de consentement (R13)',
    sendable: 'Joignables maintenant, par finalité et base légale',
    purpose: 'Finalité',
    basis: 'Base',
    count: 'Nombre',
    none: 'Rien n’est encore compté.',
    decisions: 'Décisions par jour',
    decisionsLead: 'Messages envoyés, refusés et différés (R14), empilés.',
    topReasons: 'Principales raisons des refus',
    reason: 'Raison',
    total: 'Total',
    objections: 'Oppositions par jour, par canal et moyen (R7)',
    complaints: 'Taux de plainte (e-mail)',
    complaintsLead: (warning: string, hold: string) =>
      `Plaintes par e-mail remis chaque jour, avec le seuil d’alerte des messageries à ${warning} et la suspension à ${hold}.`,
    holdSet: (since: string, rate: string) =>
      `L’e-mail marketing est suspendu depuis le ${since} (taux ${rate}).`,
    noHold: 'Pas de suspension : l’e-mail marketing part.',
    table: 'Les chiffres en tableau',
    tableNote: 'Les jours sans aucun chiffre sont omis.',
    day: 'Jour',
    sent: 'Envoyés',
    rejected: 'Refusés',
    deferred: 'Différés',
    rate: 'Taux de plainte',
    warning: 'Alerte',
    hold: 'Suspension',
    deliveries: 'Remis',
    complaintsCol: 'Plaintes',
    chartOf: (what: string) => `Graphique : ${what}. Les mêmes chiffres sont dans le tableau qui suit.`,
    audiences: { consumer: 'particuliers', professional: 'professionnels' } as Record<string, string>,
    channels: { email: 'e-mail', sms: 'SMS' } as Record<string, string>,
  }),
};

/** The JSON block's text: `<` escaped so that no figure or label can close the script element. */
export function jsonBlock(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function table(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric = 1,
): string {
  const head = headers
    .map((h, i) => `<th scope="col"${i >= headers.length - numeric ? ' class="num"' : ''}>${e(h)}</th>`)
    .join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r
          .map((c, i) =>
            i === 0
              ? `<th scope="row">${e(c)}</th>`
              : `<td${i >= r.length - numeric ? ' class="num"' : ''}>${e(c)}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table><caption>${e(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

export function overviewPage(lang: Lang, o: Overview): string {
  const t = TEXT[lang];
  const n = new Intl.NumberFormat(lang);
  const pct = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 2 });
  const ch = (c: string) => t.channels[c] ?? c;
  const inv = o.inventory;
  const channels = [
    ...new Set([...inv.recipients, ...inv.suppressed, ...inv.repermissionOnly].map((r) => r.channel)),
  ].sort();
  const inventoryRows = channels.flatMap((c) => [
    ...inv.recipients
      .filter((r) => r.channel === c)
      .map((r) => [ch(c), `${t.recipients}, ${t.audiences[r.audience] ?? r.audience}`, n.format(r.count)]),
    [ch(c), t.suppressed, n.format(inv.suppressed.find((s) => s.channel === c)?.count ?? 0)],
    [ch(c), t.repermissionOnly, n.format(inv.repermissionOnly.find((s) => s.channel === c)?.count ?? 0)],
  ]);
  const active = (i: number) =>
    o.decisions.sent[i]! + o.decisions.rejected[i]! + o.decisions.deferred[i]! > 0;
  const decisionRows = o.days.flatMap((d, i) =>
    active(i)
      ? [
          [
            d,
            n.format(o.decisions.sent[i]!),
            n.format(o.decisions.rejected[i]!),
            n.format(o.decisions.deferred[i]!),
          ],
        ]
      : [],
  );
  const objections = o.objections.map((x) => ({
    label: `${ch(x.channel)} · ${x.method}`,
    perDay: x.perDay,
    total: x.total,
  }));
  const objectionRows = o.days.flatMap((d, i) => {
    const counts = objections.map((x) => x.perDay[i]!);
    return counts.some((c) => c > 0) ? [[d, ...counts.map((c) => n.format(c))]] : [];
  });
  const rate = o.complaintRate;
  const rateRows = o.days.flatMap((d, i) =>
    rate.sends[i]! + rate.complaints[i]! > 0
      ? [
          [
            d,
            n.format(rate.sends[i]!),
            n.format(rate.complaints[i]!),
            rate.rate[i] == null ? '–' : pct.format(rate.rate[i]!),
          ],
        ]
      : [],
  );
  const files = overviewFiles();
  const data = {
    lang,
    days: o.days,
    decisions: { sent: o.decisions.sent, rejected: o.decisions.rejected, deferred: o.decisions.deferred },
    objections,
    complaintRate: rate,
    text: {
      day: t.day,
      sent: t.sent,
      rejected: t.rejected,
      deferred: t.deferred,
      rate: t.rate,
      warning: t.warning,
      hold: t.hold,
    },
  };
  const figure = (
    id: string,
    title: string,
    lead: string,
    tableHtml: string,
    hasRows: boolean,
  ) => `<section aria-labelledby="${id}-title">
<h2 id="${id}-title">${e(title)}</h2>
<p>${e(lead)}</p>
<div class="chart" id="chart-${id}" role="img" aria-label="${e(t.chartOf(title))}"></div>
<details><summary>${e(t.table)}</summary>
${hasRows ? `<p class="muted">${e(t.tableNote)}</p>\n${tableHtml}` : `<p>${e(t.none)}</p>`}
</details>
</section>`;
  const hold = rate.hold
    ? `<p class="notice error" role="status"><span class="badge bad">${e(t.hold)}</span> ${e(t.holdSet(rate.hold.since, pct.format(rate.hold.rate)))}</p>`
    : `<p role="status"><span class="badge ok">${e(t.noHold)}</span></p>`;
  return `<link rel="stylesheet" href="/console/assets/${files.style.name}">
<h1>${e(t.title)}</h1>
<p>${e(t.lead(o.days.length))}</p>
<section aria-labelledby="inventory-title">
<h2 id="inventory-title">${e(t.inventory)}</h2>
<p>${e(t.inventoryLead)}</p>
${inventoryRows.length > 0 ? table(t.recipients, [t.channel, t.audience, t.count], inventoryRows) : `<p>${e(t.none)}</p>`}
${
  inv.sendable.length > 0
    ? table(
        t.sendable,
        [t.channel, t.purpose, t.basis, t.count],
        inv.sendable.map((s) => [ch(s.channel), s.purpose, s.basis, n.format(s.count)]),
      )
    : ''
}
</section>
${figure('decisions', t.decisions, t.decisionsLead, table(t.decisions, [t.day, t.sent, t.rejected, t.deferred], decisionRows, 3), decisionRows.length > 0)}
<section aria-labelledby="reasons-title">
<h2 id="reasons-title">${e(t.topReasons)}</h2>
${
  o.reasons.length > 0
    ? table(
        t.topReasons,
        [t.reason, t.channel, t.total],
        o.reasons.slice(0, 10).map((r) => [r.reason, ch(r.channel), n.format(r.total)]),
      )
    : `<p>${e(t.none)}</p>`
}
</section>
${figure('objections', t.objections, '', table(t.objections, [t.day, ...objections.map((x) => x.label)], objectionRows, objections.length), objectionRows.length > 0)}
${figure('complaints', t.complaints, t.complaintsLead(pct.format(rate.warningRate), pct.format(rate.holdRate)), table(t.complaints, [t.day, t.deliveries, t.complaintsCol, t.rate], rateRows, 3), rateRows.length > 0)}
${hold}
<script type="application/json" id="overview-data">${jsonBlock(data)}</script>
<script src="/console/assets/${files.library.name}" defer></script>
<script src="/console/assets/${files.script.name}" defer></script>`;
}

export const overviewRoutes: readonly ConsoleRoute[] = [
  {
    path: OVERVIEW_PATH,
    method: 'GET',
    roles: ['admin', 'compliance'],
    nav: { en: TEXT.en.nav, fr: TEXT.fr.nav },
    render: async (r) => {
      const overview = await readOverview(r.deps, r.caller.tenantId, {
        days: OVERVIEW_DAYS,
        now: r.deps.clock.now(),
      });
      return { kind: 'page', title: TEXT[r.lang].title, body: overviewPage(r.lang, overview) };
    },
  },
];
