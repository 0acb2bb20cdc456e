import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One `npm start` per folder: two DynamoDB Local engines must not write one SQLite file
 * (and, with dynalite before it, a second stack died with a raw "Database is closed"). `<dir>/stack.lock` names the pid
 * and the URLs of the stack that holds the folder; a lock whose pid is gone is stale and
 * taken over.
 */
export interface StackLock {
  readonly pid: number;
  readonly startedAt: string;
  readonly apiUrl?: string;
}

export type LockVerdict =
  | { action: 'take'; message?: undefined }
  | { action: 'take-over'; message: string }
  | { action: 'refuse'; message: string };

export class StackLockedError extends Error {
  override name = 'StackLockedError';
}

/** Pure: what to do given the lock found (if any) and whether its pid still runs. */
export function lockVerdict(dir: string, found: StackLock | undefined, alive: boolean): LockVerdict {
  if (found === undefined) return { action: 'take' };
  if (!alive)
    return {
      action: 'take-over',
      message: `A previous stack (pid ${found.pid}) did not stop cleanly; taking over ${dir}.`,
    };
  return {
    action: 'refuse',
    message: `Another consent-gate stack already runs from ${dir} (pid ${found.pid}${found.apiUrl ? `, API ${found.apiUrl}` : ', starting'}): use it, stop it (kill ${found.pid}), or start another in its own folder with CONSENT_GATE_DIR=/tmp/cg2 PORT=0 SES_PORT=0 SMS_PORT=0 DYNAMODB_PORT=0 SMTP_PORT=0 SMTP_TLS_PORT=0 npm start.`,
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function read(file: string): StackLock | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackLock;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Unreadable (a crash mid-write): as good as stale.
    return { pid: -1, startedAt: '' };
  }
}

/**
 * Takes the folder for this process, or throws StackLockedError naming the holder.
 * Returns `update` (to add the URLs once the servers listen) and `release`.
 */
export function acquireStackLock(
  dir: string,
  onTakeOver: (message: string) => void,
): { update(apiUrl: string): void; release(): void } {
  const file = join(dir, 'stack.lock');
  const mine = (): StackLock => ({ pid: process.pid, startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // 'wx': two starts at the same moment cannot both create it.
      writeFileSync(file, JSON.stringify(mine()), { flag: 'wx' });
      return {
        update: (apiUrl) => writeFileSync(file, JSON.stringify({ ...mine(), apiUrl })),
        release: () => {
          if (read(file)?.pid === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const found = read(file);
    const verdict = lockVerdict(dir, found, found !== undefined && found.pid > 0 && isAlive(found.pid));
    if (verdict.action === 'refuse') throw new StackLockedError(verdict.message);
    if (verdict.message) onTakeOver(verdict.message);
    rmSync(file, { force: true });
  }
  throw new StackLockedError(`Another stack is taking ${dir} at this very moment: try npm start again.`);
}
