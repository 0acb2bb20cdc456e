import { frenchSpacingOf } from '../../../domain/french-typography';
import { putWordingSchema, wordingVersionIdSchema } from '../../../schemas/api';
import { putWording } from '../../../services/state';
import { escapeHtml as e } from '../../pages/layout';
import type { Issue } from '../fields';
import { facts, instant } from '../layout';
import type { ConsoleRequest, ConsoleRoute } from '../router';
import {
  actions,
  code,
  done,
  field,
  invalid,
  parseAs,
  refusalOf,
  refused,
  type SettingsData,
  table,
} from './common';

/**
 * Wordings (R3): listed for both roles; an admin adds a version with the API's
 * `PUT /v1/wordings/{versionId}` (state.putWording, putWordingSchema): `wording.stored` in the
 * tenant's trail. A version is stored once: another text under it is refused (409), since
 * consents point at its text and hash.
 */
const TEXT = {
  en: {
    wordings: 'Wordings',
    version: 'Version',
    text: 'Text',
    created: 'Created',
    addTitle: 'Add a wording',
    versionId: 'Version id (e.g. newsletter-v2)',
    wording: 'Text, exactly as shown next to the box',
    immutable:
      'A version never changes once stored: consents point at its text and its SHA-256. A new text needs a new version id.',
    add: 'Add the wording',
    addedTitle: 'Wording stored',
    addedLead: 'Stored: a purpose can show it from now on (Change… on its row).',
    unchangedLead: 'This version was stored already with this very text: nothing changed.',
  },
  fr: frenchSpacingOf({
    wordings: 'Formulations',
    version: 'Version',
    text: 'Texte',
    created: 'Créée le',
    addTitle: 'Ajouter une formulation',
    versionId: 'Id de version (par exemple newsletter-v2)',
    wording: 'Texte, tel qu’il s’affiche à côté de la case',
    immutable:
      'Une version ne change plus une fois enregistrée : les consentements pointent vers son texte et son SHA-256. Un nouveau texte demande un nouvel id de version.',
    add: 'Ajouter la formulation',
    addedTitle: 'Formulation enregistrée',
    addedLead: 'Enregistrée : une finalité peut l’afficher dès maintenant (Modifier… sur sa ligne).',
    unchangedLead: 'Cette version était déjà enregistrée avec ce même texte : rien n’a changé.',
  }),
} as const;

function wordingForm(
  r: ConsoleRequest,
  values: Readonly<Record<string, string>>,
  issues: readonly Issue[],
  onSettings = false,
) {
  const t = TEXT[r.lang];
  return `<form method="post" action="/console/settings/wording">
${r.csrfField}
<label class="field" for="wording-versionId">${t.versionId}</label>
<input type="text" id="wording-versionId" name="versionId" required maxlength="100" spellcheck="false" value="${e(values.versionId ?? '')}"${invalid(issues, 'versionId')}>
<label class="field" for="wording-text">${t.wording}</label>
<textarea id="wording-text" name="text" required maxlength="10000" rows="3"${invalid(issues, 'text')}>${e(values.text ?? '')}</textarea>
<p class="muted">${t.immutable}</p>
${actions(r, t.add, !onSettings)}
</form>`;
}

/** The wordings part of the purposes section. */
export function wordingsSection(r: ConsoleRequest, { tenant }: SettingsData): string {
  const t = TEXT[r.lang];
  const rows = Object.values(tenant.wordings)
    .sort((a, b) => a.versionId.localeCompare(b.versionId))
    .map(
      (w) =>
        `<tr><td>${code(w.versionId)}</td><td>${e(w.text)}</td><td>${instant(r.lang, w.createdAt)}</td></tr>`,
    );
  const form = r.session.role === 'admin' ? `\n<h3>${t.addTitle}</h3>\n${wordingForm(r, {}, [], true)}` : '';
  return `<h3>${t.wordings}</h3>
${table(r.lang, [t.version, t.text, t.created], rows)}${form}`;
}

export const wordingsRoutes: readonly ConsoleRoute[] = [
  {
    path: '/console/settings/wording',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      // The text as typed (its spaces are part of the proof); the version id trimmed.
      const raw = r.form?.get('text');
      const values = { versionId: field(r.form, 'versionId'), text: typeof raw === 'string' ? raw : '' };
      const again = (issues: readonly Issue[], status = 400) =>
        refused(r, t.addTitle, issues, wordingForm(r, values, issues), status);
      const versionId = parseAs(r.lang, wordingVersionIdSchema, values.versionId, 'versionId');
      const body = parseAs(r.lang, putWordingSchema, { text: values.text });
      if (!versionId.ok || !body.ok)
        return again([...(versionId.ok ? [] : versionId.issues), ...(body.ok ? [] : body.issues)]);
      const before = r.deps.clock.now().toISOString();
      try {
        const stored = await putWording(r.deps, r.caller, versionId.data, body.data.text, r.actor);
        return done(
          r,
          t.addedTitle,
          stored.createdAt < before ? t.unchangedLead : t.addedLead,
          facts([
            [t.version, code(stored.versionId)],
            [t.text, e(stored.text)],
            ['SHA-256', code(stored.sha256)],
            [t.created, instant(r.lang, stored.createdAt)],
          ]),
        );
      } catch (error) {
        const refusal = refusalOf(error, () => 'versionId');
        return again(refusal.issues, refusal.status);
      }
    },
  },
];
