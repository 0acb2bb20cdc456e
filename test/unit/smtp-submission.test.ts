import { describe, expect, it } from 'vitest';
import {
  acceptedReply,
  allRefusedReply,
  MAX_REPLY_TEXT,
  PurposeHeaderError,
  recipientRefusedReply,
  replyLine,
  sesSmtpPassword,
  takePurposeHeader,
} from '../../shared/domain/smtp-submission';
import { StoreUnavailableError } from '../../shared/ports/store-errors';
import { SesBadRequestError, SesMessageRefusedError } from '../../shared/services/ses-send-email';
import { SmtpPolicyError } from '../../shared/services/smtp-submission';
import { smtpReplyFor } from '../../shared/smtp/relay';

const message = (head: string, body = 'Hello.\r\n') => Buffer.from(`${head}\r\n\r\n${body}`, 'latin1');

describe('takePurposeHeader', () => {
  it('reads the purpose and takes the header out, every other byte kept', () => {
    const raw = message('From: news@shop.example\r\nX-Consent-Gate-Purpose: newsletter\r\nSubject: Hi');
    const taken = takePurposeHeader(raw);
    expect(taken.purpose).toBe('newsletter');
    expect(taken.raw.toString('latin1')).toBe('From: news@shop.example\r\nSubject: Hi\r\n\r\nHello.\r\n');
  });

  it('matches the name whatever its case, unfolds a folded value, trims it', () => {
    const taken = takePurposeHeader(message('x-consent-gate-purpose:\r\n  newsletter \r\nSubject: Hi'));
    expect(taken.purpose).toBe('newsletter');
    expect(taken.raw.toString('latin1')).toBe('Subject: Hi\r\n\r\nHello.\r\n');
  });

  it('leaves a message without the header as it is (the same buffer)', () => {
    const raw = message('From: news@shop.example');
    const taken = takePurposeHeader(raw);
    expect(taken.purpose).toBeUndefined();
    expect(taken.raw).toBe(raw);
  });

  it('reads the root header block only: the header in the body or a nested part is not the purpose', () => {
    const raw = message('Subject: Hi', 'X-Consent-Gate-Purpose: newsletter\r\n');
    expect(takePurposeHeader(raw).purpose).toBeUndefined();
  });

  it('keeps 8-bit header and body bytes byte for byte', () => {
    const raw = Buffer.concat([
      Buffer.from('Subject: '),
      Buffer.from([0xc3, 0xa9, 0xff]),
      Buffer.from('\r\nX-Consent-Gate-Purpose: newsletter\r\n\r\n'),
      Buffer.from([0x80, 0x00, 0xfe]),
    ]);
    const taken = takePurposeHeader(raw);
    expect([...taken.raw]).toEqual([
      ...Buffer.from('Subject: '),
      0xc3,
      0xa9,
      0xff,
      ...Buffer.from('\r\n\r\n'),
      0x80,
      0x00,
      0xfe,
    ]);
  });

  it('handles bare LF line ends', () => {
    const taken = takePurposeHeader(Buffer.from('Subject: Hi\nX-Consent-Gate-Purpose: offers\n\nBody\n'));
    expect(taken.purpose).toBe('offers');
    expect(taken.raw.toString()).toBe('Subject: Hi\n\nBody\n');
  });

  it('accepts the header twice with the same value, refuses two different values', () => {
    expect(takePurposeHeader(message('X-Consent-Gate-Purpose: a\r\nX-Consent-Gate-Purpose: a')).purpose).toBe(
      'a',
    );
    expect(() =>
      takePurposeHeader(message('X-Consent-Gate-Purpose: a\r\nX-Consent-Gate-Purpose: b')),
    ).toThrow(PurposeHeaderError);
  });

  it('a message that is only headers (no empty line) is read whole as its header block', () => {
    const taken = takePurposeHeader(Buffer.from('Subject: Hi\r\nX-Consent-Gate-Purpose: a\r\n'));
    expect(taken).toEqual({ purpose: 'a', raw: Buffer.from('Subject: Hi\r\n') });
  });
});

const refused = (to: string) => ({
  to,
  reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
  rules: ['R1', 'R2'],
});

describe('reply texts', () => {
  it('RCPT TO refused: 550 5.7.1 with each reason and its rule', () => {
    const reply = recipientRefusedReply({
      reasons: ['objection'],
      rules: ['R7'],
      failures: [{ reason: 'objection', rule: 'R7' }, { reason: 'unknown_purpose' }],
    });
    expect(reply).toEqual({
      code: 550,
      enhanced: '5.7.1',
      text: 'Refused by consent-gate: objection (R7), unknown_purpose',
    });
    expect(replyLine(reply)).toBe('5.7.1 Refused by consent-gate: objection (R7), unknown_purpose');
  });

  it('all refused: 550 5.7.1 naming each recipient with its reasons and rules', () => {
    expect(replyLine(allRefusedReply([refused('a@example.org')]))).toBe(
      '5.7.1 Refused by consent-gate, nothing sent: a@example.org: consent_missing, soft_opt_in_not_applicable (R1, R2)',
    );
  });

  it('some refused: 250 naming the refused ones; none refused: 250 with the id', () => {
    expect(acceptedReply(2, [], 'ses-1')).toEqual({
      code: 250,
      enhanced: '2.0.0',
      text: 'Sent to 2 recipient(s) id=ses-1',
    });
    expect(acceptedReply(1, [refused('b@example.org')], 'ses-2').text).toBe(
      'Sent to 1 of 2 recipient(s) id=ses-2; refused by consent-gate, not sent: b@example.org: consent_missing, soft_opt_in_not_applicable (R1, R2)',
    );
  });

  it('50 refused recipients stay on one reply line under 512 octets, saying how many were left out', () => {
    const many = Array.from({ length: 50 }, (_, i) => refused(`recipient-${i}@example.org`));
    for (const reply of [allRefusedReply(many), acceptedReply(3, many, 'x')]) {
      const line = `${reply.code} ${replyLine(reply)}\r\n`;
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(512);
      expect(reply.text.length).toBeLessThanOrEqual(MAX_REPLY_TEXT);
      expect(reply.text).toMatch(/; and \d+ more$/);
      expect(reply.text).toContain('recipient-0@example.org');
    }
  });

  it('a control character in a quoted value cannot split the reply', () => {
    expect(replyLine({ code: 550, enhanced: '5.7.1', text: 'a\r\n250 ok' })).toBe('5.7.1 a  250 ok');
  });
});

describe('smtpReplyFor', () => {
  it('maps the gate, the message and the outages to their SMTP replies', () => {
    const code = (error: unknown) => {
      const { reply } = smtpReplyFor(error);
      return `${reply.code} ${reply.enhanced}`;
    };
    expect(code(new SesMessageRefusedError('x', [refused('a@example.org')]))).toBe('550 5.7.1');
    expect(code(new SesMessageRefusedError('Email address is not verified', []))).toBe('550 5.7.1');
    expect(code(new SmtpPolicyError('No purpose'))).toBe('550 5.7.1');
    expect(code(new SesBadRequestError('The raw message has no From header'))).toBe('554 5.6.0');
    expect(code(new StoreUnavailableError('down'))).toBe('451 4.3.0');
    expect(code(new Error('anything else'))).toBe('451 4.3.0');
    expect(smtpReplyFor(new SesBadRequestError('no From')).reply.text).toContain('no From');
  });
});

describe("SES's derived SMTP password", () => {
  // Vectors of independent implementations of AWS's documented derivation (Terraform's
  // aws_iam_access_key ses_smtp_password_v4 tests; a published converter's example).
  it.each([
    ['some+secret+key', 'eu-central-1', 'BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2'],
    ['another+secret+key', 'eu-central-1', 'BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh'],
    ['some+secret+key', 'us-west-1', 'BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj'],
    ['YOURKEYrrpg/JHpyvctStUVcAV9177EAKKmDP37P', 'us-east-1', 'BMhffn64jm4OuEUDmfVEXtEw5UhnjY3aorRUGNtjn/WK'],
  ])('%s in %s', (secret, region, expected) => {
    expect(sesSmtpPassword(secret, region)).toBe(expected);
  });
});
