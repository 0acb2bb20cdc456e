import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type MimeNode, Splitter } from '@zone-eu/mailsplit';

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

/** One part of a generated MIME tree: a leaf with its encoding and disposition, or a multipart. */
export type MimeTree =
  | {
      kind: 'leaf';
      type: 'text/plain' | 'text/html' | 'image/png' | 'application/pdf';
      encoding: '7bit' | 'quoted-printable' | 'base64';
      disposition?: 'inline' | 'attachment';
      /** A `name=` parameter on Content-Type (as mail clients write for inline bodies too). */
      name?: string;
      body: string;
    }
  | {
      kind: 'multipart';
      subtype: 'mixed' | 'alternative' | 'related';
      parts: MimeTree[];
    };

function quotedPrintable(text: string): string {
  // Soft line breaks at 76; every non-printable or "=" escaped; line breaks written as CRLF.
  return text
    .split(/\r?\n/)
    .map((line) => {
      const escaped = [...Buffer.from(line, 'utf8')]
        .map((b) =>
          b === 0x3d || b < 0x20 || b > 0x7e
            ? `=${b.toString(16).toUpperCase().padStart(2, '0')}`
            : String.fromCharCode(b),
        )
        .join('');
      return (escaped.match(/.{1,73}(?:=[0-9A-F]{2})?/g) ?? ['']).join('=\r\n');
    })
    .join('\r\n');
}

function encodeBody(leaf: Extract<MimeTree, { kind: 'leaf' }>): string {
  if (leaf.encoding === 'base64') return base64Lines(Buffer.from(leaf.body, 'utf8'));
  if (leaf.encoding === 'quoted-printable') return quotedPrintable(leaf.body);
  return leaf.body.replace(/\r?\n/g, '\r\n');
}

function partLines(tree: MimeTree, path: string): string[] {
  if (tree.kind === 'leaf') {
    const charset = tree.type.startsWith('text/') ? '; charset=utf-8' : '';
    return [
      `Content-Type: ${tree.type}${charset}${tree.name ? `; name="${tree.name}"` : ''}`,
      ...(tree.disposition
        ? [`Content-Disposition: ${tree.disposition}${tree.name ? `; filename="${tree.name}"` : ''}`]
        : []),
      `Content-Transfer-Encoding: ${tree.encoding}`,
      '',
      encodeBody(tree),
    ];
  }
  const boundary = `b-${path}`;
  return [
    `Content-Type: multipart/${tree.subtype}; boundary="${boundary}"`,
    '',
    ...tree.parts.flatMap((p, i) => [`--${boundary}`, ...partLines(p, `${path}-${i}`)]),
    `--${boundary}--`,
  ];
}

/** A complete CRLF message for the tree, From/To as given. */
export function buildMime(tree: MimeTree, headers: { from: string; to: string }): Buffer {
  return Buffer.from(
    [
      `From: ${headers.from}`,
      `To: ${headers.to}`,
      'Subject: Generated',
      'MIME-Version: 1.0',
      ...partLines(tree, '0'),
      '',
    ].join('\r\n'),
    'utf8',
  );
}

/** Every leaf of the tree in document order. */
export function leavesOf(tree: MimeTree): Extract<MimeTree, { kind: 'leaf' }>[] {
  return tree.kind === 'leaf' ? [tree] : tree.parts.flatMap(leavesOf);
}

/**
 * multipart/alternative with a text part and two HTML alternatives (a client shows the last
 * one, RFC 2046 §5.1.4), each with its own marker.
 */
export const TWO_HTML_ALTERNATIVES: MimeTree = {
  kind: 'multipart',
  subtype: 'alternative',
  parts: [
    { kind: 'leaf', type: 'text/plain', encoding: 'quoted-printable', body: 'PLAIN-MARK only text' },
    { kind: 'leaf', type: 'text/html', encoding: 'quoted-printable', body: '<p>HTML-ONE-MARK</p>' },
    {
      kind: 'leaf',
      type: 'text/html',
      encoding: 'base64',
      body: '<html><body><p>HTML-TWO-MARK shown</p></body></html>',
    },
  ],
};

/** Body parts carrying `name=` on Content-Type, inline or without disposition, next to a real attachment. */
export const INLINE_NAMED_PARTS: MimeTree = {
  kind: 'multipart',
  subtype: 'mixed',
  parts: [
    {
      kind: 'leaf',
      type: 'text/html',
      encoding: 'quoted-printable',
      name: 'body.html',
      body: '<p>NAMED-HTML-MARK</p>',
    },
    {
      kind: 'leaf',
      type: 'text/plain',
      encoding: '7bit',
      disposition: 'inline',
      name: 'note.txt',
      body: 'INLINE-NOTE-MARK',
    },
    {
      kind: 'leaf',
      type: 'text/plain',
      encoding: 'base64',
      disposition: 'attachment',
      name: 'terms.txt',
      body: 'ATTACHED-TERMS-MARK',
    },
  ],
};

/** mixed > related > alternative (text, html) + an inline image, and a PDF attachment. */
export const NESTED_PARTS: MimeTree = {
  kind: 'multipart',
  subtype: 'mixed',
  parts: [
    {
      kind: 'multipart',
      subtype: 'related',
      parts: [
        {
          kind: 'multipart',
          subtype: 'alternative',
          parts: [
            { kind: 'leaf', type: 'text/plain', encoding: 'base64', body: 'NESTED-TEXT-MARK\nsecond line\n' },
            {
              kind: 'leaf',
              type: 'text/html',
              encoding: 'base64',
              body: '<html><body><p>NESTED-HTML-MARK</p></body></html>\n',
            },
          ],
        },
        {
          kind: 'leaf',
          type: 'image/png',
          encoding: 'base64',
          disposition: 'inline',
          name: 'logo.png',
          body: 'PNG-BYTES',
        },
      ],
    },
    {
      kind: 'leaf',
      type: 'application/pdf',
      encoding: 'base64',
      disposition: 'attachment',
      name: 'c.pdf',
      body: 'PDF-BYTES',
    },
  ],
};

export interface DecodedPart {
  readonly contentType: string;
  readonly disposition: string | false;
  readonly filename: string | false;
  /** The body after its transfer encoding, as UTF-8. */
  readonly text: string;
}

/** Each leaf part of a message, its transfer encoding undone: to check every part, not only the one mailparser shows. */
export async function decodedParts(raw: Buffer): Promise<DecodedPart[]> {
  const splitter = new Splitter();
  const bodies = new Map<MimeNode, Buffer[]>();
  const order: MimeNode[] = [];
  splitter.on('data', (chunk) => {
    const data = chunk as unknown as { type: string; node?: MimeNode; value?: Buffer };
    if (data.type === 'node' && !(data as MimeNode).multipart) {
      order.push(data as MimeNode);
      bodies.set(data as MimeNode, []);
    } else if (data.type === 'body' && data.node && data.value) bodies.get(data.node)?.push(data.value);
  });
  await pipeline(Readable.from([raw]), splitter);
  return Promise.all(
    order.map(async (node) => {
      const decoder = node.getDecoder();
      const chunks: Buffer[] = [];
      decoder.on('data', (c: Buffer) => chunks.push(c));
      const done = new Promise((resolve) => decoder.on('end', resolve));
      decoder.end(Buffer.concat(bodies.get(node) ?? []));
      await done;
      return {
        contentType: node.contentType || 'text/plain',
        disposition: node.disposition,
        filename: node.filename,
        text: Buffer.concat(chunks).toString('utf8'),
      };
    }),
  );
}

/** Offsets of every LF not preceded by CR and every CR not followed by LF. */
export function bareLineBreaks(raw: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x0a && raw[i - 1] !== 0x0d) out.push(i);
    if (raw[i] === 0x0d && raw[i + 1] !== 0x0a) out.push(i);
  }
  return out;
}

/** Many shapes of message, each CRLF on input, to check the output is CRLF only. */
export function crlfFixtures(headers: { from: string; to: string }): Record<string, Buffer> {
  return {
    'mixed with a PDF (QP text, QP html)': rawWithAttachment(headers),
    'two HTML alternatives (QP, base64)': buildMime(TWO_HTML_ALTERNATIVES, headers),
    'inline named parts': buildMime(INLINE_NAMED_PARTS, headers),
    'nested, base64 bodies': buildMime(NESTED_PARTS, headers),
    'single base64 HTML part': buildMime(
      { kind: 'leaf', type: 'text/html', encoding: 'base64', body: `<p>${'word '.repeat(100)}</p>` },
      headers,
    ),
    'single 7bit text part': buildMime(
      { kind: 'leaf', type: 'text/plain', encoding: '7bit', body: 'line one\nline two' },
      headers,
    ),
    'single QP HTML part, long lines': buildMime(
      { kind: 'leaf', type: 'text/html', encoding: 'quoted-printable', body: `<p>${'x'.repeat(300)}</p>` },
      headers,
    ),
    'no Content-Type at all': Buffer.from(
      `From: ${headers.from}\r\nTo: ${headers.to}\r\nSubject: s\r\n\r\nHello\r\n`,
    ),
    'bare LF throughout (a Unix-written message)': Buffer.from(
      `From: ${headers.from}\nTo: ${headers.to}\nContent-Type: multipart/alternative; boundary=q\n\n--q\nContent-Type: text/plain\n\nHi\n--q\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\nPHA+SGk8L3A+\n--q--\n`,
    ),
  };
}
