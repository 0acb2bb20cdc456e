import { describe, expect, it } from 'vitest';
import { defaultOptOutMention, measureSms, withOptOutMention } from '../../shared/domain/sms-content';

/** R10 for SMS, pinned by value (rows the mutation run showed missing from sms.test.ts). */
describe('R10 SMS opt-out mention and length', () => {
  it('R10 the default mention names the short code', () => {
    expect(defaultOptOutMention('36123')).toBe('STOP au 36123');
  });

  it.each([
    ['a body ending with spaces and line breaks', 'Soldes !  \n\n', 'Soldes !\nSTOP au 36123'],
    ['a body with inner spaces, kept', 'Soldes  -50 %', 'Soldes  -50 %\nSTOP au 36123'],
    ['an empty body', '', '\nSTOP au 36123'],
  ])('R10 puts the mention on its own last line: %s', (_title, body, expected) => {
    expect(withOptOutMention(body, 'STOP au 36123')).toBe(expected);
  });

  it.each([
    [
      'one GSM-7 segment at 160 characters',
      'a'.repeat(160),
      { encoding: 'GSM-7', segments: 1, characters: 160 },
    ],
    ['two GSM-7 segments at 161', 'a'.repeat(161), { encoding: 'GSM-7', segments: 2, characters: 161 }],
    ['UCS-2 for an accent outside GSM-7', 'ç'.repeat(70), { encoding: 'UCS-2', segments: 1, characters: 70 }],
    ['UCS-2 for an emoji', 'Hi 😀', { encoding: 'UCS-2', segments: 1, characters: 4 }],
  ])('R10 measures %s', (_title, text, expected) => {
    expect(measureSms(text)).toEqual(expected);
  });
});
