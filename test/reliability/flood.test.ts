import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, newsletter, startLocalGateway } from '../support/local-gateway';
import { consentAll, pool, unsubscribeLink } from './support';

/**
 * "nobody starves the others": an anonymous flood on `/u/…` at FLOOD_FACTOR×
 * the public routes' burst, while a sender sends at its own pace. Counted, not timed: every
 * answer is tallied. The sender's sends all succeed (sent = requested, no 429) and the flood
 * meets 429s. Then the per-key limit: a key that sends past its own limit gets 429s with a
 * Retry-After, and another key of the same tenant is not slowed by it.
 *
 * The limits are those of the construct's props, scaled down so that the flood stays small on
 * a shared machine; the local adapter applies them the way the HTTP API's route settings do.
 */
const PUBLIC = { rateLimit: 5, burstLimit: 10 };
const AUTHENTICATED = { rateLimit: 200, burstLimit: 400 };
// A 10 s window (burst / rate): 60 sends span at most two of them even on a slow machine.
const PER_KEY = { rateLimit: 2, burstLimit: 20 };
const FLOOD_FACTOR = 20;
const FLOOD = PUBLIC.burstLimit * FLOOD_FACTOR;
const SENDS = 15;

let gw: LocalGateway;
const addresses = Array.from({ length: SENDS }, (_, i) => `flood-${i}@example.org`);

beforeAll(async () => {
  gw = await startLocalGateway({
    limits: { public: PUBLIC, authenticated: AUTHENTICATED, perKey: PER_KEY },
  });
  await consentAll(gw, addresses, 4);
}, 120_000);
afterAll(async () => {
  await gw?.stop();
});

function tally(statuses: number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

describe('reliability: nobody starves the others', () => {
  it(`a flood of at least ${FLOOD} anonymous GET /u/… (${FLOOD_FACTOR}× the public burst) does not make one of ${SENDS} sends answer 429`, async () => {
    const link = await unsubscribeLink('flood-victim@example.org');
    const mailsBefore = (await gw.sentEmails()).length;
    const floodStatuses: number[] = [];
    const sendStatuses: number[] = [];
    // The flood keeps going, 8 at a time, until the sender is done and at least FLOOD were sent.
    let senderDone = false;
    const flood = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!senderDone || floodStatuses.length < FLOOD) {
          const r = await gw.call('GET', link.path);
          floodStatuses.push(r.status);
        }
      }),
    );
    // The sender sends one message at a time, while the flood runs (its own pace: far below its limits).
    for (const address of addresses) {
      const r = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) });
      sendStatuses.push(r.status);
    }
    const floodedMeanwhile = floodStatuses.length;
    senderDone = true;
    await flood;
    const mails = (await gw.sentEmails()).length - mailsBefore;
    const floods = tally(floodStatuses);
    console.log(
      `flood: ${floodStatuses.length} GET /u/… answered ${JSON.stringify(floods)}; ${SENDS} sends answered ${JSON.stringify(tally(sendStatuses))} (${floodedMeanwhile} flood requests answered while they ran); mails in local SES ${mails}`,
    );
    expect(sendStatuses.filter((s) => s === 429)).toHaveLength(0);
    expect(sendStatuses.filter((s) => s === 202)).toHaveLength(SENDS);
    expect(mails).toBe(SENDS);
    expect(floods[429] ?? 0).toBeGreaterThan(0);
    expect((floods[200] ?? 0) + (floods[429] ?? 0)).toBe(floodStatuses.length);
    expect(floodedMeanwhile).toBeGreaterThan(SENDS);
  }, 120_000);

  it('a key past its own limit gets 429 with Retry-After; another key of the tenant is not slowed', async () => {
    const created = await gw.call('POST', '/v1/keys', {
      key: gw.adminKey,
      body: { role: 'sender', label: 'second sender' },
    });
    expect(created.status).toBe(201);
    const otherKey = created.body.key as string;
    const burst = PER_KEY.burstLimit * 3;
    const mailsBefore = (await gw.sentEmails()).length;
    const answers = await pool(
      Array.from({ length: burst }, (_, i) => i),
      8,
      async (i) =>
        gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(addresses[i % SENDS]!) }),
    );
    const limited = answers.filter((a) => a.status === 429);
    const others = await pool(addresses.slice(0, 5), 1, (address) =>
      gw.call('POST', '/v1/messages', { key: otherKey, body: newsletter(address) }),
    );
    console.log(
      `per key: ${burst} sends on one key answered ${JSON.stringify(tally(answers.map((a) => a.status)))}, Retry-After ${JSON.stringify([...new Set(limited.map((a) => a.headers.get('retry-after')))])}; the other key's 5 answered ${JSON.stringify(tally(others.map((a) => a.status)))}`,
    );
    expect(limited.length).toBeGreaterThan(0);
    const accepted = answers.filter((a) => a.status === 202).length;
    expect(accepted + limited.length).toBe(burst);
    expect((await gw.sentEmails()).length - mailsBefore).toBe(accepted + 5);
    for (const a of limited) {
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(a.body.error).toBe('rate_limited');
    }
    expect(others.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
  }, 120_000);
});
