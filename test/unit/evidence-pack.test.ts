import canonicalize from 'canonicalize';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { linesOf, renderPdf } from '../../shared/services/evidence-pack';
import { pdfText } from '../support/pdf-text';

const content = {
  format: 'consent-gate.evidence-pack',
  version: 1,
  generatedAt: '2026-03-01T10:00:00.000Z',
  generatedBy: { type: 'key', id: 'k1', via: 'console' },
  controller: { tenant: 't1', name: 'Acme' },
  subject: { type: 'message', messageId: 'msg_0123', recipientKey: 'r'.repeat(43), channel: 'email' },
  message: {
    basis: 'consent',
    proof: { type: 'consent', wording: { text: 'Oui, envoyez-moi la lettre d’information — 😀' } },
    events: [],
  },
  auditVerification: { ok: true },
};

describe('the evidence pack', () => {
  it('lists every leaf of the content once, in the sorted order of the canonical JSON', () => {
    const lines = linesOf(content);
    expect(lines).toContain('message.basis: consent');
    expect(lines).toContain('subject.messageId: msg_0123');
    expect(lines).toContain('message.events: []');
    expect(lines).toContain('version: 1');
    expect(lines.indexOf('auditVerification.ok: true')).toBe(0);
    const keys = lines.map((l) => l.slice(0, l.indexOf(':')));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives the same canonical JSON whatever the order of the keys', () => {
    const shuffled = Object.fromEntries(Object.entries(content).reverse());
    expect(canonicalize(shuffled)).toBe(canonicalize(content));
  });

  it('renders a PDF that pdf-lib reads back, with the message id, the basis and the wording, the same bytes each time', async () => {
    const pdf = await renderPdf(content, 'ab'.repeat(32));
    const doc = await PDFDocument.load(pdf);
    expect(doc.getTitle()).toBe('Evidence pack: message msg_0123');
    expect(doc.getCreationDate()?.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    const text = await pdfText(pdf);
    expect(text).toContain('subject.messageId: msg_0123');
    expect(text).toContain('message.basis: consent');
    expect(text).toContain(`SHA-256 of evidence.json: ${'ab'.repeat(32)}`);
    // WinAnsi has the French letters and the apostrophe; what it lacks is written as `?`.
    expect(text).toContain('message.proof.wording.text: Oui, envoyez-moi la lettre d\x92information \x97 ?');
    expect(Buffer.from(await renderPdf(content, 'ab'.repeat(32))).equals(Buffer.from(pdf))).toBe(true);
  });

  it('flows a long content onto more pages rather than off the page', async () => {
    const long = {
      ...content,
      message: { ...content.message, events: Array.from({ length: 200 }, (_, i) => ({ i })) },
    };
    const doc = await PDFDocument.load(await renderPdf(long, '0'.repeat(64)));
    expect(doc.getPageCount()).toBeGreaterThan(1);
  });
});
