import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { publishComplaintRate } from '../../shared/adapters/complaint-rate-metrics';
import { METRICS } from '../../shared/config';
import { evaluateComplaintRate } from '../../shared/domain/complaint-rate';
import type { TenantEvaluation } from '../../shared/services/complaint-rate';

const NOW = new Date('2026-11-24T10:00:00Z');
const settings = { windowDays: 7, holdRate: 0.003, warningRate: 0.001, minSends: 1000 };

function judged(sends: number, complaints: number): TenantEvaluation {
  const evaluation = evaluateComplaintRate({
    counts: [{ day: '2026-11-24', sends, complaints }],
    settings,
    now: NOW,
    held: false,
  });
  return { tenantId: 'acme', settings, evaluation, holdSet: false };
}

/** The EMF documents Powertools writes to stdout. */
function emitted(run: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('_aws'))
    .map((l) => JSON.parse(l));
}

describe('complaint-rate metrics (EMF)', () => {
  afterEach(() => vi.unstubAllEnvs());
  const metrics = () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_DEV', '');
    return new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });
  };

  it('publishes the rate per tenant and the level over every tenant: 1 at the warning rate', () => {
    const docs = emitted(() => publishComplaintRate(metrics(), judged(1000, 1)));
    expect(docs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ tenant: 'acme', [METRICS.complaintRate]: 0.1 }),
        expect.objectContaining({ service: METRICS.service, [METRICS.complaintRateLevel]: 1 }),
      ]),
    );
    const level = docs.find((d) => METRICS.complaintRateLevel in d);
    expect(level).not.toHaveProperty('tenant');
  });

  it('publishes level 2 when the hold is due, 0 when all is well', () => {
    const levels = (sends: number, complaints: number) =>
      emitted(() => publishComplaintRate(metrics(), judged(sends, complaints)))
        .map((d) => d[METRICS.complaintRateLevel])
        .filter((v) => v !== undefined);
    expect(levels(1000, 3)).toEqual([2]);
    expect(levels(1000, 0)).toEqual([0]);
  });

  it('publishes nothing below the minimum volume (the rate is not judged)', () => {
    expect(emitted(() => publishComplaintRate(metrics(), judged(10, 1)))).toEqual([]);
  });
});
