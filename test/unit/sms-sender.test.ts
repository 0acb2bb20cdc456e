import { describe, expect, it } from 'vitest';
import {
  effectiveSenderType,
  isShortCode,
  looksLikePhoneNumber,
  senderDeclarationProblem,
  smsSenderKind,
} from '../../shared/domain/sms-sender';

/**
 * R10 sender ids, rows the mutation run (docs/testing.md) showed unpinned: every region of the
 * French numbering plan, the anchors and bounds of the short-code patterns, and what a refused
 * declaration says (it is the 4xx a sender reads).
 */
describe('R10 short codes: the French plan and elsewhere', () => {
  it.each(['FR', 'GP', 'MQ', 'GF', 'RE', 'YT', 'PM', 'BL', 'MF'])(
    'R10 in %s (French plan) a short code is 5 digits from 3xxxx to 8xxxx',
    (region) => {
      expect(isShortCode('36123', region)).toBe(true);
      expect(isShortCode('81234', region)).toBe(true);
      expect(isShortCode('12345', region)).toBe(false);
      expect(isShortCode('96123', region)).toBe(false);
      expect(isShortCode('936123', region)).toBe(false);
      expect(isShortCode('361234', region)).toBe(false);
    },
  );

  it.each([
    ['3 digits', '123', true],
    ['8 digits', '12345678', true],
    ['2 digits', '12', false],
    ['9 digits', '123456789', false],
    ['13 digits', '1234567890123', false],
    ['digits after a sign', '+12345', false],
    ['a trailing space', '12345 ', false],
  ])('R10 outside the French plan a short code is 3 to 8 digits: %s → %s', (_title, id, expected) => {
    expect(isShortCode(id, 'GB')).toBe(expected);
  });

  it('R10 an id of digits that is neither a number nor a short code is no sender at all', () => {
    expect(smsSenderKind('1234567890123', 'GB')).toBeUndefined();
    expect(smsSenderKind('12', 'GB')).toBeUndefined();
    expect(smsSenderKind('12345', 'GB')).toBe('short_code');
    expect(smsSenderKind('12345', 'GP')).toBeUndefined();
    expect(smsSenderKind('936123', 'FR')).toBeUndefined();
    expect(smsSenderKind('---', 'FR')).toBeUndefined();
    expect(smsSenderKind('Ä1', 'FR')).toBe('alphanumeric');
    // Digits then a letter are an alphanumeric sender, not a short code with something after it.
    expect(smsSenderKind('36123A', 'FR')).toBe('alphanumeric');
  });

  it('R10 a phone number is read as one, an unparseable id is not one', () => {
    expect(looksLikePhoneNumber('+33612345678', 'GB')).toBe(true);
    expect(looksLikePhoneNumber('0612345678', 'FR')).toBe(true);
    expect(looksLikePhoneNumber('0612345678', 'XX')).toBe(false);
    expect(looksLikePhoneNumber('ACME', 'FR')).toBe(false);
  });
});

describe('R10 what a refused sender declaration says', () => {
  it.each([
    [
      'a number declared a short code',
      '+33612345678',
      'short_code',
      'FR',
      '"+33612345678" is a phone number: declare it as long_code (R10: a sender id that is a phone number is a long code)',
    ],
    [
      'a number declared alphanumeric',
      'A0612345678',
      'alphanumeric',
      'FR',
      '"A0612345678" is a phone number: declare it as long_code (R10: a sender id that is a phone number is a long code)',
    ],
    [
      'a short code outside the French plan, in France',
      '12345',
      'short_code',
      'FR',
      '"12345" is not a short code of the French plan (5 digits starting with 3 to 8): declare it as long_code or alphanumeric',
    ],
    [
      'too short a short code elsewhere',
      '12',
      'short_code',
      'GB',
      '"12" is not a short code (3 to 8 digits): declare it as long_code or alphanumeric',
    ],
    [
      'digits declared alphanumeric',
      '36123',
      'alphanumeric',
      'FR',
      '"36123" is not an alphanumeric sender id: it must hold a letter (declare it as long_code or short_code)',
    ],
    ['a short code that is one', '36123', 'short_code', 'FR', undefined],
    ['an alphanumeric sender that is one', 'ACME', 'alphanumeric', 'FR', undefined],
  ] as const)('R10 %s', (_title, id, type, region, problem) => {
    expect(senderDeclarationProblem(id, type, region)).toBe(problem);
  });

  it('R10 the type trusted at decision time depends on the region and the declared type, not only the id', () => {
    const sender = (id: string, type: 'short_code' | 'alphanumeric') => ({
      id,
      type,
      originationIdentity: 'x',
    });
    // Same id, asked in both regions in turn: each answer is its region's.
    expect(effectiveSenderType(sender('12345', 'short_code'), 'GB')).toBe('short_code');
    expect(effectiveSenderType(sender('12345', 'short_code'), 'FR')).toBe('long_code');
    expect(effectiveSenderType(sender('12345', 'short_code'), 'GB')).toBe('short_code');
    expect(effectiveSenderType(sender('36123', 'alphanumeric'), 'FR')).toBe('long_code');
    expect(effectiveSenderType(sender('36123', 'short_code'), 'FR')).toBe('short_code');
    expect(effectiveSenderType({ id: 'ACME', type: 'long_code', originationIdentity: 'x' }, 'FR')).toBe(
      'long_code',
    );
  });
});
