import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Joiner, type MimeNode, Rewriter, Splitter } from '@zone-eu/mailsplit';
import libmime from 'libmime';
import { injectIntoHtml, injectIntoText, LinkPlacementError, unsubscribeHeaders } from './inject-unsubscribe';

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
 */
export class MimeInjectionError extends Error {
  override name = 'MimeInjectionError';
}

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
  if (node.multipart || node.disposition === 'attachment' || node.filename) return undefined;
  if (isInsideEmbeddedMessage(node)) return undefined;
  // A message without Content-Type is text/plain (RFC 2045 §5.2).
  const type = node.contentType || (node.root ? 'text/plain' : false);
  if (type === 'text/html') return 'html';
  if (type === 'text/plain') return 'text';
  return undefined;
}

/** With no url (a transactional message, R6), only the Bcc header is removed. */
export async function injectIntoMime(raw: Buffer, link: string | undefined): Promise<Buffer> {
  const url = link ?? '';
  const splitter = new Splitter();
  const joiner = new Joiner();
  const seen = { html: false, text: false };
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
        for (const name of PRIVATE_HEADERS) data.headers.remove(name);
        if (link !== undefined) {
          for (const name of REPLACED_HEADERS) data.headers.remove(name);
          for (const h of unsubscribeHeaders(url)) data.headers.add(h.name, h.value);
        }
      }
      done(null, data);
    },
  });

  // Only the first part of each kind: a message with two HTML alternatives is rare, and one link per kind is enough.
  const rewriter = new Rewriter((node: MimeNode) => {
    const kind = link === undefined ? undefined : bodyPartKind(node);
    if (kind === undefined || seen[kind]) return false;
    seen[kind] = true;
    return true;
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
        data.encoder.end(Buffer.from(changed, 'utf8'));
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
    await pipeline(Readable.from([raw]), splitter, headers, rewriter, joiner, sink);
    await Promise.all(rewrites);
  } catch (error) {
    throw new MimeInjectionError(`The raw message could not be parsed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!rootSeen) throw new MimeInjectionError('The raw message has no header');
  if (unplaceable !== undefined) throw new MimeInjectionError(unplaceable);
  // R10: a visible link in the body is required; a message with no text or HTML part cannot carry one.
  if (link !== undefined && !seen.html && !seen.text) {
    throw new MimeInjectionError(
      'The raw message has no text or HTML body part to carry the unsubscribe link (R10)',
    );
  }
  return Buffer.concat(out);
}
