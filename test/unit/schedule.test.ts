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

/** Rows the mutation run (docs/testing.md) showed unpinned: the exact edges and what each problem names. */
describe('decision and send times: edges and problems', () => {
  it('a decision at exactly the clock skew in the past is taken; one millisecond earlier is not', () => {
    expect(checkDecisionAt(plus(-5 * MIN), now)).toEqual({ ok: true, at: new Date(plus(-5 * MIN)) });
    expect(checkDecisionAt(plus(-5 * MIN - 1), now).ok).toBe(false);
  });

  it('a sendAt at exactly the clock skew in the past means now; one millisecond earlier is refused', () => {
    expect(checkSendAt(plus(-5 * MIN), now)).toBeUndefined();
    expect(checkSendAt(plus(-5 * MIN - 1), now)?.ok).toBe(false);
  });

  it('each problem names the instant given and, ahead, the latest one allowed', () => {
    expect(checkDecisionAt(plus(365 * DAY + 1), now)).toEqual({
      ok: false,
      problem: `is more than one year ahead (${plus(365 * DAY + 1)}); the latest is 2027-12-01T12:00:00.000Z`,
    });
    expect(checkDecisionAt(plus(-6 * MIN), now)).toEqual({
      ok: false,
      problem: `is in the past (${plus(-6 * MIN)}): a decision is made on today's state, so it can be asked for now or a later instant only; the audit trail holds past decisions`,
    });
    expect(checkSendAt(plus(30 * DAY + 1), now)).toEqual({
      ok: false,
      problem: `is more than 30 days ahead (${plus(30 * DAY + 1)}); the latest is 2026-12-31T12:00:00.000Z`,
    });
    expect(checkSendAt(plus(-6 * MIN), now)).toEqual({
      ok: false,
      problem: `is in the past (${plus(-6 * MIN)}); leave it out to send now`,
    });
  });
});
