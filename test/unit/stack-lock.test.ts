import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireStackLock, lockVerdict, StackLockedError } from '../../infra/local/stack-lock';

describe('one npm start per folder (stack.lock)', () => {
  const dirs: string[] = [];
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'consent-gate-lock-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('decides: free → take, live holder → refuse naming pid and URL, dead holder → take over', () => {
    expect(lockVerdict('/d', undefined, false)).toEqual({ action: 'take' });
    const held = { pid: 42, startedAt: '', apiUrl: 'http://127.0.0.1:3000' };
    expect(lockVerdict('/d', held, true)).toMatchObject({
      action: 'refuse',
      message: expect.stringContaining('already runs from /d (pid 42, API http://127.0.0.1:3000)'),
    });
    expect(lockVerdict('/d', held, false)).toMatchObject({ action: 'take-over' });
  });

  it('a live holder (this very process) is refused; a dead pid is taken over, and said', () => {
    const dir = folder();
    writeFileSync(join(dir, 'stack.lock'), JSON.stringify({ pid: process.pid, startedAt: '' }));
    expect(() => acquireStackLock(dir, () => undefined)).toThrow(StackLockedError);

    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid is free
    writeFileSync(join(dir, 'stack.lock'), JSON.stringify({ pid: dead, startedAt: '' }));
    const said: string[] = [];
    const lock = acquireStackLock(dir, (m) => said.push(m));
    expect(said).toEqual([`A previous stack (pid ${dead}) did not stop cleanly; taking over ${dir}.`]);
    lock.update('http://127.0.0.1:3999');
    expect(JSON.parse(readFileSync(join(dir, 'stack.lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
      apiUrl: 'http://127.0.0.1:3999',
    });
    lock.release();
    expect(() => readFileSync(join(dir, 'stack.lock'))).toThrow();
  });
});
