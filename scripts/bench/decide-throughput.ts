import { Bench } from 'tinybench';
import { type DecisionInput, decide } from '../../shared/domain/decide';
import { regionOf } from '../../shared/domain/phone';
import { DEFAULT_SMS_WINDOW, isOpen } from '../../shared/domain/sms-hours';
import type { RecipientState } from '../../shared/schemas/recipient';
import { daysAgo, NOW, profile, state, tenant, withConsent } from '../../test/support/builders';

/**
 * Decisions per second of the pure `decide` (docs/rules.md R1–R14), on the in-memory fixtures
 * the unit tests use: one task per recipient state, and a weighted mix of them.
 */
export interface DecideCase {
  readonly name: string;
  /** Share of the mix, out of MIX_WEIGHT. */
  readonly weight: number;
  /**
   * The inputs, taken in turn: one for most states; for the SMS at night, one per instant of a
   * `now` moving forward through a week, so that no cache of a single instant flatters them.
   */
  readonly inputs: readonly DecisionInput[];
  readonly expected: 'allowed' | 'rejected' | 'deferred';
}

export interface DecideResult {
  readonly name: string;
  readonly expected: string;
  readonly weight: number;
  readonly decisionsPerSecond: number;
  /** Relative margin of error of the mean, in percent. */
  readonly rme: number;
}

const email = (
  purposeId: string,
  recipient: RecipientState,
  extra: Partial<DecisionInput> = {},
): DecisionInput => ({
  tenant: tenant(),
  channel: 'email',
  purposeId,
  from: 'news@acme.example',
  to: 'alice@example.org',
  recipient,
  now: NOW,
  ...extra,
});

/** R14's numbers of the bench: one zone (FR), 29 (US), 13 (AU), 16 (BR). */
const SMS_NUMBERS = [
  { country: 'FR', to: '+33612345678' },
  { country: 'US', to: '+12025550123' },
  { country: 'AU', to: '+61412345678' },
  { country: 'BR', to: '+5511987654321' },
] as const;

/** `now` moves 7.919 s per decision from Monday 15 June 2026 00:00 UTC, through a week. */
const NOW_STEP_MS = 7_919;
const WEEK_MS = 7 * 86_400_000;
const WEEK_START = Date.UTC(2026, 5, 15);

/** The instants of the moving `now` at which the window is closed somewhere in the number's country. */
export function nightInstants(to: string): Date[] {
  const region = regionOf(to);
  const instants: Date[] = [];
  for (let ms = WEEK_START; ms < WEEK_START + WEEK_MS; ms += NOW_STEP_MS) {
    const at = new Date(ms);
    if (!isOpen(at, region, DEFAULT_SMS_WINDOW)) instants.push(at);
  }
  return instants;
}

/**
 * R14 plans each UTC hour once per country and window (shared/domain/sms-hours.ts): `now`
 * moving 1 h 7.919 s per decision falls each time in an hour the last 48 did not ask, so the
 * plan is built for every decision, its worst case. 240 instants taken in turn: more hours
 * than the plans keep, few enough that the zones' offsets (memoised per hour, read from Intl
 * once) are known after the first round, as in a process running for a while, so that the
 * row shows the plan's cost rather than Intl's. Outside the mix: a clock moving on asks a
 * new hour once an hour.
 */
const NEW_HOUR_STEP_MS = 3_600_000 + NOW_STEP_MS;
const NEW_HOUR_INSTANTS = 240;

/** The instants, an hour and 7.919 s apart from the week's start, at which the window is closed somewhere in the country. */
export function newHourNightInstants(to: string): Date[] {
  const region = regionOf(to);
  const instants: Date[] = [];
  for (let ms = WEEK_START; instants.length < NEW_HOUR_INSTANTS; ms += NEW_HOUR_STEP_MS) {
    const at = new Date(ms);
    if (!isOpen(at, region, DEFAULT_SMS_WINDOW)) instants.push(at);
  }
  return instants;
}

const smsAtNight = (to: string, instants: (to: string) => Date[] = nightInstants): DecisionInput[] => {
  const base = email(
    'newsletter',
    withConsent('newsletter', {}, { profile: profile({ channel: 'sms', address: to }) }),
  );
  return instants(to).map((now) => ({ ...base, channel: 'sms', from: '36123', to, now }));
};
const channelObjection = {
  id: 'o-1',
  scope: { type: 'channel' as const },
  at: daysAgo(3),
  method: 'one_click' as const,
  recordedAt: daysAgo(3),
};

/** A state decided on one input. */
type FixedCase = Omit<DecideCase, 'inputs'> & { readonly input: DecisionInput };
const fixed = ({ input, ...rest }: FixedCase): DecideCase => ({ ...rest, inputs: [input] });

export function decideCases(): DecideCase[] {
  const cases: Array<FixedCase | DecideCase> = [
    {
      name: 'consented (R1)',
      weight: 6,
      expected: 'allowed',
      input: email('newsletter', withConsent('newsletter')),
    },
    {
      name: 'soft opt-in customer (R2)',
      weight: 3,
      expected: 'allowed',
      input: email(
        'newsletter',
        state({
          profile: profile({
            purchases: [{ productFamily: 'garden', at: daysAgo(40), ref: 'order-1' }],
            collection: {
              at: daysAgo(40),
              source: 'checkout',
              duringSale: true,
              informed: true,
              optOutOffered: true,
            },
          }),
        }),
      ),
    },
    {
      name: 'professional (R4)',
      weight: 2,
      expected: 'allowed',
      input: email(
        'software',
        state({
          profile: profile({
            audience: 'professional',
            address: 'jane.doe@corp.example',
            professionalTopics: ['it'],
            collection: {
              at: daysAgo(50),
              source: 'trade fair',
              duringSale: false,
              informed: true,
              optOutOffered: true,
            },
          }),
        }),
        { to: 'jane.doe@corp.example' },
      ),
    },
    {
      name: 'no basis (R1, R2)',
      weight: 2,
      expected: 'rejected',
      input: email('newsletter', state({ profile: profile() })),
    },
    {
      name: 'objected (R7)',
      weight: 2,
      expected: 'rejected',
      input: email(
        'newsletter',
        withConsent('newsletter', { givenAt: daysAgo(30) }, { objections: [channelObjection] }),
      ),
    },
    {
      name: 'suppressed, bounce (R8)',
      weight: 1,
      expected: 'rejected',
      input: email(
        'newsletter',
        withConsent(
          'newsletter',
          {},
          { suppressions: [{ reason: 'bounce', at: daysAgo(1), recordedAt: daysAgo(1) }] },
        ),
      ),
    },
    {
      name: 'expired prospect (R9)',
      weight: 1,
      expected: 'rejected',
      input: email(
        'newsletter',
        withConsent(
          'newsletter',
          { givenAt: daysAgo(1200) },
          { profile: profile({ collection: undefined, lastActivityAt: daysAgo(1100) }) },
        ),
      ),
    },
    ...SMS_NUMBERS.map(({ country, to }) => ({
      name: `SMS at night, ${country}: ${regionOf(to).timeZones.length} zone(s) (R14)`,
      weight: 1,
      expected: 'deferred' as const,
      inputs: smsAtNight(to),
    })),
    {
      name: 'repermission (R13)',
      weight: 1,
      expected: 'allowed',
      input: email('reperm', state({ profile: profile({ needsRepermission: true }) })),
    },
    {
      name: 'transactional (R6)',
      weight: 1,
      expected: 'allowed',
      input: email('receipts', state({ profile: profile() })),
    },
    {
      name: `SMS at night, US: ${regionOf('+12025550123').timeZones.length} zone(s), a new hour each decision (R14, not in the mix)`,
      weight: 0,
      expected: 'deferred',
      inputs: smsAtNight('+12025550123', newHourNightInstants),
    },
  ];
  return cases.map((c) => ('input' in c ? fixed(c) : c));
}

/** The weight of the whole mix: a round of it decides each state `weight` times. */
export const mixWeight = (cases: readonly DecideCase[]) => cases.reduce((sum, c) => sum + c.weight, 0);

/** Calls per timed iteration, so that the timer's own cost stays small against a few microseconds. */
const INNER = 100;

export async function benchDecide(options: { timeMs: number }): Promise<DecideResult[]> {
  const cases = decideCases();
  for (const c of cases) {
    for (const input of c.inputs) {
      const outcome = decide(input).outcome;
      if (outcome !== c.expected)
        throw new Error(
          `bench case "${c.name}" decides ${outcome} at ${input.now.toISOString()}, not ${c.expected}`,
        );
    }
  }
  // Each state takes its inputs in turn, in its own task and in the mix alike.
  const cursors = cases.map(() => 0);
  const next = (i: number) => {
    const inputs = cases[i]!.inputs;
    const input = inputs[cursors[i]!]!;
    cursors[i] = (cursors[i]! + 1) % inputs.length;
    return input;
  };
  const mix = cases.flatMap((c, i) => Array.from({ length: c.weight }, () => i));
  const bench = new Bench({ time: options.timeMs, warmupTime: Math.min(250, options.timeMs), throws: true });
  let sink = 0;
  cases.forEach((c, i) => {
    bench.add(c.name, () => {
      for (let k = 0; k < INNER; k++) if (decide(next(i)).outcome === 'allowed') sink++;
    });
  });
  bench.add('mix', () => {
    for (const i of mix) if (decide(next(i)).outcome === 'allowed') sink++;
  });
  await bench.run();
  if (sink < 0) throw new Error('unreachable: keeps the decisions alive');

  return bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed')
      throw new Error(`bench task "${task.name}" did not complete (${result.state})`);
    const perIteration = task.name === 'mix' ? mix.length : INNER;
    const c = cases.find((x) => x.name === task.name);
    return {
      name: task.name === 'mix' ? `weighted mix of the above (${mix.length} per round)` : task.name,
      expected: c?.expected ?? 'mix',
      weight: c?.weight ?? mix.length,
      decisionsPerSecond: result.throughput.mean * perIteration,
      rme: result.latency.rme,
    };
  });
}
