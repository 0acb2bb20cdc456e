import { randomBytes } from 'node:crypto';

/** A PDF-like attachment: random bytes, so any re-encoding or truncation shows. */
export const ATTACHMENT = randomBytes(3000);

/** base64 at 76 characters a line, as mail clients write it. */
function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

/** multipart/mixed: (multipart/alternative: text, html) + a PDF attachment; latin-1 text in quoted-printable. */
export function rawWithAttachment(options: {
  from: string;
  to: string;
  cc?: string;
  subject?: string;
}): Buffer {
  const lines = [
    `From: ${options.from}`,
    `To: ${options.to}`,
    ...(options.cc ? [`Cc: ${options.cc}`] : []),
    `Subject: ${options.subject ?? 'Catalogue'}`,
    'MIME-Version: 1.0',
    'Message-ID: <fixture-1@shop.example>',
    'Content-Type: multipart/mixed; boundary="mixed-b"',
    '',
    '--mixed-b',
    'Content-Type: multipart/alternative; boundary="alt-b"',
    '',
    '--alt-b',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Notre catalogue d=E9taill=E9 est joint.',
    '--alt-b',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<html><body><p>Notre catalogue d=C3=A9taill=C3=A9 est joint.</p></body></html>',
    '--alt-b--',
    '',
    '--mixed-b',
    'Content-Type: application/pdf; name="catalogue.pdf"',
    'Content-Disposition: attachment; filename="catalogue.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(ATTACHMENT),
    '--mixed-b--',
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

/** The attachment's encoded section as it appears in the message, to check it went through byte for byte. */
export function attachmentSection(): string {
  return base64Lines(ATTACHMENT);
}
