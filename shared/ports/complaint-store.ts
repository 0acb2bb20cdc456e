import type { DayCount } from '../domain/complaint-rate';
import type { ComplaintHold, ComplaintHoldLift } from '../schemas/tenant';

/** Mailbox provider thresholds: the tenant's daily counters and its hold (its trail: ./tenant-audit-store.ts). */
export interface ComplaintStore {
  /**
   * Adds `count` deliveries to the tenant's counter of that UTC day (atomic ADD; `ttl` in
   * epoch seconds) and returns the day's total after the addition.
   */
  countDeliveries(tenantId: string, day: string, count: number, ttl: number): Promise<number>;
  /**
   * Counts one complaint on that UTC day, once per `complaintId` (a second delivery of the same
   * SES complaint is 'duplicate' and changes nothing), in one atomic conditional write.
   */
  countComplaint(
    tenantId: string,
    day: string,
    complaintId: string,
    ttl: number,
  ): Promise<'counted' | 'duplicate'>;
  /** The tenant's day counts from `fromDay` to `toDay` (UTC, `YYYY-MM-DD`, both included); days without counts are absent. */
  listComplaintRateDays(tenantId: string, fromDay: string, toDay: string): Promise<DayCount[]>;
  /** Sets the hold unless one is already set ('already_held': the first one stands). */
  setComplaintHold(tenantId: string, hold: ComplaintHold): Promise<'set' | 'already_held'>;
  /**
   * Lifts the hold set at `lift.hold.since` and records the lift on the tenant; 'no_hold'
   * when that hold is not set (lifted meanwhile).
   */
  liftComplaintHold(tenantId: string, lift: ComplaintHoldLift): Promise<'lifted' | 'no_hold'>;
}
