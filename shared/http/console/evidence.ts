import { frenchSpacingOf } from '../../domain/french-typography';
import { NotFoundError } from '../../ports/gateway-store';
import { buildEvidencePack, type EvidenceSubject } from '../../services/evidence-pack';
import { escapeHtml as e, type Lang } from '../pages/layout';
import { issueList, issuesOf, messageLookupSchema, parseForm, recipientKeyFieldSchema } from './fields';
import type { ConsoleRequest, ConsoleResult, ConsoleRoute } from './router';

/**
 * The evidence pack (services/evidence-pack.ts): one ZIP (the content as canonical JSON, the
 * same as a PDF, and their SHA-256 in SHA256SUMS) for a message (from the Justify page) or a
 * recipient (from the Recipient page). A read: both roles may download it; its export is
 * written to the recipient's audit trail with the console user.
 */
const TEXT = {
  en: {
    button: 'Download evidence pack',
    note: 'A ZIP with evidence.json (for machines), evidence.pdf (the same content, for people) and SHA256SUMS (their hashes: sha256sum -c SHA256SUMS verifies them). The download is written to the recipient’s audit trail with your key.',
    title: 'Evidence pack',
    notFound: 'Nothing to put in an evidence pack: no such message or recipient in your tenant.',
    back: 'Back',
  },
  fr: frenchSpacingOf({
    button: 'Télécharger le dossier de preuve',
    note: 'Un ZIP avec evidence.json (pour les machines), evidence.pdf (le même contenu, pour les personnes) et SHA256SUMS (leurs empreintes : sha256sum -c SHA256SUMS les vérifie). Le téléchargement est inscrit dans la piste d’audit du destinataire avec votre clé.',
    title: 'Dossier de preuve',
    notFound:
      'Rien à mettre dans un dossier de preuve : aucun message ni destinataire de ce type dans votre organisation.',
    back: 'Retour',
  }),
} as const;

/** The button of the Justify result: the lookup's own fields, posted again. */
export function messageEvidenceForm(
  r: ConsoleRequest,
  v: { readonly channel: string; readonly address: string; readonly messageId: string },
): string {
  const t = TEXT[r.lang];
  return `<form method="post" action="/console/evidence/message">
${r.csrfField}
<input type="hidden" name="channel" value="${e(v.channel)}">
<input type="hidden" name="address" value="${e(v.address)}">
<input type="hidden" name="messageId" value="${e(v.messageId)}">
<button type="submit" class="secondary">${t.button}</button>
</form>`;
}

/** The button of the Recipient page: its key, never the address. */
export function recipientEvidenceForm(
  r: ConsoleRequest,
  v: { readonly recipientKey: string; readonly channel: string },
): string {
  return `<form method="post" action="/console/evidence/recipient">
${r.csrfField}
<input type="hidden" name="recipientKey" value="${e(v.recipientKey)}">
<input type="hidden" name="channel" value="${e(v.channel)}">
<button type="submit" class="secondary">${TEXT[r.lang].button}</button>
</form>`;
}

export const evidenceNote = (lang: Lang) => `<p class="muted">${TEXT[lang].note}</p>`;

function problem(r: ConsoleRequest, status: number, body: string): ConsoleResult {
  const t = TEXT[r.lang];
  return {
    kind: 'page',
    status,
    title: t.title,
    body: `<h1>${t.title}</h1>\n${body}\n<p><a href="/console">${t.back}</a></p>`,
  };
}

async function download(r: ConsoleRequest, subject: EvidenceSubject): Promise<ConsoleResult> {
  try {
    const pack = await buildEvidencePack(r.deps, r.caller, subject, r.actor);
    return { kind: 'download', filename: pack.filename, contentType: 'application/zip', bytes: pack.zip };
  } catch (error) {
    if (error instanceof NotFoundError)
      return problem(r, 404, `<p class="notice warning" role="status">${TEXT[r.lang].notFound}</p>`);
    return problem(r, 400, issueList(issuesOf(error)));
  }
}

export const evidenceRoutes: readonly ConsoleRoute[] = [
  {
    path: '/console/evidence/message',
    method: 'POST',
    roles: ['admin', 'compliance'],
    async render(r) {
      const parsed = parseForm(messageLookupSchema, r.form);
      if (!parsed.ok) return problem(r, 400, issueList(parsed.issues));
      return download(r, { type: 'message', ...parsed.data });
    },
  },
  {
    path: '/console/evidence/recipient',
    method: 'POST',
    roles: ['admin', 'compliance'],
    async render(r) {
      const parsed = parseForm(recipientKeyFieldSchema, r.form);
      if (!parsed.ok) return problem(r, 400, issueList(parsed.issues));
      return download(r, { type: 'recipient', ...parsed.data });
    },
  },
];
