import { frenchSpacingOf } from '../../../domain/french-typography';
import { own } from '../../../domain/own';
import { type Purpose, purposeIdSchema, purposeInputSchema, type Tenant } from '../../../schemas/tenant';
import { purposeCategorySchema } from '../../../schemas/vocabulary';
import { getTenant, putPurpose } from '../../../services/state';
import { escapeHtml as e } from '../../pages/layout';
import type { Issue } from '../fields';
import { facts } from '../layout';
import type { ConsoleRequest, ConsoleRoute } from '../router';
import {
  actions,
  COMMON,
  code,
  done,
  field,
  invalid,
  listOf,
  parseAs,
  refusalOf,
  refused,
  type SettingsData,
  table,
} from './common';

/**
 * Purposes: listed for both roles; an admin creates or changes one with the API's
 * `PUT /v1/purposes/{purposeId}` (state.putPurpose, purposeInputSchema): `purpose.declared`
 * in the tenant's trail, with the console user.
 */
const TEXT = {
  en: {
    purposes: 'Purposes',
    purpose: 'Purpose',
    category: 'Category',
    wording: 'Wording (version)',
    add: 'Add a purpose',
    change: 'Change…',
    newTitle: 'Add a purpose',
    changeTitle: (id: string) => `Change the purpose ${id}`,
    id: 'Id (lower-case letters, digits, “-” or “_”; it cannot be changed later)',
    name: 'Name, as recipients see it',
    productFamily: 'Product family (R2: soft opt-in covers this family only)',
    topics: 'Professional topics (R4), separated by commas',
    sensitive: 'Built on special-category data (R12: explicit consent only)',
    wordingVersion: 'Wording shown next to it (R3)',
    standard: 'the standard sentence, in the page’s language',
    offers: 'Purposes its consent page asks for (repermission only, R13), separated by commas',
    save: 'Save the purpose',
    savedTitle: 'Purpose saved',
    savedLead: 'Saved: the gate decides with it from now on (within 5 s on every instance).',
    topicsShort: 'Topics',
    sensitiveShort: 'Special-category data',
    familyShort: 'Product family',
    offersShort: 'Offers',
  },
  fr: frenchSpacingOf({
    purposes: 'Finalités',
    purpose: 'Finalité',
    category: 'Catégorie',
    wording: 'Formulation (version)',
    add: 'Ajouter une finalité',
    change: 'Modifier…',
    newTitle: 'Ajouter une finalité',
    changeTitle: (id: string) => `Modifier la finalité ${id}`,
    id: 'Id (lettres minuscules, chiffres, « - » ou « _ » ; il ne pourra plus changer)',
    name: 'Nom, tel que les destinataires le voient',
    productFamily: 'Famille de produits (R2 : le soft opt-in ne couvre que cette famille)',
    topics: 'Sujets professionnels (R4), séparés par des virgules',
    sensitive: 'Fondée sur des données sensibles (R12 : consentement explicite seulement)',
    wordingVersion: 'Formulation affichée à côté (R3)',
    standard: 'la phrase standard, dans la langue de la page',
    offers:
      'Finalités que sa page de consentement propose (repermission seulement, R13), séparées par des virgules',
    save: 'Enregistrer la finalité',
    savedTitle: 'Finalité enregistrée',
    savedLead: 'Enregistrée : la passerelle décide avec elle dès maintenant (sous 5 s sur chaque instance).',
    topicsShort: 'Sujets',
    sensitiveShort: 'Données sensibles',
    familyShort: 'Famille de produits',
    offersShort: 'Offres',
  }),
} as const;

/** The purposes section of the page. */
export function purposesSection(r: ConsoleRequest, { tenant }: SettingsData): string {
  const t = TEXT[r.lang];
  const admin = r.session.role === 'admin';
  const rows = Object.values(tenant.purposes)
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((p) => {
      const change = admin
        ? `<td><a href="/console/settings/purpose?id=${encodeURIComponent(p.id)}" aria-label="${e(`${t.change} ${p.id}`)}">${t.change}</a></td>`
        : '';
      return `<tr><td>${e(p.name)} ${code(p.id)}</td><td>${code(p.category)}</td><td>${p.wordingVersion === undefined ? '—' : code(p.wordingVersion)}</td>${change}</tr>`;
    });
  return `<h2 id="purposes">${t.purposes}</h2>
${table(r.lang, [t.purpose, t.category, t.wording, ...(admin ? [''] : [])], rows)}
${admin ? `<p><a href="/console/settings/purpose">${t.add}</a></p>` : ''}`;
}

type Values = Readonly<Record<string, string>>;

const valuesOf = (p: Purpose): Values => ({
  id: p.id,
  name: p.name,
  category: p.category,
  productFamily: p.productFamily ?? '',
  topics: p.topics.join(', '),
  sensitive: p.sensitive ? 'true' : '',
  wordingVersion: p.wordingVersion ?? '',
  offers: (p.offers ?? []).join(', '),
});

const FIELDS = ['name', 'productFamily', 'topics', 'sensitive', 'wordingVersion', 'offers'] as const;

function purposeForm(
  r: ConsoleRequest,
  tenant: Tenant,
  values: Values,
  existing: boolean,
  issues: readonly Issue[],
) {
  const t = TEXT[r.lang];
  const v = (name: string) => e(values[name] ?? '');
  const text = (name: string, label: string, extra = '') =>
    `<label class="field" for="purpose-${name}">${label}</label>
<input type="text" id="purpose-${name}" name="${name}" value="${v(name)}"${extra}${invalid(issues, name)}>`;
  const categories = purposeCategorySchema.options
    .map((c) => `<option value="${c}"${values.category === c ? ' selected' : ''}>${c}</option>`)
    .join('');
  const wordings = Object.values(tenant.wordings)
    .sort((a, b) => a.versionId.localeCompare(b.versionId))
    .map(
      (w) =>
        `<option value="${e(w.versionId)}"${values.wordingVersion === w.versionId ? ' selected' : ''}>${e(w.versionId)}</option>`,
    )
    .join('');
  return `<form method="post" action="/console/settings/purpose">
${r.csrfField}
${text('id', t.id, ` required maxlength="63" spellcheck="false"${existing ? ' readonly' : ''}`)}
${text('name', t.name, ' required maxlength="200"')}
<label class="field" for="purpose-category">${t.category}</label>
<select id="purpose-category" name="category"${invalid(issues, 'category')}>${categories}</select>
${text('productFamily', t.productFamily, ' maxlength="100"')}
${text('topics', t.topics)}
<p class="check"><input type="checkbox" id="purpose-sensitive" name="sensitive" value="true"${values.sensitive === 'true' ? ' checked' : ''}${invalid(issues, 'sensitive')}> <label for="purpose-sensitive">${t.sensitive}</label></p>
<label class="field" for="purpose-wordingVersion">${t.wordingVersion}</label>
<select id="purpose-wordingVersion" name="wordingVersion"${invalid(issues, 'wordingVersion')}><option value="">${t.standard}</option>${wordings}</select>
${text('offers', t.offers)}
${actions(r, t.save)}
</form>`;
}

/** The form's fields as PUT /v1/purposes/{purposeId}'s body (lists from commas, the box as a boolean). */
function inputOf(form: FormData | undefined) {
  const optional = (name: string) => (field(form, name) === '' ? undefined : field(form, name));
  return {
    name: field(form, 'name'),
    category: field(form, 'category'),
    productFamily: optional('productFamily'),
    topics: listOf(field(form, 'topics')),
    sensitive: field(form, 'sensitive') === 'true',
    wordingVersion: optional('wordingVersion'),
    offers: optional('offers') === undefined ? undefined : listOf(field(form, 'offers')),
  };
}

const formValues = (form: FormData | undefined): Values =>
  Object.fromEntries(['id', 'category', ...FIELDS].map((n) => [n, field(form, n)]));

export const purposesRoutes: readonly ConsoleRoute[] = [
  {
    // The form: empty for a new purpose, or the purpose `?id=` as stored.
    path: '/console/settings/purpose',
    method: 'GET',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const tenant = await getTenant(r.deps, r.caller);
      const purpose = own(tenant.purposes, r.query.get('id') ?? '');
      const title = purpose === undefined ? t.newTitle : t.changeTitle(purpose.id);
      const values = purpose === undefined ? { category: 'marketing' } : valuesOf(purpose);
      return {
        kind: 'page',
        title,
        body: `<h1>${e(title)}</h1>\n${purposeForm(r, tenant, values, purpose !== undefined, [])}`,
      };
    },
  },
  {
    path: '/console/settings/purpose',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const tenant = await getTenant(r.deps, r.caller);
      const values = formValues(r.form);
      const existing = own(tenant.purposes, values.id ?? '') !== undefined;
      const again = (issues: readonly Issue[], status = 400) =>
        refused(
          r,
          existing ? e(t.changeTitle(values.id ?? '')) : t.newTitle,
          issues,
          purposeForm(r, tenant, values, existing, issues),
          status,
        );
      const id = parseAs(r.lang, purposeIdSchema, values.id, 'id');
      const input = parseAs(r.lang, purposeInputSchema, inputOf(r.form));
      if (!id.ok || !input.ok) return again([...(id.ok ? [] : id.issues), ...(input.ok ? [] : input.issues)]);
      try {
        const saved = await putPurpose(r.deps, r.caller, id.data, input.data, r.actor);
        const c = COMMON[r.lang];
        return done(
          r,
          t.savedTitle,
          t.savedLead,
          facts([
            [c.id, code(saved.id)],
            [t.name, e(saved.name)],
            [t.category, code(saved.category)],
            [t.familyShort, saved.productFamily === undefined ? undefined : code(saved.productFamily)],
            [t.topicsShort, saved.topics.length === 0 ? undefined : e(saved.topics.join(', '))],
            [t.sensitiveShort, saved.sensitive ? c.yes : c.no],
            [t.wording, saved.wordingVersion === undefined ? t.standard : code(saved.wordingVersion)],
            [t.offersShort, saved.offers === undefined ? undefined : e(saved.offers.join(', '))],
          ]),
        );
      } catch (error) {
        const refusal = refusalOf(error, () => 'form');
        return again(refusal.issues, refusal.status);
      }
    },
  },
];
