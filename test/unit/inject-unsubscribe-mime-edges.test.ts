import { Readable } from 'node:stream';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  checkMimeStructure,
  crlfOnly,
  injectIntoMime,
  MAX_BODY_PARTS,
  MimeInjectionError,
} from '../../shared/domain/inject-unsubscribe-mime';

/** Rows the mutation run (docs/testing.md) showed unpinned in inject-unsubscribe-mime.test.ts. */
const URL = 'https://gw.example/u/TOKEN123';
const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');
const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe('R10 raw messages: which parts are bodies', () => {
  it.each([
    ['attached', 'Content-Type: message/rfc822'],
    ['inline (split into its own parts)', 'Content-Type: message/rfc822\r\nContent-Disposition: inline'],
  ])(
    'R10 a forwarded message (message/rfc822, %s) keeps its own text; the outer body gets the link',
    async (_title, partHeader) => {
      const raw = crlf([
        'From: a@shop.example',
        'To: b@x.org',
        'Content-Type: multipart/mixed; boundary=outer',
        '',
        '--outer',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'OUTER-MARK',
        '--outer',
        partHeader,
        '',
        'From: c@elsewhere.example',
        'Subject: forwarded',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'INNER-MARK stays as the other sender wrote it',
        '--outer--',
        '',
      ]);
      const out = (await injectIntoMime(raw, URL)).toString('utf8');
      expect(count(out, new RegExp(URL, 'g'))).toBe(2); // the body's footer and List-Unsubscribe
      expect(out).toMatch(/OUTER-MARK[\s\S]*TOKEN123[\s\S]*--outer\r\nContent-Type: message\/rfc822/);
      expect(out).toMatch(/Subject: forwarded\r\nContent-Type: text\/plain; charset=utf-8\r\n\r\nINNER-MARK/);
      expect(out).toContain('INNER-MARK stays as the other sender wrote it\r\n--outer--');
      await expect(checkMimeStructure(raw)).resolves.toBeUndefined();
    },
  );

  it('R10 a message with no Content-Type is text/plain (RFC 2045) and gets the link', async () => {
    const raw = crlf([
      'From: a@shop.example',
      'To: b@x.org',
      'Subject: plain',
      '',
      'Just text, no header.',
      '',
    ]);
    const mail = await simpleParser(await injectIntoMime(raw, URL));
    expect(mail.text).toContain('Just text, no header.');
    expect(mail.text).toContain(URL);
  });

  it('R10 a text part gets the text footer, never HTML markup; its line breaks and charset are kept', async () => {
    const raw = Buffer.concat([
      crlf([
        'From: a@shop.example',
        'To: b@x.org',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: 8bit',
        '',
        '',
      ]),
      Buffer.from('Ligne une\r\nLigne deux, d\xe9j\xe0\r\n', 'latin1'),
    ]);
    const out = await injectIntoMime(raw, URL);
    const mail = await simpleParser(out);
    expect(mail.text).toContain('Ligne une\nLigne deux, déjà');
    expect(mail.text).toContain(URL);
    expect(mail.text).not.toMatch(/<a |<div|<p/);
    expect(out.toString('utf8')).toMatch(/Content-Type: text\/plain; charset=utf-8/i);
  });

  it('R10 an HTML part the gateway cannot show its link in (a frameset) refuses the message', async () => {
    const raw = crlf([
      'From: a@shop.example',
      'To: b@x.org',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><frameset cols="50%,50%"><frame src="a.html"></frameset></html>',
      '',
    ]);
    await expect(injectIntoMime(raw, URL)).rejects.toThrow(/frameset/);
    await expect(injectIntoMime(raw, URL)).rejects.toBeInstanceOf(MimeInjectionError);
  });

  it('R10 a text part without charset is read as UTF-8 and written back as UTF-8', async () => {
    const raw = crlf(['From: a@shop.example', 'To: b@x.org', 'Content-Type: text/plain', '', 'Déjà vu', '']);
    const mail = await simpleParser(await injectIntoMime(raw, URL));
    expect(mail.text).toContain('Déjà vu');
  });

  it("a header block past the splitter's limit (1 MiB) is refused as unparsable, not sent", async () => {
    const raw = crlf(['From: a@shop.example', `X-Big: ${'a'.repeat(1_100_000)}`, '', 'Hello', '']);
    await expect(checkMimeStructure(raw)).rejects.toThrow(/could not be parsed/);
    await expect(injectIntoMime(raw, URL)).rejects.toThrow(/could not be parsed/);
    await expect(injectIntoMime(raw, undefined)).rejects.toBeInstanceOf(MimeInjectionError);
    // The splitter's own error stays attached, for the logs.
    for (const attempt of [checkMimeStructure(raw), injectIntoMime(raw, URL)])
      expect(((await attempt.catch((e: unknown) => e)) as Error).cause).toBeInstanceOf(Error);
  });

  it('errors of the MIME injector name themselves', () => {
    expect(new MimeInjectionError('x').name).toBe('MimeInjectionError');
  });
});

describe('R10 raw messages: headers', () => {
  it("R10 a sender's own List-Unsubscribe-Post is replaced, not doubled", async () => {
    const raw = crlf([
      'From: a@shop.example',
      'To: b@x.org',
      'List-Unsubscribe: <https://shop.example/old>',
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      '',
      'Hello',
      '',
    ]);
    const out = (await injectIntoMime(raw, URL)).toString('utf8');
    expect(count(out, /^List-Unsubscribe-Post:/gim)).toBe(1);
    expect(count(out, /^List-Unsubscribe:/gim)).toBe(1);
    expect(out).not.toContain('shop.example/old');
  });

  it('R10 only the message header gets the unsubscribe headers, not the header of a part', async () => {
    const raw = crlf([
      'From: a@shop.example',
      'To: b@x.org',
      'Content-Type: multipart/alternative; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Text',
      '--b',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Html</p>',
      '--b--',
      '',
    ]);
    const out = (await injectIntoMime(raw, URL)).toString('utf8');
    expect(count(out, /^List-Unsubscribe:/gim)).toBe(1);
    expect(out.indexOf('List-Unsubscribe:')).toBeLessThan(out.indexOf('--b'));
  });

  it('R6 a transactional message without Bcc and with CRLF line ends goes out byte for byte', async () => {
    const raw = crlf([
      'From: a@shop.example',
      'To: b@x.org',
      'Subject: Your order',
      'X-Long: a header folded',
      '\tover two lines',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Order 42 ships today.',
      '',
    ]);
    expect((await injectIntoMime(raw, undefined)).equals(raw)).toBe(true);
  });

  it('R6 a binary part keeps its bare line feeds: they are data', async () => {
    const raw = Buffer.concat([
      crlf([
        'From: a@shop.example',
        'To: b@x.org',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Order',
        '--b',
        'Content-Type: application/octet-stream',
        'Content-Transfer-Encoding: binary',
        '',
        '',
      ]),
      Buffer.from('BIN\nDATA\rEND', 'latin1'),
      crlf(['', '--b--', '']),
    ]);
    const out = (await injectIntoMime(raw, undefined)).toString('latin1');
    expect(out).toContain('BIN\nDATA\rEND');
  });
});

describe("R10 raw messages: the sender's DKIM-Signature after the rewrite", () => {
  /** A transactional message (no body change, CRLF) whose signature signs the header names given. */
  const signed = (h: string, extra: string[] = []) =>
    crlf([
      `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=shop.example; s=s1; bh=YmFzZTY0; ${h}; b=c2lnbmF0dXJl`,
      'From: a@shop.example',
      'To: b@x.org',
      ...extra,
      'Subject: Your order',
      '',
      'Order 42 ships today.',
      '',
    ]);
  const kept = async (raw: Buffer) =>
    /^DKIM-Signature:/im.test((await injectIntoMime(raw, undefined)).toString());

  it.each([
    ['h= after bh= (the usual order), Bcc first', 'h=Bcc:From:To'],
    ['h= with spaces around =', 'h = From:Bcc'],
    ['h= folded across lines', 'h=From:To:\r\n\tBcc:Subject'],
    ['h= with spaces around =, Bcc first', 'h = Bcc:From'],
  ])('R6 a signature covering the Bcc the gateway removes is dropped: %s', async (_title, h) => {
    expect(await kept(signed(h, ['Bcc: hidden@y.org']))).toBe(false);
  });

  it.each([
    ['it signs From and To only', 'h=From:To:Subject'],
    [
      'it over-signs Bcc and List-Unsubscribe, which the message does not have',
      'h=From:To:Bcc:List-Unsubscribe',
    ],
  ])('R6 a signature the rewrite leaves valid is kept: %s', async (_title, h) => {
    expect(await kept(signed(h))).toBe(true);
  });

  it('R6 a signature whose first tag is h= and covers Bcc is dropped', async () => {
    const raw = crlf([
      'DKIM-Signature: h=Bcc:From; v=1; a=rsa-sha256; d=shop.example; s=s1; bh=YmFzZTY0; b=c2lnbmF0dXJl',
      'From: a@shop.example',
      'To: b@x.org',
      'Bcc: hidden@y.org',
      '',
      'Order 42 ships today.',
      '',
    ]);
    expect(await kept(raw)).toBe(false);
  });

  it('R6 a signature with no h= tag does not stop the message', async () => {
    const raw = crlf([
      'DKIM-Signature: v=1; a=rsa-sha256; d=shop.example; s=s1; bh=YmFzZTY0; b=c2lnbmF0dXJl',
      'From: a@shop.example',
      'To: b@x.org',
      '',
      'Order 42 ships today.',
      '',
    ]);
    await expect(injectIntoMime(raw, undefined)).resolves.toBeInstanceOf(Buffer);
  });
});

describe('R10 raw messages: the limit on body parts', () => {
  const textParts = (n: number) =>
    crlf([
      'From: a@shop.example',
      'To: b@x.org',
      'Content-Type: multipart/mixed; boundary=b',
      '',
      ...Array.from({ length: n }, (_, i) => [
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `Part ${i}`,
      ]).flat(),
      '--b--',
      '',
    ]);

  it(`R10 ${MAX_BODY_PARTS} text parts are accepted, each with the link; one more is refused, counted`, async () => {
    const out = (await injectIntoMime(textParts(MAX_BODY_PARTS), URL)).toString('utf8');
    expect(count(out, new RegExp(`${URL}`, 'g'))).toBe(MAX_BODY_PARTS + 1);
    await expect(injectIntoMime(textParts(MAX_BODY_PARTS + 1), URL)).rejects.toThrow(
      new RegExp(`has ${MAX_BODY_PARTS + 1} text or HTML body parts`),
    );
    await expect(checkMimeStructure(textParts(MAX_BODY_PARTS + 1))).rejects.toThrow(
      new RegExp(`has ${MAX_BODY_PARTS + 1} text or HTML body parts`),
    );
  });
});

describe('R10 raw messages: CRLF only, chunk by chunk', () => {
  type Chunk = { type?: string; node?: { encoding?: string }; value?: Buffer };
  async function through(chunks: Chunk[]): Promise<Chunk[]> {
    const out: Chunk[] = [];
    const stream = Readable.from(chunks).pipe(crlfOnly());
    for await (const c of stream) out.push(c as Chunk);
    return out;
  }
  const body = (value: string, encoding = '7bit'): Chunk => ({
    type: 'body',
    node: { encoding },
    value: Buffer.from(value, 'latin1'),
  });
  const text = (chunks: Chunk[]) => chunks.map((c) => c.value?.toString('latin1') ?? '');

  it('R10 a CRLF split across two chunks stays one line end', async () => {
    expect(text(await through([body('Text\r'), body('\n--b\r\n')]))).toEqual(['Text\r\n', '--b\r\n']);
  });

  it('R10 a first chunk starting with a line feed keeps it as a line end', async () => {
    expect(text(await through([body('\nHello\n')]))).toEqual(['\r\nHello\r\n']);
  });

  it('R10 a CR ending a chunk followed by text (no LF) is a line end of its own', async () => {
    expect(text(await through([body('one\r'), body('two\r'), body('\nthree')]))).toEqual([
      'one\r\n',
      'two\r\n',
      'three',
    ]);
  });

  it("R10 a CR in the middle of a chunk does not swallow the next chunk's LF", async () => {
    expect(text(await through([body('one\rtwo'), body('\nthree')]))).toEqual(['one\r\ntwo', '\r\nthree']);
  });

  it('R6 a binary chunk, an empty chunk and a chunk without node or value go through as they are', async () => {
    const binary = body('a\nb\r', 'binary');
    const empty = body('');
    const bare: Chunk = { type: 'body' };
    const noNode: Chunk = { type: 'data', value: Buffer.from('x\ny', 'latin1') };
    const out = await through([binary, empty, bare, noNode]);
    expect(out[0]).toBe(binary);
    expect(out[1]).toBe(empty);
    expect(out[2]).toBe(bare);
    expect(text([out[3]!])).toEqual(['x\r\ny']);
  });
});
