import * as z from 'zod';
import { frenchSpacingOf } from '../../domain/french-typography';
import { LEGACY_OUTCOMES, type LegacyOutcome } from '../../domain/legacy-import';
import { MAX_API_IMPORT_ROWS } from '../../schemas/api';
import { type ImportReport, importLegacy } from '../../services/legacy-import';
import { escapeHtml as e, type Lang } from '../pages/layout';
import { type Issue, issueList, issuesOf } from './fields';
import type { ConsoleRequest, ConsoleResult, ConsoleRoute } from './router';

/**
 * Imports (R16): an admin uploads a small legacy CSV, imported by the API's own service
 * (`POST /v1/imports`: the same rows limit, the same outcomes, the same idempotent ids), its
 * audit events naming the console user. The result page counts the rows per outcome and lists
 * each outcome's rows by number with their problem, never an address; the gateway keeps no
 * import report, so the result shows once, with the whole list as a JSON download.
 */

/** Rows listed per outcome on the page; the JSON download has them all. */
export const ROWS_SHOWN_PER_OUTCOME = 50;

const mappingSchema = z
  .string()
  .trim()
  .max(10_000, 'is longer than 10,000 characters')
  .transform((text, ctx) => {
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not JSON: write {"Column of the file": "address"}' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(z.string().max(200), z.string().max(100), 'must map column names to column names').optional(),
  );

const number = (lang: Lang, n: number) => new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB').format(n);

const TEXT = {
  en: {
    nav: 'Imports',
    title: 'Imports',
    lead: 'Bring in an existing base (an old CRM export, a partner file): each row lands in one outcome, checked with the rules of a send (R16). Importing the same file again changes nothing.',
    limit: (max: string) =>
      `A file of at most ${max} rows, header first (the default header of docs/import.md, or your own columns with a mapping). Larger files: npm run import, which streams.`,
    file: 'CSV file',
    mapping: 'Column mapping (optional, JSON)',
    mappingHint:
      'For example {"E-mail": "address", "Consent date": "optin_at"}. Unmapped columns keep their name.',
    submit: 'Import',
    adminOnly: 'Importing changes consents: it needs an admin key. A compliance session only reads.',
    once: 'The gateway does not keep import reports: the result shows once, after the upload; download it as JSON to keep it. Each imported change is in its recipient’s audit trail, with your key.',
    fileRequired: 'is required: choose a CSV file',
    resultTitle: 'Import result',
    total: (n: string) => `${n} rows read.`,
    outcome: 'Outcome',
    rows: 'Rows',
    meaning: 'What it means',
    row: 'Row',
    problem: 'Problem',
    noProblem: '—',
    more: (shown: string, all: string) => `The first ${shown} of ${all} rows; the download has them all.`,
    download: 'Download the whole result (JSON)',
    rowNote: 'Row 1 is the first line after the header. The result names rows by number, never by address.',
    outcomes: {
      migrated_consent: 'a consent with its full proof (R3): stored, with its proof',
      soft_opt_in: 'a purchase in the purpose’s product family, a refusal offered (R2): stored',
      needs_repermission: 'no basis to write to them: marked to be asked again (R13)',
      opted_out: 'opted out, or already objected: an objection to all marketing on the channel (R7, R11)',
      expired: 'no act of the person within the retention (R9): nothing stored',
      bounced: 'a hard bounce, or already suppressed (R8): suppressed',
      invalid: 'unreadable row: nothing stored',
    } satisfies Record<LegacyOutcome, string>,
  },
  fr: frenchSpacingOf({
    nav: 'Imports',
    title: 'Imports',
    lead: 'Reprendre une base existante (un export d’un ancien CRM, un fichier partenaire) : chaque ligne reçoit un résultat, vérifié avec les règles d’un envoi (R16). Importer à nouveau le même fichier ne change rien.',
    limit: (max: string) =>
      `Un fichier de ${max} lignes au plus, en-tête d’abord (l’en-tête par défaut de docs/import.md, ou vos propres colonnes avec une correspondance). Fichiers plus gros : npm run import, qui les lit en flux.`,
    file: 'Fichier CSV',
    mapping: 'Correspondance des colonnes (facultative, JSON)',
    mappingHint:
      'Par exemple {"E-mail": "address", "Date du consentement": "optin_at"}. Les autres colonnes gardent leur nom.',
    submit: 'Importer',
    adminOnly:
      'Importer modifie des consentements : il faut une clé admin. Une session conformité ne fait que lire.',
    once: 'La passerelle ne conserve pas les rapports d’import : le résultat s’affiche une fois, après l’envoi du fichier ; téléchargez-le en JSON pour le garder. Chaque changement importé est dans la piste d’audit de son destinataire, avec votre clé.',
    fileRequired: 'est obligatoire : choisissez un fichier CSV',
    resultTitle: 'Résultat de l’import',
    total: (n: string) => `${n} lignes lues.`,
    outcome: 'Résultat',
    rows: 'Lignes',
    meaning: 'Ce que cela veut dire',
    row: 'Ligne',
    problem: 'Problème',
    noProblem: '—',
    more: (shown: string, all: string) =>
      `Les ${shown} premières lignes sur ${all} ; le téléchargement les contient toutes.`,
    download: 'Télécharger tout le résultat (JSON)',
    rowNote:
      'La ligne 1 est la première après l’en-tête. Le résultat désigne les lignes par leur numéro, jamais par leur adresse.',
    outcomes: {
      migrated_consent: 'un consentement avec toute sa preuve (R3) : enregistré, avec sa preuve',
      soft_opt_in: 'un achat dans la famille de produits de la finalité, un refus proposé (R2) : enregistré',
      needs_repermission: 'aucune base pour lui écrire : à qui redemander (R13)',
      opted_out: 'opposé, ou déjà opposé : une opposition à toute la prospection sur ce canal (R7, R11)',
      expired: 'aucun acte de la personne dans la durée de conservation (R9) : rien n’est enregistré',
      bounced: 'une adresse invalide (hard bounce), ou déjà supprimée (R8) : supprimée',
      invalid: 'ligne illisible : rien n’est enregistré',
    } satisfies Record<LegacyOutcome, string>,
  }),
} as const;

function formHtml(r: ConsoleRequest, values: { mapping?: string }, issues: readonly Issue[]): string {
  const t = TEXT[r.lang];
  const wrong = (field: string) =>
    issues.some((i) => i.field === field) ? ' aria-invalid="true" aria-describedby="form-errors"' : '';
  const form =
    r.session.role === 'admin'
      ? `${issueList(issues)}<form method="post" action="/console/imports" enctype="multipart/form-data">
${r.csrfField}
<label class="field" for="file">${t.file}</label>
<input type="file" id="file" name="file" accept=".csv,text/csv" required${wrong('file')}>
<label class="field" for="mapping">${t.mapping}</label>
<input type="text" id="mapping" name="mapping" autocomplete="off" spellcheck="false" aria-describedby="mapping-hint" value="${e(values.mapping ?? '')}"${wrong('mapping')}>
<p class="muted" id="mapping-hint">${e(t.mappingHint)}</p>
<div class="actions"><button type="submit">${t.submit}</button></div>
</form>`
      : `<p class="notice warning">${t.adminOnly}</p>`;
  return `<h1>${t.title}</h1>
<p>${t.lead}</p>
<p>${e(t.limit(number(r.lang, MAX_API_IMPORT_ROWS)))}</p>
${form}
<p class="muted">${t.once}</p>`;
}

/** The whole report as a file the browser saves (the page is the only time it exists). */
function downloadLink(report: ImportReport, at: Date, label: string): string {
  const data = Buffer.from(JSON.stringify(report, null, 2), 'utf8').toString('base64');
  const name = `import-${at.toISOString().replace(/[:.]/g, '-')}.json`;
  return `<a href="data:application/json;base64,${data}" download="${e(name)}">${e(label)}</a>`;
}

function resultHtml(r: ConsoleRequest, report: ImportReport, at: Date): string {
  const t = TEXT[r.lang];
  const n = (v: number) => number(r.lang, v);
  const summary = LEGACY_OUTCOMES.map(
    (o) =>
      `<tr><th scope="row"><code>${o}</code></th><td>${n(report.counts[o])}</td><td>${e(t.outcomes[o])}</td></tr>`,
  ).join('');
  const sections = LEGACY_OUTCOMES.filter((o) => report.counts[o] > 0)
    .map((o) => {
      const rows = report.rows.filter((row) => row.outcome === o);
      const shown = rows.slice(0, ROWS_SHOWN_PER_OUTCOME);
      const more =
        rows.length > shown.length
          ? `<p class="muted">${e(t.more(n(shown.length), n(rows.length)))}</p>`
          : '';
      return `<section aria-labelledby="outcome-${o}">
<h3 id="outcome-${o}"><code>${o}</code> (${n(rows.length)})</h3>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t.row}</th><th scope="col">${t.problem}</th></tr></thead>
<tbody>${shown.map((row) => `<tr><td>${row.row}</td><td>${row.reason === undefined ? t.noProblem : e(row.reason)}</td></tr>`).join('')}</tbody>
</table></div>
${more}</section>`;
    })
    .join('\n');
  return `<section aria-labelledby="result">
<h2 id="result">${t.resultTitle}</h2>
<p role="status">${e(t.total(n(report.rows.length)))}</p>
<div class="table-wrap"><table id="import-counts">
<thead><tr><th scope="col">${t.outcome}</th><th scope="col">${t.rows}</th><th scope="col">${t.meaning}</th></tr></thead>
<tbody>${summary}</tbody>
</table></div>
<p class="muted">${t.rowNote}</p>
<div class="actions">${downloadLink(report, at, t.download)}</div>
${sections}
</section>`;
}

/** The service's problems name the API's body; on the page it is the file field. */
const onPage = (issues: readonly Issue[]): Issue[] =>
  issues.map((i) => (i.field === '(body)' || i.field === 'csv' ? { ...i, field: 'file' } : i));

export const importsRoutes: readonly ConsoleRoute[] = [
  {
    path: '/console/imports',
    method: 'GET',
    roles: ['admin', 'compliance'],
    nav: { en: TEXT.en.nav, fr: TEXT.fr.nav },
    render: async (r) => ({ kind: 'page', title: TEXT[r.lang].title, body: formHtml(r, {}, []) }),
  },
  {
    // R16: importing writes consents, objections and suppressions: admins only.
    path: '/console/imports',
    method: 'POST',
    roles: ['admin'],
    async render(r): Promise<ConsoleResult> {
      const t = TEXT[r.lang];
      const rawMapping = r.form?.get('mapping');
      const values = { mapping: typeof rawMapping === 'string' ? rawMapping : '' };
      const refused = (issues: Issue[]): ConsoleResult => ({
        kind: 'page',
        status: 400,
        title: t.title,
        body: formHtml(r, values, issues),
      });
      const mapping = mappingSchema.safeParse(values.mapping);
      if (!mapping.success)
        return refused(mapping.error.issues.map((i) => ({ field: 'mapping', problem: i.message })));
      const file = r.form?.get('file');
      // A form sent with no file chosen carries an empty part.
      if (file === null || file === undefined || typeof file === 'string' || file.size === 0)
        return refused([{ field: 'file', problem: t.fileRequired }]);
      const at = r.deps.clock.now();
      try {
        const report = await importLegacy(
          r.deps,
          r.caller,
          { csv: await file.text(), mapping: mapping.data },
          r.actor,
        );
        return {
          kind: 'page',
          title: t.resultTitle,
          body: `${formHtml(r, values, [])}\n${resultHtml(r, report, at)}`,
        };
      } catch (error) {
        return refused(onPage(issuesOf(error)));
      }
    },
  },
];
