import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { domainToUnicode } from 'node:url';
import { Splitter } from '@zone-eu/mailsplit';
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';

/**
 * The root header block of a raw message, read as mailparser's `simpleParser` reads it, and
 * no further: the SES endpoint needs only the From, To, Cc and Bcc headers (R10 decides on
 * the From the recipient sees; the recipients are decided one by one). simpleParser also
 * decodes every body part and loads html-to-text, he and linkify-it for it, which made the
 * SesSendEmail bundle a third larger for code it never ran.
 *
 * Same steps as mailparser's `processHeaders`: mailsplit splits off the header block (bare LF
 * line ends and folding included), libmime's `decodeHeader` unfolds each line, the value is
 * read back from binary as UTF-8, nodemailer's addressparser parses the address list (groups,
 * comments, quoted strings), and `decodeAddresses` below decodes RFC 2047 encoded words.
 * test/unit/mime-headers.test.ts compares the result with simpleParser's on hostile headers.
 */
export interface HeaderAddress {
  name: string;
  address?: string;
  group?: HeaderAddress[];
}

export interface RawHeaders {
  /** How many From header lines the block holds: one author, named once (R10). */
  readonly fromHeaderCount: number;
  /** The first From header's mailboxes (a mail client shows the first one). */
  readonly from: readonly HeaderAddress[];
  /** Every To, Cc and Bcc header's mailboxes, in that order, groups kept. */
  readonly to: readonly HeaderAddress[];
  readonly cc: readonly HeaderAddress[];
  readonly bcc: readonly HeaderAddress[];
}

/** An RFC 2047 encoded word (mailparser's test for one in an addr-spec). */
const ENCODED_WORD = /[=]\?[^?]+\?[BbQq]\?[^?]*\?[=]/;

/** mailparser's decodeAddresses: encoded words in names, never in an address; IDN domains shown in Unicode. */
function decodeAddresses(addresses: HeaderAddress[]): void {
  for (const address of addresses) {
    address.name = (address.name || '').toString().trim();
    // An encoded word decodes into the display name and nothing else (RFC 2047 §5).
    if (address.name) {
      try {
        address.name = libmime.decodeWords(address.name);
      } catch {
        // kept as written, as mailparser keeps it
      }
    }
    // RFC 2047 §5: no encoded word in an addr-spec; one that decodes to a plain local@domain is
    // taken, anything else leaves no address (the gate then refuses the message).
    if (address.address && ENCODED_WORD.test(address.address)) {
      try {
        const decoded = libmime.decodeWords(address.address);
        address.address = /^[^\s@]+@[^\s@]+$/.test(decoded) && !/[=]\?/.test(decoded) ? decoded : '';
      } catch {
        address.address = '';
      }
    }
    if (address.address && /@xn--/.test(address.address)) {
      const at = address.address.lastIndexOf('@');
      // node:url's IDNA decoding, as mailparser's punycode.toUnicode; an invalid label is kept as is.
      const unicode = domainToUnicode(address.address.slice(at + 1));
      if (unicode !== '') address.address = address.address.slice(0, at + 1) + unicode;
    }
    if (address.group) decodeAddresses(address.group);
  }
}

function addressesOf(line: string): HeaderAddress[] {
  let value = (libmime.decodeHeader(line)?.value || '').toString().trim();
  value = Buffer.from(value, 'binary').toString();
  const parsed = addressparser(value) as HeaderAddress[];
  decodeAddresses(parsed);
  return parsed;
}

/** Rejects with mailsplit's error when the message cannot be split. */
export async function parseRawHeaders(raw: Buffer): Promise<RawHeaders> {
  const splitter = new Splitter();
  let lines: { key: string; line: string }[] | undefined;
  splitter.on('data', (chunk) => {
    const data = chunk as unknown as { type: string; root?: boolean; headers?: { getList(): typeof lines } };
    if (lines === undefined && data.type === 'node' && data.root) lines = data.headers?.getList() ?? [];
  });
  await pipeline(Readable.from([raw]), splitter);
  const all = lines ?? [];
  const of = (key: string) => all.filter((l) => l.key === key).map((l) => addressesOf(l.line));
  const from = of('from');
  return {
    fromHeaderCount: from.length,
    from: from[0] ?? [],
    to: of('to').flat(),
    cc: of('cc').flat(),
    bcc: of('bcc').flat(),
  };
}
