import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskPendingObjections } from '../../shared/adapters/disk-pending-objections';
import { PendingObjectionsUnavailableError } from '../../shared/ports/pending-objections';
import type { Objection } from '../../shared/schemas/recipient';

/** The local runner's pending objections (R7): files under the data folder. */
const target = { tenant: 'demo', recipientKey: 'k'.repeat(43) };
const objection = (purpose: string): Objection => ({
  id: `msg-m1-${purpose}`,
  scope: { type: 'purpose', purpose },
  at: '2026-12-01T10:00:00.000Z',
  method: 'one_click',
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0',
  recordedAt: '2026-12-01T10:00:00.000Z',
});

describe('disk pending objections (R7)', () => {
  it('keeps every one of many concurrent adds for one person, and removes the file with the last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pending-'));
    const pending = new DiskPendingObjections(dir);
    const purposes = Array.from({ length: 20 }, (_, i) => `p${i}`);
    await Promise.all(purposes.map((p) => pending.add(target, objection(p))));
    expect((await pending.list(target)).map((o) => o.id).sort()).toEqual(
      purposes.map((p) => `msg-m1-${p}`).sort(),
    );
    const file = join(dir, 'demo', `${'k'.repeat(43)}.json`);
    expect(readFileSync(file, 'utf8')).not.toContain('203.0.113.7');
    await Promise.all(purposes.map((p) => pending.remove(target, `msg-m1-${p}`)));
    expect(await pending.list(target)).toEqual([]);
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it('fails closed on a file that does not parse, and on a folder that cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pending-'));
    const pending = new DiskPendingObjections(dir);
    await pending.add(target, objection('newsletter'));
    writeFileSync(join(dir, 'demo', `${'k'.repeat(43)}.json`), '{"version":1,"objections":[{"id":1}]}');
    await expect(pending.list(target)).rejects.toBeInstanceOf(PendingObjectionsUnavailableError);
    const notAFolder = join(dir, 'file');
    writeFileSync(notAFolder, '');
    await expect(new DiskPendingObjections(notAFolder).list(target)).rejects.toBeInstanceOf(
      PendingObjectionsUnavailableError,
    );
  });
});
