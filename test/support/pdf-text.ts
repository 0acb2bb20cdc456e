import { decodePDFRawStream, PDFDocument, PDFRawStream } from 'pdf-lib';

/** The text the PDF's pages draw (pdf-lib writes the standard fonts' text as hex strings). */
export async function pdfText(bytes: Uint8Array): Promise<string> {
  const doc = await PDFDocument.load(bytes);
  let out = '';
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFRawStream)) continue;
    const ops = new TextDecoder('latin1').decode(decodePDFRawStream(object).decode());
    for (const m of ops.matchAll(/<([0-9A-Fa-f]*)> Tj/g))
      out += `${Buffer.from(m[1]!, 'hex').toString('latin1')}\n`;
  }
  return out;
}
