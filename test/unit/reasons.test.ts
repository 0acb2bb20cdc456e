import { describe, expect, it } from 'vitest';
import { failure, rulesOf } from '../../shared/domain/reasons';

describe('reasons and their rules', () => {
  it('a failure names its rule, or has no rule field at all when no rule owns the check', () => {
    expect(failure('objection', 'R7', 'm')).toEqual({ reason: 'objection', rule: 'R7', message: 'm' });
    expect(failure('unknown_purpose', undefined, 'm')).toEqual({ reason: 'unknown_purpose', message: 'm' });
    expect('rule' in failure('unknown_purpose', undefined, 'm')).toBe(false);
  });

  it('lists the distinct rules in the order of the failures, skipping failures without one', () => {
    expect(
      rulesOf([
        failure('unknown_purpose', undefined, ''),
        failure('sender_not_allowed', 'R10', ''),
        failure('consent_unproven', 'R3', ''),
        failure('consent_invalid', 'R3', ''),
        failure('soft_opt_in_not_applicable', 'R2', ''),
        failure('sender_not_allowed', 'R10', ''),
      ]),
    ).toEqual(['R10', 'R3', 'R2']);
    expect(rulesOf([])).toEqual([]);
  });
});
