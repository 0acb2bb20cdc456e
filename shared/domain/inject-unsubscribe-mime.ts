import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Joiner, type MimeNode, Rewriter, Splitter } from '@zone-eu/mailsplit';
import libmime from 'libmime';
import { injectIntoHtml, injectIntoText, LinkPlacementError, unsubscribeHeaders } from './inject-unsubscribe';
import { MimeInjectionError } from './mime-errors';

/**
 * R10 for raw MIME messages: the unsubscribe link goes into the message's text and HTML
 * body parts, the RFC 2369 / RFC 8058 headers into its header, and every other part
 * (attachments, inline images, embedded messages) goes through byte for byte.
 *
 * The message is split and joined with mailsplit (the streaming MIME splitter of the
 * Zone/WildDuck mail servers): it hands over one node at a time and re-emits every node
 * it is not asked to rewrite exactly as it read it, so nothing outside the two body parts
 * is re-encoded. The body parts themselves are decoded (transfer encoding, then charset),
 * changed by the same injectIntoHtml/injectIntoText as the JSON API, and re-encoded as
 * UTF-8 in their original transfer encoding.
 *
 * Every body part gets the link, not the first of each kind: a client shows the last
 * alternative of a multipart/alternative (RFC 2046 §5.1.4), which may be a second HTML part,
 * and inline bodies often carry a `name=` (R10).
 *
 * The output is a message SMTP can carry unchanged: CRLF line ends only (RFC 5322
 * §2.3; mailsplit ends a re-encoded part with a bare LF, and a sender may write bare LFs), and
 * no DKIM-Signature the rewrite broke (a failing signature makes DMARC fail where SES's own
 * Easy DKIM signature would have passed).
 */
export { MimeInjectionError };

const REPLACED_HEADERS = ['list-unsubscribe', 'list-unsubscribe-post'];
/**
 * Bcc names the hidden recipients. The gateway sends each recipient a copy of its own, so a
 * Bcc header left in the copies would show every hidden address to every recipient.
 */
const PRIVATE_HEADERS = ['bcc'];

function isInsideEmbeddedMessage(node: MimeNode): boolean {
  for (let parent = node.parentNode; parent; parent = parent.parentNode) {
    if (parent.contentType === 'message/rfc822') return true;
  }
  return false;
}

/** A body part a reader sees: text/plain or text/html, not an attachment, not inside a forwarded message. */
function bodyPartKind(node: MimeNode): 'html' | 'text' | undefined {
  // A `name=` (or filename) on a part that is not an attachment does not make it one: clients show it inline.
  if (node.multipart || node.disposition === 'attachment') return undefined;
  if (isInsideEmbeddedMessage(node)) return undefined;
  // mailsplit gives a part without Content-Type its RFC 2045 §5.2 default, text/plain.
  if (node.contentType === 'text/html') return 'html';
  if (node.contentType === 'text/plain') return 'text';
  return undefined;
}

/** Any LF without its CR or CR without its LF. */
const BARE_LINE_BREAK = /\r(?!\n)|(?<!\r)\n/;

/** The header names a DKIM-Signature covers (its `h=` tag, RFC 6376 §3.5), lower-cased. */
function signedHeaderNames(line: string): string[] {
  const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]/g, ' ');
  const tag = value
    .split(';')
    .map((t) => t.trim())
    .find((t) => /^h\s*=/i.test(t));
  return (tag?.replace(/^h\s*=/i, '') ?? '').split(':').map((h) => h.trim().toLowerCase());
}

/** mailsplit rebuilds (with CRLF) only a header block it knows was changed. */
function markChanged(headers: MimeNode['headers']): void {
  (headers as unknown as { changed: boolean }).changed = true;
}

/**
 * Exported for its unit rows: mailsplit may hand a CRLF over as two chunks (the CR kept back
 * before a boundary), which a one-buffer message rarely shows.
 *
 * CRLF only (RFC 5322 §2.3): every bare LF or CR in the bodies and multipart framing becomes
 * CRLF, and a header block holding one is rebuilt (mailsplit builds with CRLF). A `binary`
 * part is the one place where a bare LF is data, so its body goes through untouched.
 */
export function crlfOnly(): Transform {
  let afterCr = false;
  return new Transform({
    objectMode: true,
    transform(
      data: { type?: string; node?: MimeNode; value?: Buffer; headers?: MimeNode['headers'] },
      _e,
      done: TransformCallback,
    ) {
      if (data.type === 'node' && data.headers) {
        // mailsplit writes an unchanged header block back as it read it, bare LFs included.
        if (BARE_LINE_BREAK.test(data.headers.build().toString('latin1'))) markChanged(data.headers);
        done(null, data);
        return;
      }
      if (!data.value?.length || data.node?.encoding === 'binary') {
        done(null, data);
        return;
      }
      let text = data.value.toString('latin1');
      // The CR ending the previous chunk was already written as CRLF: its LF is not a second line end.
      if (afterCr && text.startsWith('\n')) text = text.slice(1);
      afterCr = text.endsWith('\r');
      done(null, { ...data, value: Buffer.from(text.replace(/\r\n|\r|\n/g, '\r\n'), 'latin1') });
    },
  });
}

/**
 * Each body part costs a rewrite (a few ms in mailsplit and the HTML injector) for every
 * recipient's copy: a message built of hundreds of tiny parts would hold the function for
 * seconds per copy. Real messages have two to a handful (text, HTML, parts between inline images).
 */
export const MAX_BODY_PARTS = 20;

function tooManyBodyParts(count: number): string {
  return `The raw message has ${count} text or HTML body parts; at most ${MAX_BODY_PARTS} are accepted (each carries the unsubscribe link, R10)`;
}

/**
 * Checks, before any decision is made, that injectIntoMime will accept the message's
 * structure: it parses and has at most MAX_BODY_PARTS body parts. One split, no rewrite.
 */
export async function checkMimeStructure(raw: Buffer): Promise<void> {
  const splitter = new Splitter();
  let count = 0;
  splitter.on('data', (chunk) => {
    const data = chunk as unknown as { type: string } & MimeNode;
    if (data.type === 'node' && bodyPartKind(data) !== undefined) count += 1;
  });
  try {
    await pipeline(Readable.from([raw]), splitter);
  } catch (error) {
    throw new MimeInjectionError(`The raw message could not be parsed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (count > MAX_BODY_PARTS) throw new MimeInjectionError(tooManyBodyParts(count));
}

/** With no url (a transactional message, R6), only the Bcc header is removed. */
export async function injectIntoMime(
  raw: Buffer,
  link: string | undefined,
  mailto?: string,
): Promise<Buffer> {
  return (await injectIntoMimePlaced(raw, link, mailto)).raw;
}

/**
 * injectIntoMime, also telling how many HTML and text body parts got the link: what the
 * message's `decision.sent` records of where it was placed (shared/domain/sent-unsubscribe.ts).
 */
export async function injectIntoMimePlaced(
  raw: Buffer,
  link: string | undefined,
  mailto?: string,
): Promise<{ raw: Buffer; placed: { html: number; text: number } }> {
  const url = link ?? '';
  const splitter = new Splitter();
  const joiner = new Joiner();
  const seen = { html: 0, text: 0 };
  // What the rewrite will change in the bytes a DKIM signature covers: the body (the link,
  // or line ends made CRLF), and which headers (Bcc, the unsubscribe headers).
  const bodyChanges = link !== undefined || BARE_LINE_BREAK.test(raw.toString('latin1'));
  let rootSeen = false;
  let unplaceable: string | undefined;

  // Root headers: drop any sender-supplied unsubscribe headers, add ours (R10).
  const headers = new Transform({
    objectMode: true,
    transform(
      data: { type: string; root?: boolean; headers?: MimeNode['headers'] },
      _e,
      done: TransformCallback,
    ) {
      if (data.type === 'node' && data.root && data.headers) {
        rootSeen = true;
        const present = data.headers;
        // With a link the body changes, so every signature goes; without one, only Bcc may be removed.
        const removed = new Set(PRIVATE_HEADERS.filter((name) => present.hasHeader(name)));
        // A signature over a changed body or a removed header no longer verifies: drop it (SES adds its own).
        const lines = data.headers.getList();
        for (let i = lines.length - 1; i >= 0; i--) {
          const line = lines[i]!;
          if (line.key !== 'dkim-signature') continue;
          const names = signedHeaderNames(line.line);
          if (bodyChanges || names.some((n) => removed.has(n))) {
            lines.splice(i, 1);
            markChanged(data.headers);
          }
        }
        for (const name of PRIVATE_HEADERS) data.headers.remove(name);
        if (link !== undefined) {
          for (const name of REPLACED_HEADERS) data.headers.remove(name);
          for (const h of unsubscribeHeaders(url, mailto)) data.headers.add(h.name, h.value);
        }
      }
      done(null, data);
    },
  });

  // Every body part: each alternative, inline named parts, parts of nested multiparts (R10).
  const rewriter = new Rewriter((node: MimeNode) => {
    const kind = link === undefined ? undefined : bodyPartKind(node);
    if (kind === undefined) return false;
    seen[kind] += 1;
    // Past the limit the part is left as is and the message refused below: no part goes out without the link.
    return seen.html + seen.text <= MAX_BODY_PARTS;
  });
  const rewrites: Promise<void>[] = [];
  rewriter.on('node', (data: { node: MimeNode; decoder: Readable; encoder: NodeJS.WritableStream }) => {
    rewrites.push(
      (async () => {
        // Transfer encoding (mailsplit's decoder), then charset (libmime's, as mailparser does).
        const chunks: Buffer[] = [];
        const utf8 = data.decoder.pipe(libmime.createDecodeStream(data.node.charset || 'utf-8'));
        for await (const chunk of utf8) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks).toString('utf8');
        let changed = body;
        try {
          changed =
            bodyPartKind(data.node) === 'html' ? injectIntoHtml(body, url) : injectIntoText(body, url);
        } catch (error) {
          // The part is written back unchanged so that the stream ends; the message is refused below.
          if (!(error instanceof LinkPlacementError)) throw error;
          unplaceable = error.message;
        }
        data.node.setCharset('utf-8');
        // Text in canonical form (RFC 2046 §4.1.1): CRLF line ends, whatever the injector or the sender wrote.
        data.encoder.end(Buffer.from(changed.replace(/\r\n|\r|\n/g, '\r\n'), 'utf8'));
      })(),
    );
  });

  const out: Buffer[] = [];
  const sink = new Transform({
    transform(chunk: Buffer, _e, done: TransformCallback) {
      out.push(chunk);
      done();
    },
  });
  try {
    await pipeline(Readable.from([raw]), splitter, headers, rewriter, crlfOnly(), joiner, sink);
    await Promise.all(rewrites);
  } catch (error) {
    throw new MimeInjectionError(`The raw message could not be parsed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!rootSeen) throw new MimeInjectionError('The raw message has no header');
  if (unplaceable !== undefined) throw new MimeInjectionError(unplaceable);
  if (seen.html + seen.text > MAX_BODY_PARTS)
    throw new MimeInjectionError(tooManyBodyParts(seen.html + seen.text));
  // R10: a visible link in the body is required; a message with no text or HTML part cannot carry one.
  if (link !== undefined && seen.html + seen.text === 0) {
    throw new MimeInjectionError(
      'The raw message has no text or HTML body part to carry the unsubscribe link (R10)',
    );
  }
  return { raw: Buffer.concat(out), placed: { html: seen.html, text: seen.text } };
}
