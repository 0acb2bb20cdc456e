import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, newsletter, startLocalGateway } from '../support/local-gateway';
import { partitionItems } from './faults';
import { consentAll, ONE_CLICK, pool, unsubscribeLink } from './support';

/**
 * Load: sends and unsubscribes interleaved against the whole local stack, 16 at a time.
 * Every request is accounted for: sent + refused per reason = requests; mails in the local
 * SES = sent; one objection stored per unsubscribe; no send allowed that started after its
 * recipient's unsubscribe was answered. Counts: RELIABILITY_LOAD_SENDS (default 10,000)
 * and RELIABILITY_LOAD_UNSUBSCRIBES (default 1,000, one per recipient).
 */
const SENDS = Number(process.env.RELIABILITY_LOAD_SENDS ?? 10_000);
const UNSUBSCRIBES = Number(process.env.RELIABILITY_LOAD_UNSUBSCRIBES ?? 1_000);
const CONCURRENCY = 16;
let gw: LocalGateway;
const addresses = Array.from({ length: UNSUBSCRIBES }, (_, i) => `load-${i}@example.org`);

beforeAll(async () => {
  gw = await startLocalGateway();
  await consentAll(gw, addresses, CONCURRENCY);
}, 600_000);
afterAll(async () => {
  await gw?.stop();
});

/** A small deterministic generator, so that a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

type Task = { kind: 'send'; recipient: number } | { kind: 'unsubscribe'; recipient: number };

describe('reliability: load', () => {
  it(`${SENDS} sends and ${UNSUBSCRIBES} unsubscribes interleaved, ${CONCURRENCY} at a time: every request accounted for`, async () => {
    const random = rng(7);
    const tasks: Task[] = [
      ...Array.from({ length: SENDS }, (_, i): Task => ({ kind: 'send', recipient: i % UNSUBSCRIBES })),
      ...Array.from({ length: UNSUBSCRIBES }, (_, i): Task => ({ kind: 'unsubscribe', recipient: i })),
    ];
    for (let i = tasks.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [tasks[i], tasks[j]] = [tasks[j]!, tasks[i]!];
    }
    const links = await Promise.all(addresses.map((a) => unsubscribeLink(a)));
    const unsubscribedAt = new Map<number, number>();
    const sendLog: { recipient: number; started: number; status: number; reasons?: string[] }[] = [];
    const emailsBefore = (await gw.sentEmails()).length;
    const started = performance.now();
    const unsubStatuses = new Map<number, number>();
    await pool(tasks, CONCURRENCY, async (task) => {
      if (task.kind === 'unsubscribe') {
        const r = await gw.call('POST', links[task.recipient]!.path, ONE_CLICK);
        unsubStatuses.set(r.status, (unsubStatuses.get(r.status) ?? 0) + 1);
        unsubscribedAt.set(task.recipient, performance.now());
        return;
      }
      const t = performance.now();
      const r = await gw.call('POST', '/v1/messages', {
        key: gw.senderKey,
        body: newsletter(addresses[task.recipient]!),
      });
      sendLog.push({ recipient: task.recipient, started: t, status: r.status, reasons: r.body?.reasons });
    });
    const seconds = (performance.now() - started) / 1000;

    const sent = sendLog.filter((s) => s.status === 202).length;
    const refusedBy = new Map<string, number>();
    let other = 0;
    for (const s of sendLog) {
      if (s.status === 403) {
        const reason = s.reasons?.[0] ?? 'unknown';
        refusedBy.set(reason, (refusedBy.get(reason) ?? 0) + 1);
      } else if (s.status !== 202) other++;
    }
    const refused = [...refusedBy.values()].reduce((a, b) => a + b, 0);
    const afterObjection = sendLog.filter(
      (s) => s.status === 202 && s.started > (unsubscribedAt.get(s.recipient) ?? Number.POSITIVE_INFINITY),
    ).length;
    const mails = (await gw.sentEmails()).length - emailsBefore;
    const objections = (
      await pool(
        links,
        CONCURRENCY,
        async (l) => (await partitionItems(gw, l.recipientKey, 'S#OBJECTION#')).length,
      )
    ).reduce((a, b) => a + b, 0);
    console.log(
      `load: ${SENDS} sends + ${UNSUBSCRIBES} unsubscribes in ${seconds.toFixed(1)} s (${((SENDS + UNSUBSCRIBES) / seconds).toFixed(0)} req/s, concurrency ${CONCURRENCY}); sent ${sent}, refused ${JSON.stringify(Object.fromEntries(refusedBy))}, other ${other}; mails in local SES ${mails}; unsubscribe answers ${JSON.stringify(Object.fromEntries(unsubStatuses))}; objections stored ${objections}; sends allowed after their recipient's objection ${afterObjection}; lost 0 expected`,
    );
    expect(sendLog).toHaveLength(SENDS);
    expect(other).toBe(0);
    expect(sent + refused).toBe(SENDS);
    expect([...refusedBy.keys()]).toEqual(refused > 0 ? ['objection'] : []);
    expect(mails).toBe(sent);
    expect(unsubStatuses.get(200)).toBe(UNSUBSCRIBES);
    expect(objections).toBe(UNSUBSCRIBES);
    expect(afterObjection).toBe(0);
  }, 1_800_000);
});
