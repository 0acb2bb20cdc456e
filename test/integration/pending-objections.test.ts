import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiskPendingObjections } from '../../shared/adapters/disk-pending-objections';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { ObjectionQueueUnavailableError } from '../../shared/ports/objection-queue';
import type { Dependencies } from '../../shared/services/dependencies';
import { FAULT_KINDS, type FaultSwitch, faultyStores, startBlackHole } from '../reliability/faults';
import { ONE_CLICK, unsubscribeLink } from '../reliability/support';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { type SendPath, sendPaths } from '../support/send-paths';

/**
 * R7, the pending objections (ports/pending-objections.ts) and their failure modes, through
 * HTTP against the local stack: what every decision reads before the store, so that an
 * unsubscribe accepted while the store was down is never overtaken by a send.
 * Faults are real: the pending objections' folder replaced by a file (ENOTDIR on every read
 * and write), the store's calls failing in the SDK's middleware stack.
 */
let gw: LocalGateway;
let real: Dependencies;
let blackHole: Awaited<ReturnType<typeof startBlackHole>>;
let paths: Awaited<ReturnType<typeof sendPaths>>;
let broken: DiskPendingObjections;

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
  blackHole = await startBlackHole();
  paths = await sendPaths(gw);
  const notAFolder = join(gw.dir, 'not-a-folder');
  writeFileSync(notAFolder, 'a file where the folder should be');
  broken = new DiskPendingObjections(notAFolder);
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  paths?.close();
  await blackHole?.close();
  await gw?.stop();
});

const consent = async (address: string) => {
  const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
  expect(r.status).toBe(201);
};
const storedObjections = async (recipientKey: string) =>
  (await gw.call('GET', `/v1/recipients/${recipientKey}`, { key: gw.adminKey })).body.objections as {
    id: string;
  }[];
const pendingFiles = (): string[] => {
  const dir = join(gw.dir, 'pending-objections');
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'))
    : [];
};
/** The store failing as DynamoDB fails, for the unsubscribe: the objection cannot be written. */
const storeDown = (): FaultSwitch => {
  const fault: FaultSwitch = { kind: FAULT_KINDS[2], target: 'all', injected: 0 };
  setDependencies({ ...real, ...faultyStores(gw, fault, blackHole.port) });
  return fault;
};

describe('pending objections (R7)', () => {
  it('cannot be read: no path sends, each fails closed, and the scheduled send waits, then goes', async () => {
    const address = 'unreadable@example.org';
    await consent(address);
    // Scheduled while everything works; due when the pending objections cannot be read.
    const sendAt = new Date(Date.now() + 60_000).toISOString();
    const scheduled = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter(address, { sendAt }),
    });
    expect(scheduled.status).toBe(202);

    setDependencies({ ...real, pendingObjections: broken });
    const outcomes: Record<string, string> = {};
    for (const path of ['http', 'bulk', 'ses'] satisfies SendPath[]) {
      const { outcome, reasons } = await paths.send(path, address);
      outcomes[path] = `${outcome} ${reasons.join(',')}`;
    }
    const decision = await gw.call('POST', '/v1/decisions', {
      key: gw.senderKey,
      body: { channel: 'email', purpose: 'newsletter', from: 'news@shop.example', to: address },
    });
    const http = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) });
    expect(http.status).toBe(503);
    expect(http.body.error).toBe('store_unavailable');
    expect(decision.status).toBe(503);
    // Bulk: delivered again, then dead-lettered, never sent; SES: a 5xx the SDK surfaces.
    expect(outcomes.http).toBe('other 503');
    expect(outcomes.bulk).toMatch(/^other /);
    expect(outcomes.ses).toMatch(/^other /);
    expect(outcomes.ses).not.toMatch(/MessageRejected/);

    const clockAt = (ms: number) => ({ now: () => new Date(Date.now() + ms) });
    setDependencies({ ...real, pendingObjections: broken, clock: clockAt(2 * 60_000) });
    const due = (await gw.sms.runDeferred()) as { sent: number; failed: number };
    expect(due).toMatchObject({ sent: 0, failed: 1 });
    expect(await paths.delivered(address)).toBe(0);

    // Readable again: the scheduled message was put back, not lost, and goes at its next run.
    setDependencies({ ...real, clock: clockAt(10 * 60_000) });
    const later = (await gw.sms.runDeferred()) as { sent: number };
    expect(later.sent).toBe(1);
    expect(await paths.delivered(address)).toBe(1);
  }, 60_000);

  it('cannot be written while the store is down: 503 "received", queued, applied later; the retry confirms it', async () => {
    const address = 'unwritable@example.org';
    await consent(address);
    const link = await unsubscribeLink(address);
    const depthBefore = gw.objectionQueue.depth;
    await gw.objectionQueue.stop();

    const fault = storeDown();
    setDependencies({ ...runtimeDependencies(), pendingObjections: broken });
    const r = await gw.call('POST', link.path, ONE_CLICK);
    expect(fault.injected).toBeGreaterThan(0);
    // Not "done": a send could still be decided before the queue drains. Not lost either.
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('30');
    expect(r.text).toContain('Request received, not yet confirmed');
    expect(r.text).not.toContain('nothing has changed');
    expect(gw.objectionQueue.depth).toBe(depthBefore + 1);

    // The store is back: the queue applies it.
    setDependencies(real);
    gw.objectionQueue.start();
    await gw.objectionQueue.drained(30_000);
    expect((await storedObjections(link.recipientKey)).map((o) => o.id)).toEqual([
      expect.stringMatching(/-newsletter$/),
    ]);
    // The retry the page asked for: confirmed, recorded nothing twice.
    const retry = await gw.call('POST', link.path, ONE_CLICK);
    expect(retry.status).toBe(200);
    expect(await storedObjections(link.recipientKey)).toHaveLength(1);
    expect((await paths.send('http', address)).reasons).toContain('objection');
  }, 60_000);

  it('refuse sends until applied, then are removed (a failed removal is tried again) and the store decides alone', async () => {
    const address = 'pending@example.org';
    await consent(address);
    const link = await unsubscribeLink(address);
    await gw.objectionQueue.stop();
    storeDown();
    expect((await gw.call('POST', link.path, ONE_CLICK)).status).toBe(202);
    setDependencies(real);

    // The store does not hold it yet: the pending copy alone refuses, on every path.
    expect(await storedObjections(link.recipientKey)).toEqual([]);
    expect(pendingFiles()).toHaveLength(1);
    for (const path of ['http', 'bulk', 'ses'] satisfies SendPath[]) {
      expect(await paths.send(path, address), path).toEqual({ outcome: 'rejected', reasons: ['objection'] });
    }
    // Its scope only: a transactional message (R6) still goes.
    const receipt = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter(address, { purpose: 'order-updates', subject: 'Your order' }),
    });
    expect(receipt.status).toBe(202);
    expect(await paths.delivered(address)).toBe(1);

    // The consumer applies it; the first removal fails, the redelivery removes it.
    let removals = 0;
    setDependencies({
      ...real,
      pendingObjections: {
        add: real.pendingObjections.add.bind(real.pendingObjections),
        list: real.pendingObjections.list.bind(real.pendingObjections),
        remove: (target, id) =>
          ++removals === 1 ? broken.remove(target, id) : real.pendingObjections.remove(target, id),
      },
    });
    gw.objectionQueue.start();
    await gw.objectionQueue.drained(30_000);
    expect(removals).toBe(2);
    expect(gw.objectionQueue.deadLetters).toEqual([]);
    expect(pendingFiles()).toEqual([]);
    expect(await storedObjections(link.recipientKey)).toHaveLength(1);
    setDependencies(real);
    expect((await paths.send('http', address)).reasons).toEqual(['objection']);

    // A new consent, given and recorded after the objection, reopens the purpose (R7): nothing
    // left behind blocks it.
    await new Promise((r) => setTimeout(r, 5));
    const again = await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: { ...provableConsent(address), givenAt: new Date().toISOString() },
    });
    expect(again.status).toBe(201);
    expect(await paths.send('http', address)).toEqual({ outcome: 'sent', reasons: [] });
    expect(await paths.delivered(address)).toBe(2);
  }, 60_000);

  it('a confirmed click stays pending when its retry meets a failing queue (503): no window reopens', async () => {
    const address = 'retried@example.org';
    await consent(address);
    const link = await unsubscribeLink(address);
    await gw.objectionQueue.stop();
    storeDown();
    expect((await gw.call('POST', link.path, ONE_CLICK)).status).toBe(202);
    // A mailbox provider's retry of the same click, the queue failing this time.
    setDependencies({
      ...runtimeDependencies(),
      objectionQueue: {
        enqueue: () => Promise.reject(new ObjectionQueueUnavailableError('SQS down (test)')),
      },
    });
    const retry = await gw.call('POST', link.path, ONE_CLICK);
    expect(retry.status).toBe(503);

    // The first answer (202) still holds: the store is back, the queue not drained, and the
    // send is refused on the pending copy alone.
    setDependencies(real);
    expect(await storedObjections(link.recipientKey)).toEqual([]);
    expect(pendingFiles()).toHaveLength(1);
    expect(await paths.send('http', address)).toEqual({ outcome: 'rejected', reasons: ['objection'] });
    gw.objectionQueue.start();
    await gw.objectionQueue.drained(30_000);
    expect(pendingFiles()).toEqual([]);
    expect(await storedObjections(link.recipientKey)).toHaveLength(1);
  }, 60_000);
});
