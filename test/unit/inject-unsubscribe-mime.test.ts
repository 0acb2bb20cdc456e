import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { injectIntoMime, MimeInjectionError } from '../../shared/domain/inject-unsubscribe-mime';
import { ATTACHMENT, attachmentSection, rawWithAttachment } from '../support/mime-fixtures';

const URL = 'https://gw.example/u/TOKEN123';
const header = (mail: { headerLines: readonly { key: string; line: string }[] }, key: string) =>
  mail.headerLines.filter((l) => l.key === key).map((l) => l.line);

describe('injectIntoMime (R10 for raw messages)', () => {
  it('R10 adds the link to the text and HTML parts and the two headers', async () => {
    const out = await injectIntoMime(rawWithAttachment({ from: 'a@shop.example', to: 'b@x.org' }), URL);
    const mail = await simpleParser(out);
    expect(header(mail, 'list-unsubscribe')).toEqual([`List-Unsubscribe: <${URL}>`]);
    expect(header(mail, 'list-unsubscribe-post')).toEqual([
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    ]);
    expect(mail.text).toContain(URL);
    // The latin-1 text is decoded before injection, not mangled.
    expect(mail.text).toContain('Notre catalogue détaillé est joint.');
    expect(mail.html).toContain(`href="${URL}"`);
  });

  it('R10 keeps the attachment byte for byte', async () => {
    const out = await injectIntoMime(rawWithAttachment({ from: 'a@shop.example', to: 'b@x.org' }), URL);
    expect(out.toString('latin1')).toContain(attachmentSection());
    const mail = await simpleParser(out);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.filename).toBe('catalogue.pdf');
    expect(Buffer.compare(mail.attachments[0]!.content, ATTACHMENT)).toBe(0);
  });

  it("R10 replaces a sender's own List-Unsubscribe headers rather than adding a second pair", async () => {
    const raw = Buffer.from(
      'From: a@shop.example\r\nTo: b@x.org\r\nList-Unsubscribe: <mailto:old@shop.example>\r\nSubject: x\r\n\r\nHello\r\n',
    );
    const mail = await simpleParser(await injectIntoMime(raw, URL));
    expect(header(mail, 'list-unsubscribe')).toEqual([`List-Unsubscribe: <${URL}>`]);
    expect(mail.text).toContain(URL);
  });

  it('R10 leaves a text attachment alone and still finds the body', async () => {
    const raw = Buffer.from(
      [
        'From: a@shop.example',
        'To: b@x.org',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Body text',
        '--b',
        'Content-Type: text/plain; name=notes.txt',
        'Content-Disposition: attachment; filename=notes.txt',
        '',
        'attached notes stay as they are',
        '--b--',
        '',
      ].join('\r\n'),
    );
    const out = (await injectIntoMime(raw, URL)).toString('utf8');
    expect(out).toContain('attached notes stay as they are\r\n--b--');
    const mail = await simpleParser(out);
    expect(mail.text).toContain(URL);
    expect(mail.attachments[0]!.content.toString()).toBe('attached notes stay as they are');
  });

  it('R10 refuses a message without a text or HTML part to carry the link', async () => {
    const raw = Buffer.from(
      'From: a@shop.example\r\nTo: b@x.org\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n',
    );
    await expect(injectIntoMime(raw, URL)).rejects.toBeInstanceOf(MimeInjectionError);
  });
});

describe('injectIntoMime and hidden recipients', () => {
  const raw = Buffer.from(
    [
      'From: a@shop.example',
      'To: b@x.org',
      'Bcc: hidden@y.org',
      'Subject: hi',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hello',
      '',
    ].join('\r\n'),
  );

  it('removes Bcc from each copy, so that no recipient learns the hidden ones', async () => {
    const out = (await injectIntoMime(raw, URL)).toString('utf8');
    expect(out).not.toMatch(/^bcc:/im);
    expect(out).not.toContain('hidden@y.org');
  });

  it('removes Bcc and changes nothing else for a transactional message (no link)', async () => {
    const out = (await injectIntoMime(raw, undefined)).toString('utf8');
    expect(out).not.toContain('hidden@y.org');
    expect(out).not.toMatch(/list-unsubscribe/i);
    expect(out).toContain('\r\n\r\nHello');
  });
});
