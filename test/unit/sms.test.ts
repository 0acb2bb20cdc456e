import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePhone, regionOf } from '../../shared/domain/phone';
import { measureSms, withOptOutMention } from '../../shared/domain/sms-content';
import { DEFAULT_SMS_WINDOW, isOpen, nextOpenSlot } from '../../shared/domain/sms-hours';
import { parseSmsKeyword, STOP_WORDS } from '../../shared/domain/sms-keywords';
import { effectiveSenderType, senderDeclarationProblem, smsSenderKind } from '../../shared/domain/sms-sender';

const FR = regionOf('+33612345678');
const at = (iso: string) => new Date(iso);

describe('R14 sending hours', () => {
  // 2026-06-15 is a Monday; Paris is UTC+2 in summer, UTC+1 in winter.
  it.each([
    ['R14 allows Monday 08:00 Paris (window opens)', '2026-06-15T06:00:00Z', true],
    ['R14 defers Monday 07:59 Paris', '2026-06-15T05:59:00Z', false],
    ['R14 allows Saturday 19:59 Paris', '2026-06-20T17:59:00Z', true],
    ['R14 defers Saturday 20:00 Paris (window closes)', '2026-06-20T18:00:00Z', false],
    ['R14 defers any hour on a Sunday', '2026-06-21T10:00:00Z', false],
    ['R14 defers a public holiday (14 July, a Tuesday)', '2026-07-14T10:00:00Z', false],
    ['R14 defers Christmas Day (a Friday)', '2026-12-25T10:00:00Z', false],
    ['R14 allows 08:00 Paris in winter time (UTC+1)', '2026-12-01T07:00:00Z', true],
  ])('%s', (_title, iso, open) => {
    expect(isOpen(at(iso), FR, DEFAULT_SMS_WINDOW)).toBe(open);
  });

  it('R14 reads the window in the recipient’s time zone: 09:00 in Paris is 11:00 in Réunion', () => {
    const reunion = regionOf('+262692123456');
    expect(reunion.country).toBe('RE');
    // 2026-06-15 19:30 Paris = 21:30 Réunion (UTC+4): open in Paris, closed in Réunion.
    expect(isOpen(at('2026-06-15T17:30:00Z'), FR, DEFAULT_SMS_WINDOW)).toBe(true);
    expect(isOpen(at('2026-06-15T17:30:00Z'), reunion, DEFAULT_SMS_WINDOW)).toBe(false);
    expect(nextOpenSlot(at('2026-06-15T17:30:00Z'), reunion, DEFAULT_SMS_WINDOW)).toEqual(
      at('2026-06-16T04:00:00Z'),
    );
  });

  it('R14 defers Saturday night to Monday 08:00, across the Sunday', () => {
    expect(nextOpenSlot(at('2026-06-20T19:00:00Z'), FR, DEFAULT_SMS_WINDOW)).toEqual(
      at('2026-06-22T06:00:00Z'),
    );
  });

  it('R14 skips a public holiday: the eve of 14 July defers to 15 July 08:00', () => {
    expect(nextOpenSlot(at('2026-07-13T19:00:00Z'), FR, DEFAULT_SMS_WINDOW)).toEqual(
      at('2026-07-15T06:00:00Z'),
    );
  });

  it('R14 crosses a DST change: Saturday 28 March evening defers to Monday 30 March 08:00 summer time', () => {
    expect(nextOpenSlot(at('2026-03-28T20:00:00Z'), FR, DEFAULT_SMS_WINDOW)).toEqual(
      at('2026-03-30T06:00:00Z'),
    );
  });

  it('R14 answers now when the window is open', () => {
    const now = at('2026-06-16T10:00:00Z');
    expect(nextOpenSlot(now, FR, DEFAULT_SMS_WINDOW)).toBe(now);
  });

  it('R14 requires every zone of a country with several to be open', () => {
    const us = regionOf('+12025550123');
    expect(us.timeZones.length).toBeGreaterThan(1);
    // 14:00 UTC on a Tuesday is 10:00 in New York but 04:00 in Honolulu.
    expect(isOpen(at('2026-06-16T14:00:00Z'), us, DEFAULT_SMS_WINDOW)).toBe(false);
  });
});

describe('SMS replies (R7)', () => {
  it.each([
    'STOP',
    'stop',
    ' Stop ',
    'ARRET',
    'Arrêt',
    'arrêt ',
    'STOP SMS',
    'stop  sms',
    'UNSUBSCRIBE',
    'Désabonner',
    'DESABONNER',
    // As people write them.
    'STOP.',
    'Stop!',
    'STOP merci',
    'stop au 36123',
    'STOP36123',
    'ＳＴＯＰ',
    'STOP 🛑',
    '🛑STOP🛑',
    'ARRÊT',
    'OPT-OUT',
    'opt out',
    'Opt_Out',
    'optout',
    'STOPALL',
    'stop all',
    'Stopp',
    'désinscrire',
    'DÉS-ABONNER',
    'S T O P',
    'S.T.O.P.',
    'ST\u200BOP',
    'Merci de ne plus m’écrire, STOP',
    'Arrêtez svp',
    'cancel',
    'END',
    'quit',
    'Remove me',
    'td',
    'STOP START',
    'start stop',
    '𝐒𝐓𝐎𝐏',
  ])('R7 reads %j as stop', (text) => {
    expect(parseSmsKeyword(text)).toBe('stop');
  });
  it.each([' start ', 'START', 'Start.', 'ＳＴＡＲＴ', 'start!'])(
    'reads %j as a new consent by keyword',
    (text) => {
      expect(parseSmsKeyword(text)).toBe('start');
    },
  );
  it.each([
    'Merci',
    'STARTS',
    '',
    'start demain',
    'Christopher',
    'backstop',
    'stopped',
    'weekend',
    'trend',
    'quite good',
    '🛑',
    'Oui',
  ])('R7 does not read %j as stop or start (kept for review)', (text) => {
    expect(parseSmsKeyword(text)).toBe('unknown');
  });

  /** How each stop word may be spelled before folding (accents, hyphens, spaces). */
  const SPELLINGS: Record<string, readonly string[]> = {
    ARRET: ['ARRET', 'ARRÊT', 'arrêt'],
    ARRETE: ['arrête'],
    ARRETER: ['arrêter'],
    ARRETEZ: ['Arrêtez'],
    OPTOUT: ['OPTOUT', 'OPT-OUT', 'opt out', 'opt.out'],
    STOPALL: ['STOPALL', 'stop-all'],
    DESABONNER: ['DÉSABONNER', 'desabonner', 'dés-abonner'],
    DESABONNEZ: ['désabonnez'],
    DESABONNEMENT: ['désabonnement'],
    DESINSCRIRE: ['DESINSCRIRE', 'désinscrire'],
    DESINSCRIVEZ: ['désinscrivez'],
    DESINSCRIPTION: ['désinscription'],
  };
  const spellings = STOP_WORDS.flatMap((w) => SPELLINGS[w] ?? [w]);
  const ordinary = [
    'merci',
    'bonjour',
    'oui',
    'non',
    'demain',
    'quand',
    'livraison',
    'commande',
    'combien',
    'super',
    'ok',
    'hello',
    'thanks',
    'yes',
    'please',
    'call',
    'tomorrow',
    'order',
    'where',
    'parcel',
    'stopped',
    'backstop',
    'weekend',
    'trend',
    'quite',
    'removed',
    'cancelled',
    'Christophe',
    'start',
    'au',
    '36123',
    'svp',
    'à',
    'été',
  ];
  const fullWidth = (c: string) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c);
  /** One spelling with random case, full width and combining accents per character. */
  const variant = (word: string) =>
    fc
      .array(fc.tuple(fc.boolean(), fc.boolean(), fc.constantFrom('', '', '\u0301', '\u0308', '\u0327')), {
        minLength: word.length,
        maxLength: word.length,
      })
      .map((choices) =>
        [...word]
          .map((c, i) => {
            const [upper, wide, mark] = choices[i]!;
            const cased = upper ? c.toUpperCase() : c.toLowerCase();
            return (wide ? fullWidth(cased) : cased) + (/\p{L}/u.test(c) ? mark : '');
          })
          .join(''),
      );
  const noise = fc.constantFrom(
    '',
    '.',
    '!',
    '?',
    '…',
    ' 🛑',
    '✋',
    '🙏',
    '"',
    '(',
    ')',
    ',',
    ' ',
    ':)',
    '\u200B',
  );
  const around = fc.array(fc.constantFrom(...ordinary), { maxLength: 4 }).map((w) => w.join(' '));
  const separator = fc.constantFrom(' ', ', ', ' - ', '\n', '  ', '. ');

  it('R7 reads every stop word as stop, whatever its case, width, accents, punctuation, emoji and surrounding words', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...spellings).chain(variant),
        around,
        around,
        noise,
        noise,
        separator,
        (word, before, after, pre, post, sep) => {
          const reply = [before, `${pre}${word}${post}`, after].filter((p) => p !== '').join(sep);
          expect(parseSmsKeyword(reply), reply).toBe('stop');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('R7 never reads an ordinary reply without a stop word as stop', () => {
    for (const word of ordinary) expect(STOP_WORDS).not.toContain(word.toUpperCase());
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...ordinary).chain(variant), noise), {
          minLength: 1,
          maxLength: 8,
        }),
        separator,
        (words, sep) => {
          const reply = words.map(([w, n]) => `${w}${n}`).join(sep);
          expect(parseSmsKeyword(reply), reply).not.toBe('stop');
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('SMS numbers and length', () => {
  it('normalises a national number with the default region, to E.164', () => {
    expect(parsePhone('06 12 34 56 78', 'FR')).toMatchObject({ e164: '+33612345678', country: 'FR' });
    expect(parsePhone('+44 7911 123456', 'FR').e164).toBe('+447911123456');
  });
  it.each(['12', 'abc', '+33 1', '06 12 34 56 78 99'])('refuses %j', (input) => {
    expect(() => parsePhone(input, 'FR')).toThrow();
  });
  it('R10 counts the opt-out mention in the length and reports the encoding', () => {
    const gsm = measureSms(withOptOutMention('a'.repeat(150), 'STOP au 36123'));
    expect(gsm).toEqual({ encoding: 'GSM-7', segments: 2, characters: 164 });
    expect(measureSms(withOptOutMention('Soldes 😀', 'STOP au 36123')).encoding).toBe('UCS-2');
  });
});

describe('R10 SMS sender ids: what the id is, whatever it is declared as', () => {
  it.each([
    ['+33612345678', 'FR', 'long_code'],
    ['0612345678', 'FR', 'long_code'],
    ['612345678', 'FR', 'long_code'],
    ['33612345678', 'FR', 'long_code'],
    ['A0612345678', 'FR', 'long_code'],
    ['0800123456', 'FR', 'long_code'],
    ['+447911123456', 'FR', 'long_code'],
    ['36123', 'FR', 'short_code'],
    ['81234', 'RE', 'short_code'],
    ['12345', 'FR', undefined],
    ['96123', 'FR', undefined],
    ['361234', 'FR', undefined],
    ['1234567', 'FR', undefined],
    ['60123', 'GB', 'short_code'],
    ['DEMOSHOP', 'FR', 'alphanumeric'],
    ['Shop 24', 'FR', 'alphanumeric'],
  ])('R10 reads %j (region %s) as %s', (id, region, kind) => {
    expect(smsSenderKind(id, region)).toBe(kind);
  });

  it('R10 accepts any id declared as a long code, the most restricted type', () => {
    for (const id of ['36123', 'ACME', '+33612345678', '1234567']) {
      expect(senderDeclarationProblem(id, 'long_code', 'FR')).toBeUndefined();
    }
  });

  it('R10 trusts a stored type only when the id is one: a number stored as short_code is a long code', () => {
    const sender = (id: string, type: 'short_code' | 'alphanumeric') => ({
      id,
      type,
      originationIdentity: 'x',
    });
    expect(effectiveSenderType(sender('+33612345678', 'short_code'), 'FR')).toBe('long_code');
    expect(effectiveSenderType(sender('0612345678', 'alphanumeric'), 'FR')).toBe('long_code');
    expect(effectiveSenderType(sender('1234567', 'short_code'), 'FR')).toBe('long_code');
    expect(effectiveSenderType(sender('36123', 'short_code'), 'FR')).toBe('short_code');
    expect(effectiveSenderType(sender('ACME', 'alphanumeric'), 'FR')).toBe('alphanumeric');
  });
});
