import { describe, expect, it } from 'vitest';
import { parseSmsKeyword, replyWords } from '../../shared/domain/sms-keywords';

/** R7 rows the mutation run (docs/testing.md) showed unpinned: a stop word spelled out letter by letter next to other words. */
describe('R7 a stop word spelled out letter by letter, among other words', () => {
  it.each([
    ['after a word', 'merci S T O P'],
    ['after a word, with dots', 'Merci. S.T.O.P.'],
    ['before a number', 'S T O P 36123'],
    ['before a two-digit number', 'S T O P 36'],
  ])('R7 reads it as stop %s: %j', (_title, reply) => {
    expect(parseSmsKeyword(reply)).toBe('stop');
  });

  it('R7 a number is one word, not one word per digit', () => {
    expect(replyWords('stop au 36123')).toEqual(['STOP', 'AU', '36123']);
    expect(replyWords('')).toEqual([]);
  });
});
