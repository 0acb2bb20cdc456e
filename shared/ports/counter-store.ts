import type { CountedEvent, CounterKind } from '../domain/counters';
import type { StandingName } from '../domain/inventory';
import { StoreError } from './store-errors';

/** One tenant's counters of one UTC day (absent counters are 0). */
export interface DayCounters {
  readonly day: string;
  readonly kind: CounterKind;
  readonly counts: Readonly<Record<string, number>>;
}

/** A recipient's standing recomputed from its state (shared/domain/inventory.ts). */
export interface StandingChange {
  readonly tenantId: string;
  readonly recipientKey: string;
  readonly names: readonly StandingName[];
}

/**
 * The console's counters (shared/domain/counters.ts, shared/domain/inventory.ts): kept from
 * the table's stream by CountEvents, read by the console's overview. Never a scan.
 */
export interface CounterStore {
  /**
   * Adds the events' counts, each event once: an event already counted (the stream hands a
   * record again after a failure) adds nothing. Returns how many were counted and how many
   * had been before. All or nothing per call only in that a failure throws
   * (StoreUnavailableError) and a retry counts what was not yet counted, once.
   */
  countEvents(events: readonly CountedEvent[]): Promise<{ counted: number; duplicates: number }>;
  /** The standings last stored for these recipients (empty for a recipient never counted). */
  getStandings(
    tenantId: string,
    recipientKeys: readonly string[],
  ): Promise<Map<string, readonly StandingName[]>>;
  /**
   * Replaces the recipients' standings and moves the tenant's inventory by the difference, in
   * one write each time: `before` must still be what is stored (else StandingConflictError,
   * and the caller reads again), so that two consumers never both apply the same move.
   */
  putStandings(
    tenantId: string,
    changes: readonly {
      recipientKey: string;
      before: readonly StandingName[];
      after: readonly StandingName[];
    }[],
  ): Promise<void>;
  /**
   * The tenant's day counters from `fromDay` to `toDay` (both included) and its inventory, in
   * one Query of its counter partition.
   */
  readCounters(
    tenantId: string,
    fromDay: string,
    toDay: string,
  ): Promise<{ days: DayCounters[]; inventory: Readonly<Record<StandingName, number>> }>;
}

/** A standing changed since it was read (another consumer moved it): read again and retry. */
export class StandingConflictError extends StoreError {
  override name = 'StandingConflictError';
}
