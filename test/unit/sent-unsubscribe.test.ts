import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { unsubscribeHeaders } from '../../shared/domain/inject-unsubscribe';
import { mailtoAddress, mailtoIdOf } from '../../shared/domain/mailto-unsubscribe';
import {
  emailUnsubscribeRecord,
  fingerprintOf,
  NO_UNSUBSCRIBE,
  offeredMailto,
  recordedLinkOf,
  SentUnsubscribeError,
  smsUnsubscribeRecord,
} from '../../shared/domain/sent-unsubscribe';
import { signToken, verifyToken } from '../../shared/domain/unsubscribe-token';
import type { KeyMaterial } from '../../shared/ports/key-ring';
import { sentUnsubscribeSchema } from '../../shared/schemas/audit';

const keys: KeyMaterial = {
  hashKey: Buffer.alloc(32, 1),
  tokenKeys: new Map([['k7', Buffer.alloc(32, 7)]]),
  activeTokenKeyId: 'k7',
};
const target = {
  tenant: 'demo',
  recipientKey: 'r'.repeat(43),
  messageId: 'm-1',
  purpose: 'newsletter',
  channel: 'email',
} as const;
const token = signToken(target, keys);
const url = `https://gw.example/u/${token}`;
const sha16 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

describe('the unsubscribe record of a sent email (R10)', () => {
  it("keeps the headers as sent with the token fingerprinted, and the signing key's id", () => {
    const record = emailUnsubscribeRecord(unsubscribeHeaders(url), { in: 'parts', html: 1, text: 1 }, target);
    expect(record).toEqual({
      kind: 'email',
      listUnsubscribe: `<https://gw.example/u/{sha256:${sha16(token)}}>`,
      oneClick: true,
      keyId: 'k7',
      placed: { in: 'parts', html: 1, text: 1 },
    });
    expect(sentUnsubscribeSchema.parse(record)).toEqual(record);
    expect(recordedLinkOf(record as Extract<typeof record, { kind: 'email' }>)).toBe(
      `https://gw.example/u/{sha256:${sha16(token)}}`,
    );
  });

  it('holds no working credential: neither the token nor the mailto id, which would unsubscribe the person', () => {
    const id = mailtoIdOf(token, keys);
    const headers = unsubscribeHeaders(url, mailtoAddress(id, 'unsub.example'));
    const record = emailUnsubscribeRecord(headers, { in: 'mime', html: 2, text: 1 }, target);
    const text = JSON.stringify(record);
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('.')[3]!);
    expect(text).not.toContain(id);
    expect(offeredMailto(record as Extract<typeof record, { kind: 'email' }>)).toBe(true);
    expect(record).toMatchObject({
      listUnsubscribe: `<https://gw.example/u/${fingerprintOf(token)}>, <mailto:u+${fingerprintOf(id)}@unsub.example>`,
      placed: { in: 'mime', html: 2, text: 1 },
    });
    // What is left of the link is no token at all.
    const link = recordedLinkOf(record as Extract<typeof record, { kind: 'email' }>)!;
    expect(verifyToken(link.slice(link.lastIndexOf('/') + 1), keys)).toBeUndefined();
  });

  it('refuses headers without the gateway link, or a link naming another recipient, message, purpose or channel', () => {
    const placed = { in: 'parts', html: 1, text: 0 } as const;
    expect(() => emailUnsubscribeRecord([], placed, target)).toThrow(SentUnsubscribeError);
    expect(() =>
      emailUnsubscribeRecord(unsubscribeHeaders(url), placed, { ...target, recipientKey: 's'.repeat(43) }),
    ).toThrow(/another recipient or message/);
    expect(() =>
      emailUnsubscribeRecord(unsubscribeHeaders(url), placed, { ...target, messageId: 'm-2' }),
    ).toThrow(/another recipient or message/);
    expect(() =>
      emailUnsubscribeRecord(unsubscribeHeaders(url), placed, { ...target, purpose: 'offers' }),
    ).toThrow(/another purpose or channel/);
    expect(() =>
      emailUnsubscribeRecord(unsubscribeHeaders(url), placed, { ...target, channel: 'sms' }),
    ).toThrow(/another purpose or channel/);
    expect(() =>
      emailUnsubscribeRecord(unsubscribeHeaders('https://gw.example/u/v1.k7.bm90IGpzb24.x'), placed, target),
    ).toThrow(SentUnsubscribeError);
  });

  it('records the SMS mention, and that a transactional message carries none (R6)', () => {
    expect(sentUnsubscribeSchema.parse(smsUnsubscribeRecord('STOP au 36123'))).toEqual({
      kind: 'sms',
      mention: 'STOP au 36123',
    });
    expect(sentUnsubscribeSchema.parse(NO_UNSUBSCRIBE)).toEqual({ kind: 'none', why: 'transactional' });
  });

  it('the schema refuses a record that holds a link without a fingerprint', () => {
    const record = emailUnsubscribeRecord(unsubscribeHeaders(url), { in: 'parts', html: 1, text: 1 }, target);
    expect(sentUnsubscribeSchema.safeParse({ ...record, listUnsubscribe: `<${url}>` }).success).toBe(false);
  });
});
