import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { zipSync } from 'fflate';
import { PDFDocument, type PDFFont, StandardFonts } from 'pdf-lib';
import type { Actor } from '../schemas/audit';
import type { Channel } from '../schemas/vocabulary';
import type { Caller, Dependencies } from './dependencies';
import { justifyMessage } from './justify-message';
import { recipientByAddress, recipientByKey } from './recipient-view';
import { recordChanges } from './record-change';

/**
 * The evidence pack (R3, R15): what the Justify page (a message) or the Recipient page (a
 * recipient) shows, as one file a DPO can hand to an authority. It is a ZIP of
 * `evidence.json` (the content, as canonical JSON, RFC 8785: the same bytes for the same
 * content), `evidence.pdf` (the same content for people: every field of the JSON, one per line)
 * and `SHA256SUMS` (the SHA-256 of both, in sha256sum's format: `sha256sum -c SHA256SUMS`
 * verifies them). The pack is read from the same services as the pages, and its export is
 * written to the recipient's audit trail with the actor who asked for it.
 */
export const EVIDENCE_FORMAT = 'consent-gate.evidence-pack';

export type EvidenceSubject =
  | {
      readonly type: 'message';
      readonly channel: Channel;
      readonly address: string;
      readonly messageId: string;
    }
  | { readonly type: 'recipient'; readonly channel: Channel; readonly recipientKey: string }
  | { readonly type: 'recipient-address'; readonly channel: Channel; readonly address: string };

export interface EvidencePack {
  /** The content (what evidence.json holds, parsed). */
  readonly content: Record<string, unknown>;
  readonly json: Uint8Array;
  readonly pdf: Uint8Array;
  readonly sums: string;
  readonly zip: Uint8Array;
  readonly filename: string;
  readonly sha256: { readonly json: string; readonly pdf: string };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Drops `undefined` (JSON has none) so that the canonical form and the PDF list the same fields. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null');

/** The pack's content, from the same services as the console's pages. */
async function contentOf(
  deps: Dependencies,
  caller: Caller,
  subject: EvidenceSubject,
  actor: Actor,
): Promise<{ content: Record<string, unknown>; recipientKey: string; channel: Channel; name: string }> {
  const tenant = await deps.tenants.getTenant(caller.tenantId);
  const controller = {
    tenant: caller.tenantId,
    name: tenant?.name,
    controllerNames: tenant?.controllerNames,
  };
  const head = {
    format: EVIDENCE_FORMAT,
    version: 1,
    generatedAt: deps.clock.now().toISOString(),
    generatedBy: actor,
    controller,
  };
  if (subject.type === 'message') {
    const j = await justifyMessage(deps, caller, subject);
    const { audit, ...message } = j;
    return {
      content: plain({
        ...head,
        subject: {
          type: 'message',
          messageId: j.messageId,
          recipientKey: j.recipientKey,
          channel: j.channel,
        },
        message,
        auditVerification: audit,
      }) as Record<string, unknown>,
      recipientKey: j.recipientKey,
      channel: j.channel,
      name: `message-${j.messageId}`,
    };
  }
  const v =
    subject.type === 'recipient'
      ? await recipientByKey(deps, caller, subject.recipientKey, subject.channel)
      : await recipientByAddress(deps, caller, subject);
  return {
    content: plain({
      ...head,
      subject: { type: 'recipient', recipientKey: v.recipientKey, channel: v.channel },
      recipient: {
        state: v.state,
        purposes: Object.fromEntries(
          Object.keys(v.state.consents).map((p) => [p, { name: v.tenant.purposes[p]?.name }]),
        ),
        timeline: v.timeline,
      },
      auditVerification: v.audit,
    }) as Record<string, unknown>,
    recipientKey: v.recipientKey,
    channel: v.channel,
    name: `recipient-${v.recipientKey.slice(0, 12)}`,
  };
}

/** Every leaf of the content as `path: value`, in the canonical (sorted) order of the JSON. */
export function linesOf(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') {
    return [`${path}: ${typeof value === 'string' ? value : JSON.stringify(value)}`];
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : Object.keys(value)
        .sort()
        .map((k) => [k, (value as Record<string, unknown>)[k]] as const);
  if (entries.length === 0) return [`${path}: ${Array.isArray(value) ? '[]' : '{}'}`];
  return entries.flatMap(([k, v]) => linesOf(v, path === '' ? k : `${path}.${k}`));
}

/** The standard fonts encode WinAnsi only: anything else is written as `?` rather than refused. */
function encodable(font: PDFFont, text: string): string {
  let out = '';
  for (const ch of text.replace(/[\r\n\t]/g, ' ')) {
    try {
      font.encodeText(ch);
      out += ch;
    } catch {
      out += '?';
    }
  }
  return out;
}

function wrap(font: PDFFont, size: number, width: number, text: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const ch of text) {
    if (font.widthOfTextAtSize(line + ch, size) > width) {
      out.push(line);
      line = `    ${ch}`;
    } else line += ch;
  }
  out.push(line);
  return out;
}

/** The PDF: a title, the subject, the JSON's hash, then every field of the content. */
export async function renderPdf(content: Record<string, unknown>, jsonSha256: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const at = new Date(String(content.generatedAt));
  const subject = content.subject as { type: string; messageId?: string; recipientKey: string };
  const title =
    subject.type === 'message'
      ? `Evidence pack: message ${subject.messageId}`
      : `Evidence pack: recipient ${subject.recipientKey}`;
  doc.setTitle(title);
  doc.setSubject('consent-gate evidence pack');
  doc.setProducer('consent-gate');
  doc.setCreator('consent-gate');
  doc.setCreationDate(at);
  doc.setModificationDate(at);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const [pageWidth, pageHeight] = [595.28, 841.89]; // A4
  const margin = 48;
  const size = 8.5;
  const leading = 11.5;
  let page = doc.addPage([pageWidth, pageHeight]);
  let y = pageHeight - margin;
  const write = (text: string, f: PDFFont, s: number) => {
    for (const line of wrap(f, s, pageWidth - 2 * margin, encodable(f, text))) {
      if (y < margin) {
        page = doc.addPage([pageWidth, pageHeight]);
        y = pageHeight - margin;
      }
      page.drawText(line, { x: margin, y, size: s, font: f });
      y -= s === size ? leading : s * 1.5;
    }
  };
  write(title, bold, 14);
  write(
    `Generated at ${content.generatedAt} for ${(content.controller as { tenant: string }).tenant}`,
    font,
    size,
  );
  write(`SHA-256 of evidence.json: ${jsonSha256}`, font, size);
  write(
    'This document lists every field of evidence.json (the same content, one field per line). SHA256SUMS holds the hash of both files: sha256sum -c SHA256SUMS verifies them.',
    font,
    size,
  );
  y -= leading;
  let section = '';
  for (const line of linesOf(content)) {
    const top = line.slice(0, line.search(/[.:]/));
    if (top !== section) {
      section = top;
      y -= leading / 2;
      write(top, bold, 11);
    }
    write(line, font, size);
  }
  return doc.save({ useObjectStreams: false });
}

/** Builds the pack and writes its export to the recipient's audit trail (R15), with `actor`. */
export async function buildEvidencePack(
  deps: Dependencies,
  caller: Caller,
  subject: EvidenceSubject,
  actor: Actor,
): Promise<EvidencePack> {
  const { content, recipientKey, channel, name } = await contentOf(deps, caller, subject, actor);
  const text = canonicalize(content);
  if (text === undefined) throw new Error('The evidence pack has no JSON form');
  const json = new TextEncoder().encode(text);
  const jsonSha = sha256(json);
  const pdf = await renderPdf(content, jsonSha);
  const pdfSha = sha256(pdf);
  const sums = `${jsonSha}  evidence.json\n${pdfSha}  evidence.pdf\n`;
  const mtime = new Date(String(content.generatedAt));
  const zip = zipSync(
    {
      'evidence.json': [json, { mtime }],
      'evidence.pdf': [pdf, { mtime }],
      SHA256SUMS: [new TextEncoder().encode(sums), { mtime }],
    },
    { level: 6 },
  );
  await recordChanges(deps, { tenantId: caller.tenantId, recipientKey, channel }, [
    {
      type: 'data.exported',
      actor,
      why: 'R15: evidence pack',
      data: {
        pack: 'evidence',
        subject: (content.subject as { type: string }).type,
        ...(subject.type === 'message' ? { messageId: subject.messageId } : {}),
        sha256: { json: jsonSha, pdf: pdfSha },
      },
    },
  ]);
  return {
    content,
    json,
    pdf,
    sums,
    zip,
    filename: `evidence-${name}.zip`,
    sha256: { json: jsonSha, pdf: pdfSha },
  };
}
