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
