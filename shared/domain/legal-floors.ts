import type { LegalFloors } from '../schemas/legal-floors';

/**
 * A tenant's settings are checked against the deployment's floors before
 * they are stored. Pure: the floors come from the construct (LEGAL_FLOORS, shared/config.ts).
 * Each problem names the floor so the admin knows it is the deployment's, not a typo.
 */
export interface FloorIssue {
  readonly field: string;
  readonly problem: string;
}

interface WindowLike {
  readonly days: readonly number[];
  readonly start: string;
  readonly end: string;
  readonly skipPublicHolidays: boolean;
}

const DAY_NAMES = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** A French SMS short code: 5 digits (36xxx, 38xxx…); 4 to 6 accepted for other countries. */
const SHORT_CODE = /(?<!\d)\d{4,6}(?!\d)/;
const STOP = /\bSTOP\b/;

function floorWindowText(floor: WindowLike): string {
  const days = floor.days.map((d) => DAY_NAMES[d]).join(', ');
  return `${days} ${floor.start}–${floor.end}${floor.skipPublicHolidays ? ', never on public holidays' : ''}`;
}

/** R14: the tenant's window must lie within the floor's. */
export function smsWindowIssues(window: WindowLike, floors: LegalFloors, prefix = 'window'): FloorIssue[] {
  const floor = floors.smsWindow;
  const text = `must stay within the legal floor (R14: ${floorWindowText(floor)})`;
  const issues: FloorIssue[] = [];
  const outside = window.days.filter((d) => !floor.days.includes(d));
  if (outside.length > 0) {
    issues.push({
      field: `${prefix}.days`,
      problem: `${outside.map((d) => DAY_NAMES[d]).join(', ')} ${text}`,
    });
  }
  // HH:MM strings compare in time order.
  if (window.start < floor.start)
    issues.push({ field: `${prefix}.start`, problem: `${window.start} ${text}` });
  if (window.end > floor.end) issues.push({ field: `${prefix}.end`, problem: `${window.end} ${text}` });
  if (floor.skipPublicHolidays && !window.skipPublicHolidays) {
    issues.push({ field: `${prefix}.skipPublicHolidays`, problem: `must be true: ${text}` });
  }
  return issues;
}

/** R10: a tenant's own opt-out mention must say STOP and give the short code to send it to. */
export function optOutMentionIssues(
  mention: string | undefined,
  floors: LegalFloors,
  field = 'optOutMention',
): FloorIssue[] {
  if (mention === undefined) return []; // the default mention, "STOP au <short code>", meets it
  const missing: string[] = [];
  if (floors.optOutMention.requireStop && !STOP.test(mention)) missing.push('the word STOP');
  if (floors.optOutMention.requireShortCode && !SHORT_CODE.test(mention)) missing.push('a short code');
  if (missing.length === 0) return [];
  return [
    {
      field,
      problem: `must contain ${missing.join(' and ')} (legal floor R10: a free opt-out such as "STOP au 36123")`,
    },
  ];
}

/** Mailbox provider thresholds (docs/rules.md): the hold may come earlier, never later. */
export function complaintRateIssues(settings: { holdRate: number }, floors: LegalFloors): FloorIssue[] {
  if (settings.holdRate <= floors.maxHoldRate) return [];
  const pct = `${Number((floors.maxHoldRate * 100).toFixed(4))}%`;
  return [
    {
      field: 'holdRate',
      problem: `must be at most ${floors.maxHoldRate} (legal floor: mailbox providers' ${pct} complaint rate)`,
    },
  ];
}
