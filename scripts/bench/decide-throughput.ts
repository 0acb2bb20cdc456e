import { Bench } from 'tinybench';
import { type DecisionInput, decide } from '../../shared/domain/decide';
import type { RecipientState } from '../../shared/schemas/recipient';
import { daysAgo, NOW, profile, state, tenant, withConsent } from '../../test/support/builders';

/**
 * Decisions per second of the pure `decide` (docs/rules.md R1–R14), on the in-memory fixtures
 * the unit tests use: one task per recipient state, and a weighted mix of them.
 */
export interface DecideCase {
  readonly name: string;
  /** Share of the mix, out of 20. */
  readonly weight: number;
  readonly input: DecisionInput;
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

const smsProfile = profile({ channel: 'sms', address: '+33612345678' });
const channelObjection = {
  id: 'o-1',
  scope: { type: 'channel' as const },
  at: daysAgo(3),
  method: 'one_click' as const,
  recordedAt: daysAgo(3),
};

export function decideCases(): DecideCase[] {
  return [
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
    {
      name: 'SMS at night (R14)',
      weight: 1,
      expected: 'deferred',
      input: {
        ...email('newsletter', withConsent('newsletter', {}, { profile: smsProfile })),
        channel: 'sms',
        from: '36123',
        to: '+33612345678',
        // 23:00 in Paris on a Tuesday: deferred to 08:00.
        now: new Date('2026-06-16T21:00:00Z'),
      },
    },
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
  ];
}

/** Calls per timed iteration, so that the timer's own cost stays small against a few microseconds. */
const INNER = 100;

export async function benchDecide(options: { timeMs: number }): Promise<DecideResult[]> {
  const cases = decideCases();
  for (const c of cases) {
    const outcome = decide(c.input).outcome;
    if (outcome !== c.expected)
      throw new Error(`bench case "${c.name}" decides ${outcome}, not ${c.expected}`);
  }
  const mix = cases.flatMap((c) => Array.from({ length: c.weight }, () => c.input));
  const bench = new Bench({ time: options.timeMs, warmupTime: Math.min(250, options.timeMs), throws: true });
  let sink = 0;
  for (const c of cases) {
    bench.add(c.name, () => {
      for (let i = 0; i < INNER; i++) if (decide(c.input).outcome === 'allowed') sink++;
    });
  }
  bench.add('mix', () => {
    for (const input of mix) if (decide(input).outcome === 'allowed') sink++;
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
