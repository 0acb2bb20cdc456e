import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseRawHeaders, type RawHeaders } from '../../shared/domain/mime-headers';

/**
 * The SES endpoint reads a raw message's From, To, Cc and Bcc with a header-only parse. It
 * must read them as mailparser's simpleParser (what it used before, with the same skip
 * options) does: simpleParser is kept here as the oracle, on header blocks a hostile sender
 * could write (R10: the From the recipient sees is the one decided on).
 */
async function oracle(raw: Buffer): Promise<RawHeaders> {
  const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  const list = (a: typeof mail.to) =>
    (a === undefined ? [] : Array.isArray(a) ? a : [a]).flatMap((x) => x.value);
  return {
    fromHeaderCount: mail.headerLines.filter((h) => h.key === 'from').length,
    from: mail.from?.value ?? [],
    to: list(mail.to),
    cc: list(mail.cc),
    bcc: list(mail.bcc),
  };
}

const BODY = 'Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n';

const HEADER_BLOCKS: ReadonlyArray<readonly [string, string]> = [
  ['a plain mailbox', 'From: news@brand.example\r\nTo: a@example.org\r\n'],
  ['a display name', 'From: Brand News <news@brand.example>\r\nTo: "A, B" <a@example.org>\r\n'],
  [
    'a UTF-8 Q encoded name',
    'From: =?utf-8?q?Caf=C3=A9_Brand?= <news@brand.example>\r\nTo: a@example.org\r\n',
  ],
  ['a UTF-8 B encoded name', 'From: =?UTF-8?B?QnLDpG5k?= <news@brand.example>\r\nTo: a@example.org\r\n'],
  [
    'an ISO-2022-JP name',
    'From: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?= <news@brand.example>\r\nTo: a@example.org\r\n',
  ],
  ['an ISO-8859-1 Q name', 'From: =?iso-8859-1?q?Andr=E9?= <news@brand.example>\r\nTo: a@example.org\r\n'],
  ['a Shift_JIS name', 'From: =?Shift_JIS?B?k/qWe4zq?= <news@brand.example>\r\nTo: a@example.org\r\n'],
  [
    'an encoded name that decodes to another address',
    'From: =?utf-8?q?=22ceo=40bank=2Eexample=22_=3Cceo=40bank=2Eexample=3E?= <news@brand.example>\r\nTo: a@example.org\r\n',
  ],
  ['an encoded word in the addr-spec', 'From: <=?utf-8?q?ceo=40bank=2Eexample?=>\r\nTo: a@example.org\r\n'],
  ['an encoded addr-spec that is no address', 'From: <=?utf-8?q?a_b=40c?=>\r\nTo: a@example.org\r\n'],
  ['two From headers', 'From: news@brand.example\r\nFrom: ceo@bank.example\r\nTo: a@example.org\r\n'],
  ['two mailboxes in one From', 'From: news@brand.example, ceo@bank.example\r\nTo: a@example.org\r\n'],
  ['a group in From', 'From: Team: news@brand.example, ceo@bank.example;\r\nTo: a@example.org\r\n'],
  ['an empty group in To', 'From: news@brand.example\r\nTo: undisclosed-recipients:;\r\n'],
  [
    'groups and mailboxes in To and Cc',
    'From: news@brand.example\r\nTo: Friends: a@example.org, "B" <b@example.org>;, c@example.org\r\nCc: d@example.org\r\nBcc: e@example.org, f@example.org\r\n',
  ],
  ['two To headers', 'From: news@brand.example\r\nTo: a@example.org\r\nTo: b@example.org\r\n'],
  ['comments', 'From: news@brand.example (Brand News)\r\nTo: (hidden) a@example.org (A)\r\n'],
  ['a comment holding an address', 'From: (ceo@bank.example) news@brand.example\r\nTo: a@example.org\r\n'],
  [
    'a quoted string holding brackets and an address',
    'From: "ceo@bank.example <ceo@bank.example>" <news@brand.example>\r\nTo: a@example.org\r\n',
  ],
  ['a quoted string with escapes', 'From: "Br\\"and\\\\" <news@brand.example>\r\nTo: a@example.org\r\n'],
  [
    'folded headers',
    'From: Brand\r\n News\r\n\t<news@brand.example>\r\nTo: a@example.org,\r\n b@example.org\r\n',
  ],
  ['bare LF line ends', 'From: news@brand.example\nTo: a@example.org\nCc: b@example.org\n'],
  ['upper-case and odd-case keys', 'FROM: news@brand.example\r\ncC: a@example.org\r\nbcc: b@example.org\r\n'],
  ['no From', 'To: a@example.org\r\n'],
  ['an empty From', 'From:\r\nTo: a@example.org\r\n'],
  ['an IDN domain in punycode', 'From: news@xn--bcher-kva.example\r\nTo: a@xn--caf-dma.example\r\n'],
  ['a UTF-8 header (RFC 6532)', 'From: Brénd <news@brand.example>\r\nTo: a@bücher.example\r\n'],
  [
    'angle brackets without a name, and a trailing dot',
    'From: <news@brand.example>\r\nTo: a@example.org.\r\n',
  ],
  [
    'From after a mbox line',
    'From sender@example Mon Jan  1 00:00:00 2024\r\nFrom: news@brand.example\r\nTo: a@example.org\r\n',
  ],
  ['a semicolon list', 'From: news@brand.example\r\nTo: a@example.org; b@example.org\r\n'],
  ['a route address', 'From: <@relay.example:news@brand.example>\r\nTo: a@example.org\r\n'],
  ['a header without a colon before From', 'Junk line\r\nFrom: news@brand.example\r\nTo: a@example.org\r\n'],
];

describe('the raw message header parse of the SES endpoint', () => {
  it.each(HEADER_BLOCKS)('reads %s as simpleParser does', async (_name, headers) => {
    const raw = Buffer.from(headers + BODY, 'utf8');
    expect(await parseRawHeaders(raw)).toEqual(await oracle(raw));
  });

  /**
   * Where the two differ, on purpose. The addressparser used is nodemailer's current one
   * (10.6), mailparser pins 10.3: since 10.6 a domain with whitespace or a comment around a
   * dot is one domain, as RFC 5322's obs-domain reads it (GHSA-3q53-mvfw-q9v8); 10.3 cut it
   * at the whitespace and made the rest a name. And an invalid punycode label is kept as
   * written (node:url decodes nothing it cannot), so normalizeEmail refuses the address, where
   * punycode.js decoded `xn--` to nothing and left `b@.example`.
   */
  it.each([
    [
      'user@victim.example .allowed.example',
      [{ address: 'user@victim.example.allowed.example', name: '' }],
      [{ address: 'user@victim.example', name: '.allowed.example' }],
    ],
    [
      'user@victim.example(x).allowed.example',
      [{ address: 'user@victim.example.allowed.example', name: 'x' }],
      [{ address: 'user@victim.example', name: '.allowed.example' }],
    ],
    ['b@xn--.example', [{ address: 'b@xn--.example', name: '' }], [{ address: 'b@.example', name: '' }]],
  ])('reads To: %s as RFC 5322 does, not as simpleParser did', async (to, now, before) => {
    const raw = Buffer.from(`From: news@brand.example\r\nTo: ${to}\r\n${BODY}`);
    expect((await parseRawHeaders(raw)).to).toEqual(now);
    expect((await oracle(raw)).to).toEqual(before);
  });

  it('reads only the root header block, not a nested message/rfc822 part', async () => {
    const raw = Buffer.from(
      'From: news@brand.example\r\nTo: a@example.org\r\nContent-Type: message/rfc822\r\n\r\nFrom: ceo@bank.example\r\nTo: b@example.org\r\n\r\nHi\r\n',
    );
    const headers = await parseRawHeaders(raw);
    expect(headers).toEqual(await oracle(raw));
    expect(headers.from).toEqual([{ name: '', address: 'news@brand.example' }]);
  });
});
