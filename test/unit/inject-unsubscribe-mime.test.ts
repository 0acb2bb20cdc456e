import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  checkMimeStructure,
  injectIntoMime,
  MAX_BODY_PARTS,
  MimeInjectionError,
} from '../../shared/domain/inject-unsubscribe-mime';
import { dkimResults, signDkim } from '../support/dkim';
import {
  ATTACHMENT,
  attachmentSection,
  bareLineBreaks,
  buildMime,
  crlfFixtures,
  decodedParts,
  INLINE_NAMED_PARTS,
  leavesOf,
  type MimeTree,
  NESTED_PARTS,
  rawWithAttachment,
  TWO_HTML_ALTERNATIVES,
} from '../support/mime-fixtures';

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

const HEADERS = { from: 'a@shop.example', to: 'b@x.org' };
const isBodyPart = (leaf: { type: string; disposition?: string }) =>
  (leaf.type === 'text/plain' || leaf.type === 'text/html') && leaf.disposition !== 'attachment';

/** Every leaf after the rewrite: body parts carry the link, every other part is unchanged. */
async function expectLinkInEveryBodyPart(tree: MimeTree, raw: Buffer, out: Buffer) {
  const leaves = leavesOf(tree);
  const before = await decodedParts(raw);
  const parts = await decodedParts(out);
  expect(parts).toHaveLength(leaves.length);
  for (const [i, leaf] of leaves.entries()) {
    const part = parts[i]!;
    if (isBodyPart(leaf)) {
      // The sender's content is still there, and the link follows it (R10).
      expect(part.text, `${leaf.type} part ${i}`).toContain(/[A-Z-]*MARK/.exec(leaf.body)![0]);
      expect(part.text, `${leaf.type} part ${i}`).toContain(URL);
    } else {
      expect(part.text, `${leaf.type} part ${i}`).toBe(before[i]!.text);
    }
  }
}

describe('injectIntoMime: every body part a reader may see (R10)', () => {
  const alternatives = (n: number): MimeTree => ({
    kind: 'multipart',
    subtype: 'alternative',
    parts: Array.from({ length: n }, (_, i) => ({
      kind: 'leaf' as const,
      type: 'text/html' as const,
      encoding: '7bit' as const,
      body: `<p>MARK ${i}</p>`,
    })),
  });

  it(`accepts up to ${MAX_BODY_PARTS} body parts, each with the link, and refuses more (each costs a rewrite per copy)`, async () => {
    const most = buildMime(alternatives(MAX_BODY_PARTS), HEADERS);
    await checkMimeStructure(most);
    await expectLinkInEveryBodyPart(alternatives(MAX_BODY_PARTS), most, await injectIntoMime(most, URL));
    const tooMany = buildMime(alternatives(MAX_BODY_PARTS + 1), HEADERS);
    await expect(checkMimeStructure(tooMany)).rejects.toThrow(
      `${MAX_BODY_PARTS + 1} text or HTML body parts`,
    );
    await expect(injectIntoMime(tooMany, URL)).rejects.toBeInstanceOf(MimeInjectionError);
  });

  it('R10 puts the link in both HTML alternatives, the last being the one clients show', async () => {
    const raw = buildMime(TWO_HTML_ALTERNATIVES, HEADERS);
    await expectLinkInEveryBodyPart(TWO_HTML_ALTERNATIVES, raw, await injectIntoMime(raw, URL));
  });

  it('R10 puts the link in inline parts with name= (Content-Type name, inline or no disposition), not in attachments', async () => {
    const raw = buildMime(INLINE_NAMED_PARTS, HEADERS);
    await expectLinkInEveryBodyPart(INLINE_NAMED_PARTS, raw, await injectIntoMime(raw, URL));
  });

  it('R10 reaches text parts in nested multiparts, leaves inline images and attachments alone', async () => {
    const raw = buildMime(NESTED_PARTS, HEADERS);
    await expectLinkInEveryBodyPart(NESTED_PARTS, raw, await injectIntoMime(raw, URL));
  });
});

describe('injectIntoMime writes CRLF only (broken messages)', () => {
  for (const [name, raw] of Object.entries(crlfFixtures(HEADERS))) {
    for (const link of [URL, undefined]) {
      it(`${name}, ${link ? 'marketing' : 'transactional'}: no bare LF or CR in the output`, async () => {
        const out = await injectIntoMime(raw, link);
        expect(
          bareLineBreaks(out).map((i) => JSON.stringify(out.toString('latin1').slice(i - 20, i + 5))),
        ).toEqual([]);
      });
    }
  }

  const text = fc
    .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constant('\n'), fc.constant('\r\n')), {
      maxLength: 8,
    })
    .map((pieces) => `MARK ${pieces.join('')}`.replace(/\r(?!\n)/g, ''));
  const leaf: fc.Arbitrary<MimeTree> = fc.record({
    kind: fc.constant('leaf' as const),
    type: fc.constantFrom('text/plain' as const, 'text/html' as const, 'application/pdf' as const),
    encoding: fc.constantFrom('7bit' as const, 'quoted-printable' as const, 'base64' as const),
    disposition: fc.constantFrom(undefined, 'inline' as const, 'attachment' as const),
    name: fc.constantFrom(undefined, 'part.txt'),
    body: text,
  });
  const { tree } = fc.letrec<{ tree: MimeTree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({
        kind: fc.constant('multipart' as const),
        subtype: fc.constantFrom('mixed' as const, 'alternative' as const, 'related' as const),
        parts: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }),
      }),
    ),
  }));

  it('property: any generated multipart message comes out CRLF only, with the link in every body part', async () => {
    await fc.assert(
      fc.asyncProperty(
        tree.filter((t) => leavesOf(t).some((l) => isBodyPart(l))),
        async (t) => {
          const raw = buildMime(t, HEADERS);
          const out = await injectIntoMime(raw, URL);
          expect(bareLineBreaks(out)).toEqual([]);
          await expectLinkInEveryBodyPart(t, raw, out);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("injectIntoMime and the sender's DKIM-Signature (broken messages)", () => {
  it('removes the signature the rewrite invalidates: the original verifies, the rewritten message has no failing one', async () => {
    const signed = await signDkim(rawWithAttachment({ from: 'news@shop.example', to: 'b@x.org' }));
    expect(await dkimResults(signed)).toEqual(['pass']);
    const out = await injectIntoMime(signed, URL);
    expect(await dkimResults(out)).toEqual([]);
    expect(out.toString('latin1')).not.toMatch(/^dkim-signature:/im);
  });

  it('also a simple/simple signature and two signatures at once', async () => {
    const raw = rawWithAttachment({ from: 'news@shop.example', to: 'b@x.org' });
    const twice = await signDkim(await signDkim(raw, { canonicalization: 'simple/simple' }));
    expect(await dkimResults(twice)).toEqual(['pass', 'pass']);
    expect(await dkimResults(await injectIntoMime(twice, URL))).toEqual([]);
  });

  it('keeps a signature the rewrite leaves valid (transactional, nothing signed was changed)', async () => {
    const signed = await signDkim(rawWithAttachment({ from: 'news@shop.example', to: 'b@x.org' }));
    expect(await dkimResults(await injectIntoMime(signed, undefined))).toEqual(['pass']);
    const simple = await signDkim(rawWithAttachment({ from: 'news@shop.example', to: 'b@x.org' }), {
      canonicalization: 'simple/simple',
    });
    expect(await dkimResults(await injectIntoMime(simple, undefined))).toEqual(['pass']);
  });

  it('removes a transactional signature that covered the Bcc header the gateway removes', async () => {
    const raw = Buffer.from(
      'From: news@shop.example\r\nTo: b@x.org\r\nBcc: hidden@y.org\r\nSubject: s\r\n\r\nHello\r\n',
    );
    const signed = await signDkim(raw, { headerList: ['from', 'to', 'bcc', 'subject'] });
    expect(await dkimResults(signed)).toEqual(['pass']);
    expect(await dkimResults(await injectIntoMime(signed, undefined))).toEqual([]);
  });
});
