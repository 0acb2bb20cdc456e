import { describe, expect, it } from 'vitest';
import { checkDecisionAt, checkSendAt } from '../../shared/domain/schedule';

const now = new Date('2026-12-01T12:00:00Z');
const plus = (ms: number) => new Date(now.getTime() + ms).toISOString();
const MIN = 60_000;
const DAY = 86_400_000;

describe('a decision time (at)', () => {
  it.each([
    ['now', plus(0), true],
    ['within the clock skew in the past', plus(-4 * MIN), true],
    ['one year ahead', plus(365 * DAY), true],
    ['more than one year ahead', plus(365 * DAY + MIN), false],
    ['in the past beyond the skew', plus(-6 * MIN), false],
  ])('%s', (_title, at, ok) => {
    expect(checkDecisionAt(at, now).ok).toBe(ok);
  });
});

describe('a scheduled send (sendAt)', () => {
  it('absent, now or within the skew in the past: sent now', () => {
    expect(checkSendAt(undefined, now)).toBeUndefined();
    expect(checkSendAt(plus(0), now)).toBeUndefined();
    expect(checkSendAt(plus(-4 * MIN), now)).toBeUndefined();
  });
  it('up to 30 days ahead: scheduled at that instant', () => {
    expect(checkSendAt(plus(30 * DAY), now)).toEqual({ ok: true, at: new Date(plus(30 * DAY)) });
  });
  it('beyond 30 days, or in the past beyond the skew: refused with the problem', () => {
    expect(checkSendAt(plus(31 * DAY), now)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/30 days/),
    });
    expect(checkSendAt(plus(-6 * MIN), now)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/past/),
    });
  });
});
