import { describe, expect, it } from 'vitest';
import { complaintRateIssues, optOutMentionIssues, smsWindowIssues } from '../../shared/domain/legal-floors';
import { DEFAULT_LEGAL_FLOORS, legalFloorsSchema } from '../../shared/schemas/legal-floors';

const window = { days: [1, 2, 3, 4, 5, 6], start: '08:00', end: '20:00', skipPublicHolidays: true };

describe('legal floors', () => {
  it('defaults to R14 Monday–Saturday 08:00–20:00 without holidays, R10 STOP and short code, 0.3%', () => {
    expect(DEFAULT_LEGAL_FLOORS).toEqual({
      smsWindow: window,
      optOutMention: { requireStop: true, requireShortCode: true },
      maxHoldRate: 0.003,
    });
    // The constant is written out (no parse when the module loads): the schema's defaults agree.
    expect(legalFloorsSchema.parse({})).toEqual(DEFAULT_LEGAL_FLOORS);
    expect(legalFloorsSchema.parse({ smsWindow: {}, optOutMention: {} })).toEqual(DEFAULT_LEGAL_FLOORS);
  });

  it('R14 takes the default window and refuses Sunday at 21:00 under the defaults', () => {
    expect(smsWindowIssues(window, DEFAULT_LEGAL_FLOORS)).toEqual([]);
    const sunday = { ...window, days: [7], end: '21:00' };
    expect(smsWindowIssues(sunday, DEFAULT_LEGAL_FLOORS).map((i) => i.field)).toEqual([
      'window.days',
      'window.end',
    ]);
  });

  it('R14 takes a Sunday and holidays once the operator widens the floor explicitly', () => {
    const widened = legalFloorsSchema.parse({
      smsWindow: { days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '21:00', skipPublicHolidays: false },
    });
    expect(
      smsWindowIssues({ days: [7], start: '09:00', end: '21:00', skipPublicHolidays: false }, widened),
    ).toEqual([]);
  });

  it('R10 wants STOP (as a word, in capitals) and a short code', () => {
    expect(optOutMentionIssues('STOP au 36123', DEFAULT_LEGAL_FLOORS)).toEqual([]);
    expect(optOutMentionIssues(undefined, DEFAULT_LEGAL_FLOORS)).toEqual([]);
    expect(optOutMentionIssues('STOPPEZ au 36123', DEFAULT_LEGAL_FLOORS)).toHaveLength(1);
    expect(optOutMentionIssues('STOP au 123', DEFAULT_LEGAL_FLOORS)).toHaveLength(1);
    const noShortCode = legalFloorsSchema.parse({ optOutMention: { requireShortCode: false } });
    expect(optOutMentionIssues('STOP par retour', noShortCode)).toEqual([]);
  });

  it('refuses a hold rate above the floor, takes one at or below it', () => {
    expect(complaintRateIssues({ holdRate: 0.003 }, DEFAULT_LEGAL_FLOORS)).toEqual([]);
    expect(complaintRateIssues({ holdRate: 0.0031 }, DEFAULT_LEGAL_FLOORS)[0]?.field).toBe('holdRate');
  });
});

/** Rows the mutation run (docs/testing.md) showed unpinned: each problem names the floor, boundaries, patterns. */
describe('legal floors: what each problem says', () => {
  const floorText =
    'must stay within the legal floor (R14: Monday, Tuesday, Wednesday, Thursday, Friday, Saturday 08:00–20:00, never on public holidays)';

  it('R14 names every field outside the floor, and the floor itself, under the given prefix', () => {
    const outside = { days: [1, 7], start: '07:30', end: '20:01', skipPublicHolidays: false };
    expect(smsWindowIssues(outside, DEFAULT_LEGAL_FLOORS)).toEqual([
      { field: 'window.days', problem: `Sunday ${floorText}` },
      { field: 'window.start', problem: `07:30 ${floorText}` },
      { field: 'window.end', problem: `20:01 ${floorText}` },
      { field: 'window.skipPublicHolidays', problem: `must be true: ${floorText}` },
    ]);
    expect(smsWindowIssues(outside, DEFAULT_LEGAL_FLOORS, 'sms.window').map((i) => i.field)).toEqual([
      'sms.window.days',
      'sms.window.start',
      'sms.window.end',
      'sms.window.skipPublicHolidays',
    ]);
  });

  it('R14 lists every day outside a narrower floor, and a floor with holidays allowed says nothing of them', () => {
    const weekdays = legalFloorsSchema.parse({
      smsWindow: { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', skipPublicHolidays: false },
    });
    expect(
      smsWindowIssues({ days: [5, 6, 7], start: '09:00', end: '18:00', skipPublicHolidays: false }, weekdays),
    ).toEqual([
      {
        field: 'window.days',
        problem:
          'Saturday, Sunday must stay within the legal floor (R14: Monday, Tuesday, Wednesday, Thursday, Friday 09:00–18:00)',
      },
    ]);
  });

  it.each([
    ['R14 a start at the floor’s start', { start: '08:00' }, []],
    ['R14 a start one minute before it', { start: '07:59' }, ['window.start']],
    ['R14 an end at the floor’s end', { end: '20:00' }, []],
    ['R14 an end one minute after it', { end: '20:01' }, ['window.end']],
    ['R14 a narrower window', { start: '10:00', end: '12:00', days: [2] }, []],
    ['R14 holidays skipped though the floor allows them', { skipPublicHolidays: true }, []],
  ])('%s', (_title, change, fields) => {
    expect(smsWindowIssues({ ...window, ...change }, DEFAULT_LEGAL_FLOORS).map((i) => i.field)).toEqual(
      fields,
    );
  });

  it.each([
    ['STOP au 36123', []],
    ['Répondez STOP au 36123 pour ne plus recevoir', []],
    ['STOP 3612 (four digits)', []],
    ['STOP au 361234 (six digits)', []],
    ['NONSTOP au 36123', ['the word STOP']],
    ['stop au 36123', ['the word STOP']],
    ['STOP au 1234567', ['a short code']],
    ['STOP au 123', ['a short code']],
    ['Désinscription au 36123', ['the word STOP']],
    ['Écrivez-nous', ['the word STOP', 'a short code']],
  ])('R10 the mention %j misses %j', (mention, missing) => {
    const issues = optOutMentionIssues(mention, DEFAULT_LEGAL_FLOORS, 'sms.optOutMention');
    if (missing.length === 0) return expect(issues).toEqual([]);
    expect(issues).toEqual([
      {
        field: 'sms.optOutMention',
        problem: `must contain ${missing.join(' and ')} (legal floor R10: a free opt-out such as "STOP au 36123")`,
      },
    ]);
  });

  it('R10 names the default field, and asks only for what the floor requires', () => {
    expect(optOutMentionIssues('Écrivez-nous', DEFAULT_LEGAL_FLOORS)[0]?.field).toBe('optOutMention');
    const codeOnly = legalFloorsSchema.parse({ optOutMention: { requireStop: false } });
    expect(optOutMentionIssues('Désinscription au 36123', codeOnly)).toEqual([]);
    expect(optOutMentionIssues('Écrivez-nous', codeOnly)[0]?.problem).toMatch(
      /^must contain a short code \(/,
    );
  });

  it('names the hold rate floor as a fraction and a percentage', () => {
    expect(complaintRateIssues({ holdRate: 0.004 }, DEFAULT_LEGAL_FLOORS)).toEqual([
      {
        field: 'holdRate',
        problem: "must be at most 0.003 (legal floor: mailbox providers' 0.3% complaint rate)",
      },
    ]);
    const odd = legalFloorsSchema.parse({ maxHoldRate: 0.0000123 });
    expect(complaintRateIssues({ holdRate: 0.001 }, odd)[0]?.problem).toBe(
      "must be at most 0.0000123 (legal floor: mailbox providers' 0.0012% complaint rate)",
    );
  });
});
