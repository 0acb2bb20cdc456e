import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalInstant,
  earlierMs,
  futureDatedFields,
  instantMs,
  isFutureDated,
  isoOf,
  laterMs,
  MAX_FUTURE_SKEW_MS,
} from '../../shared/domain/instant';

/** RULES.md vocabulary, "Time": instants compared as instants; evidence dated in the future is not evidence. */
const now = new Date('2026-06-01T12:00:00.000Z');
const at = (ms: number) => new Date(now.getTime() + ms).toISOString();

describe('RULES.md "Time": instants', () => {
  it('reads any offset and precision as the same instant, and the unreadable as NaN', () => {
    expect(instantMs('2026-06-01T22:00:00+02:00')).toBe(Date.UTC(2026, 5, 1, 20));
    expect(instantMs('2026-06-01T20:00:00.000Z')).toBe(Date.UTC(2026, 5, 1, 20));
    expect(instantMs('not a date')).toBeNaN();
  });

  it('stores one canonical form: UTC, milliseconds, Z', () => {
    expect(canonicalInstant('2026-06-01T22:00:00+02:00')).toBe('2026-06-01T20:00:00.000Z');
    expect(canonicalInstant('2026-06-01T12:00:00.5-08:00')).toBe('2026-06-01T20:00:00.500Z');
  });

  it.each([
    ['R3 R7 R9 now is not in the future', 0, false],
    ['R3 R7 R9 five minutes ahead is within the clock skew', 5 * 60_000, false],
    ['R3 R7 R9 one millisecond beyond the skew is in the future', 5 * 60_000 + 1, true],
    ['R3 R7 R9 the past is not in the future', -86_400_000, false],
  ])('%s', (_title, ms, future) => {
    expect(MAX_FUTURE_SKEW_MS).toBe(300_000);
    expect(isFutureDated(at(ms), now)).toBe(future);
  });

  it('R3 R7 R9 names each future-dated field, skipping absent and acceptable ones', () => {
    const late = at(6 * 60_000);
    expect(
      futureDatedFields(
        [
          ['grant.givenAt', late],
          ['grant.confirmedAt', undefined],
          ['purchases.0.at', at(0)],
          ['lastActivityAt', at(MAX_FUTURE_SKEW_MS + 1)],
        ],
        now,
      ),
    ).toEqual([
      {
        field: 'grant.givenAt',
        problem: `${late} is in the future (the gate's clock says 2026-06-01T12:00:00.000Z, 5 min of skew allowed): evidence cannot be dated after it is recorded`,
      },
      { field: 'lastActivityAt', problem: expect.stringContaining(at(MAX_FUTURE_SKEW_MS + 1)) },
    ]);
    expect(futureDatedFields([], now)).toEqual([]);
  });

  it.each([
    [
      'both given, later first',
      '2026-02-01T00:00:00Z',
      '2026-01-01T00:00:00Z',
      Date.UTC(2026, 1, 1),
      Date.UTC(2026, 0, 1),
    ],
    [
      'both given, later second',
      '2026-01-01T00:00:00Z',
      '2026-02-01T00:00:00Z',
      Date.UTC(2026, 1, 1),
      Date.UTC(2026, 0, 1),
    ],
    [
      'as instants: +02:00 is earlier than Z of the same wall time',
      '2026-01-01T10:00:00+02:00',
      '2026-01-01T09:00:00Z',
      Date.UTC(2026, 0, 1, 9),
      Date.UTC(2026, 0, 1, 8),
    ],
    ['only the first', '2026-01-01T00:00:00Z', undefined, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1)],
    ['only the second', undefined, '2026-01-01T00:00:00Z', Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1)],
  ])('the later and the earlier of two instants: %s', (_title, a, b, later, earlier) => {
    expect(laterMs(a, b)).toBe(later);
    expect(earlierMs(a, b)).toBe(earlier);
  });

  it('neither instant given: no later or earlier one (NaN, which compares false)', () => {
    expect(laterMs(undefined, undefined)).toBeNaN();
    expect(earlierMs(undefined, undefined)).toBeNaN();
  });
});

describe('instantMs reads the canonical form digit by digit, as Date.parse reads it', () => {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  it('equals Date.parse on canonical instants, out-of-range fields and near misses (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 999 }),
        fc.constantFrom('Z', 'z', '+', ' '),
        (y, mo, d, h, mi, s, ms, end) => {
          const iso = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}${end}`;
          expect(Object.is(instantMs(iso), Date.parse(iso)), iso).toBe(true);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('equals Date.parse on every instant toISOString writes, and on other spellings', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (t) => {
        const iso = new Date(t).toISOString();
        expect(instantMs(iso)).toBe(t);
      }),
      { numRuns: 20_000 },
    );
    for (const iso of [
      '2026-02-30T00:00:00.000Z',
      '2026-06-01T24:00:00.000Z',
      '0099-01-01T00:00:00.000Z',
      '2026-06-01T20:00:00Z',
      '2026-06-01T22:00:00.000+02:00',
      '2026-06-01T2a:00:00.000Z',
      '２０２６-06-01T20:00:00.000Z',
      '',
    ])
      expect(Object.is(instantMs(iso), Date.parse(iso)), iso).toBe(true);
  });
});

describe('instantMs counts days as Date.parse counts them', () => {
  it('equals Date.parse on the first and the last instant of the 1st and the 28th to the 31st of every month of 1000–9999', () => {
    const mismatches: string[] = [];
    for (let y = 1000; y <= 9999; y++)
      for (let m = 1; m <= 12; m++)
        for (const d of ['01', '28', '29', '30', '31'])
          for (const time of ['00:00:00.000', '23:59:59.999']) {
            const iso = `${y}-${String(m).padStart(2, '0')}-${d}T${time}Z`;
            if (!Object.is(instantMs(iso), Date.parse(iso))) mismatches.push(iso);
          }
    expect(mismatches).toEqual([]);
  });
});

describe('isoOf writes an instant as toISOString writes it', () => {
  it("equals toISOString on every instant of Date's range, whole or not (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 253_402_300_799_999 }),
          fc.integer({ min: -8.64e15, max: 8.64e15 }),
          fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }),
        ),
        (t) => {
          expect(isoOf(t)).toBe(new Date(t).toISOString());
        },
      ),
      { numRuns: 30_000 },
    );
    for (const t of [
      0, 999, 1000, 951_782_400_000, 4_107_456_000_000, 253_402_300_799_999, 253_402_300_800_000, -1,
    ])
      expect(isoOf(t)).toBe(new Date(t).toISOString());
  });

  it('throws as toISOString throws for what is no instant', () => {
    for (const t of [Number.NaN, 8.64e15 + 1, Number.POSITIVE_INFINITY])
      expect(() => isoOf(t)).toThrow(RangeError);
  });
});
