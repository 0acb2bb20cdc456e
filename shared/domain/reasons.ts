import type { ReasonCode, RuleId } from '../schemas/vocabulary';

/** One reason a message may not go, with the rule of docs/rules.md it comes from. */
export interface Failure {
  readonly reason: ReasonCode;
  /** Absent for checks that no rule of docs/rules.md owns (an undeclared purpose, the complaint-rate hold). */
  readonly rule?: RuleId;
  /** Safe to show to the sender: names no personal data. */
  readonly message: string;
}

export function failure(reason: ReasonCode, rule: RuleId | undefined, message: string): Failure {
  return rule === undefined ? { reason, message } : { reason, rule, message };
}

/** The distinct rule ids behind a list of failures, in the failures' order. */
export function rulesOf(failures: readonly Failure[]): RuleId[] {
  const rules: RuleId[] = [];
  for (const f of failures) if (f.rule !== undefined && !rules.includes(f.rule)) rules.push(f.rule);
  return rules;
}
