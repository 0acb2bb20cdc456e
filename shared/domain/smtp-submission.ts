import { createHmac } from 'node:crypto';

/**
 * The pure parts of the SMTP submission relay (functions/smtp-relay.ts): the purpose header,
 * the reply texts, and SES's derived SMTP password. No I/O.
 */

/** The header a message names its purpose with; the relay removes it before sending. */
export const PURPOSE_HEADER = 'X-Consent-Gate-Purpose';

/** An SMTP reply: the basic code, the enhanced status code (RFC 3463) and one line of text. */
export interface SmtpReply {
  readonly code: number;
  readonly enhanced: string;
  readonly text: string;
}

/**
 * RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with its code and CRLF. The texts
 * are cut below that, with room for the code and the enhanced code.
 */
export const MAX_REPLY_TEXT = 480;

export class PurposeHeaderError extends Error {
  override name = 'PurposeHeaderError';
}

/** Where the root header block ends: the first empty line (CRLF or bare LF line ends). */
function headerEnd(raw: Buffer): number {
  if (raw[0] === 0x0a) return 0;
  if (raw[0] === 0x0d && raw[1] === 0x0a) return 0;
  const crlf = raw.indexOf('\r\n\r\n', 0, 'latin1');
  const lf = raw.indexOf('\n\n', 0, 'latin1');
  const ends = [crlf === -1 ? -1 : crlf + 2, lf === -1 ? -1 : lf + 1].filter((i) => i >= 0);
  return ends.length === 0 ? raw.length : Math.min(...ends);
}

/**
 * The purpose named by the message's `X-Consent-Gate-Purpose` header, and the message with
 * that header taken out (it is the gateway's, not the recipient's). Only the root header
 * block is read, as a mail client reads it; folded lines are unfolded. The bytes of every
 * other line are kept as they came (8-bit included: the block is handled as latin1, one
 * character per byte). The header given twice with different values is refused: which
 * purpose the gate decides on must not depend on which one a reader takes.
 */
export function takePurposeHeader(raw: Buffer): { purpose?: string; raw: Buffer } {
  const end = headerEnd(raw);
  const block = raw.subarray(0, end).toString('latin1');
  // Each field with its continuation lines (RFC 5322 §2.2.3: a line starting with WSP).
  const fields: string[] = [];
  for (const line of block.split(/(?<=\n)/)) {
    if (fields.length > 0 && /^[ \t]/.test(line)) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  const name = PURPOSE_HEADER.toLowerCase();
  const values: string[] = [];
  const kept = fields.filter((field) => {
    const colon = field.indexOf(':');
    if (colon <= 0 || field.slice(0, colon).trim().toLowerCase() !== name) return true;
    values.push(
      field
        .slice(colon + 1)
        .replace(/\r?\n/g, '')
        .trim(),
    );
    return false;
  });
  if (values.length === 0) return { raw };
  if (new Set(values).size > 1) {
    throw new PurposeHeaderError(
      `The ${PURPOSE_HEADER} header is given ${values.length} times with different values; give it once`,
    );
  }
  return {
    purpose: values[0],
    raw: Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(end)]),
  };
}

/** One refused recipient's reasons, as the gate gave them (the rule ids next to their reasons). */
export interface RefusedRecipient {
  readonly to: string;
  readonly reasons: readonly string[];
  readonly rules: readonly string[];
  /** Each failure with its rule, when known (`consent_missing (R1)`). */
  readonly failures?: readonly { readonly reason: string; readonly rule?: string }[];
}

/** `consent_missing (R1), soft_opt_in_not_applicable (R2)`: each reason with its rule id. */
export function reasonsText(refused: Pick<RefusedRecipient, 'reasons' | 'rules' | 'failures'>): string {
  if (refused.failures !== undefined && refused.failures.length > 0) {
    return refused.failures
      .map((f) => (f.rule === undefined ? f.reason : `${f.reason} (${f.rule})`))
      .join(', ');
  }
  const rules = refused.rules.length > 0 ? ` (${refused.rules.join(', ')})` : '';
  return `${refused.reasons.join(', ')}${rules}`;
}

/** Items joined with "; " as long as they fit, then how many were left out. */
function withinReply(prefix: string, items: readonly string[], max = MAX_REPLY_TEXT): string {
  let text = prefix;
  for (const [i, item] of items.entries()) {
    const next = `${text}${i === 0 ? '' : '; '}${item}`;
    const rest = items.length - i - 1;
    const tail = rest > 0 ? `; and ${rest} more` : '';
    if (`${next}${tail}`.length > max) return `${text}${i === 0 ? '' : '; '}and ${items.length - i} more`;
    text = next;
  }
  return text;
}

/** RCPT TO refused by the gate (a purpose known at RCPT time): 550 5.7.1 with the reasons and rules. */
export function recipientRefusedReply(
  refused: Pick<RefusedRecipient, 'reasons' | 'rules' | 'failures'>,
): SmtpReply {
  return {
    code: 550,
    enhanced: '5.7.1',
    text: withinReply('Refused by consent-gate: ', [reasonsText(refused)]),
  };
}

/** End of DATA, every recipient refused: 550 5.7.1, each recipient with its reasons; nothing was sent. */
export function allRefusedReply(refused: readonly RefusedRecipient[]): SmtpReply {
  return {
    code: 550,
    enhanced: '5.7.1',
    text: withinReply(
      'Refused by consent-gate, nothing sent: ',
      refused.map((r) => `${r.to}: ${reasonsText(r)}`),
    ),
  };
}

/**
 * End of DATA, some recipients refused. SMTP answers a DATA once for the whole message, so
 * the message is sent to the allowed recipients and the 250 names the refused ones.
 */
export function acceptedReply(
  sent: number,
  refused: readonly RefusedRecipient[],
  messageId: string,
): SmtpReply {
  if (refused.length === 0) {
    return { code: 250, enhanced: '2.0.0', text: `Sent to ${sent} recipient(s) id=${messageId}` };
  }
  return {
    code: 250,
    enhanced: '2.0.0',
    text: withinReply(
      `Sent to ${sent} of ${sent + refused.length} recipient(s) id=${messageId}; refused by consent-gate, not sent: `,
      refused.map((r) => `${r.to}: ${reasonsText(r)}`),
    ),
  };
}

/** A reply's text on one line: control characters (a sender's value quoted in it) become spaces. */
export function replyLine(reply: SmtpReply): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced.
  return `${reply.enhanced} ${reply.text.replace(/[\u0000-\u001f\u007f]/g, ' ')}`;
}

/**
 * SES's SMTP password derived from a secret access key, as AWS documents it ("Obtaining
 * Amazon SES SMTP credentials"): the SigV4 key chain with date "11111111", the region,
 * service "ses", terminal "aws4_request", then the message "SendRawEmail", prefixed with the
 * version byte 0x04, base64. A tool set up with SES SMTP credentials keeps working when its
 * host becomes the relay and its username the gateway credential's access key id.
 */
export function sesSmtpPassword(secretAccessKey: string, region: string): string {
  const sign = (key: Buffer | string, message: string) => createHmac('sha256', key).update(message).digest();
  let signature = sign(`AWS4${secretAccessKey}`, '11111111');
  for (const part of [region, 'ses', 'aws4_request', 'SendRawEmail']) signature = sign(signature, part);
  return Buffer.concat([Buffer.from([0x04]), signature]).toString('base64');
}
