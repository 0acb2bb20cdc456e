/**
 * Counts requests per key and window, for the per-key rate limit. Shared by
 * every function instance: a limit counted per instance would multiply by the instances
 * Lambda runs.
 */
export interface RequestCounter {
  /**
   * Counts one request of `key` in the window starting at `windowStart` (epoch seconds) if
   * fewer than `limit` were counted there; false (nothing counted) when the window is full.
   * Throws StoreUnavailableError when the store cannot say.
   */
  take(key: string, windowStart: number, limit: number, expiresAt: number): Promise<boolean>;
}
