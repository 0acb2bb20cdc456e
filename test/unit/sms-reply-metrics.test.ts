import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { publishSmsReplyOutcome } from '../../shared/adapters/sms-reply-metrics';
import { METRICS } from '../../shared/config';

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

describe('R7: SMS replies kept for review, as a metric (EMF)', () => {
  afterEach(() => vi.unstubAllEnvs());
  const metrics = () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_DEV', '');
    return new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });
  };

  it.each([
    ['review', 'unrecognised'],
    ['unknown_number', 'unknown_number'],
  ] as const)('counts a %s reply under reason %s', (outcome, reason) => {
    const docs = emitted(() => publishSmsReplyOutcome(metrics(), outcome));
    expect(docs).toEqual([expect.objectContaining({ [METRICS.smsRepliesForReview]: 1, reason })]);
  });

  it.each(['objection', 'consent'] as const)('emits nothing for a %s', (outcome) => {
    expect(emitted(() => publishSmsReplyOutcome(metrics(), outcome))).toEqual([]);
  });
});
