import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { Dependencies } from '../../shared/services/dependencies';
import { partitionItems, recipientKeyOf } from '../reliability/faults';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * A keyed send's decision is its claim (shared/services/send-once.ts): a retry finds the
 * first decision in the recipient's chain of decisions and answers it. These cases are the
 * ones a single page of the look-back, or a look-back without a window, would get wrong.
 */
let gw: LocalGateway;
let real: Dependencies;

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  await gw?.stop();
});

const send = (body: unknown) => gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
const sentTo = async (address: string) =>
  (await gw.sentEmails()).filter((m) => m.destination.to[0] === address).length;

describe('a send with an idempotency key', () => {
  it('is answered from its first decision even after 20 other decisions to the same recipient', async () => {
    const address = 'busy@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const keyed = newsletter(address, { idempotencyKey: 'busy-1' });
    const first = await send(keyed);
    expect(first.status).toBe(202);
    for (let i = 0; i < 20; i++) expect((await send(newsletter(address))).status).toBe(202);
    const again = await send(keyed);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await sentTo(address)).toBe(21);
    // One decision event per send, the keyed one among them: no claim item anywhere.
    const key = await recipientKeyOf(gw, address);
    expect((await partitionItems(gw, key, 'A#D#')).length).toBe(21);
  });

  it('answers a first refusal to its retry, even once the recipient has consented', async () => {
    const address = 'late-consent@example.org';
    const keyed = newsletter(address, { idempotencyKey: 'late-1' });
    const first = await send(keyed);
    expect(first.status).toBe(403);
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const again = await send(keyed);
    expect(again.status).toBe(403);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await sentTo(address)).toBe(0);
    // A new key is a new message: decided against the consent now recorded.
    expect((await send(newsletter(address, { idempotencyKey: 'late-2' }))).status).toBe(202);
  });

  it('sends again once its first decision is past the 24-hour window', async () => {
    const address = 'next-day@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const keyed = newsletter(address, { idempotencyKey: 'next-day-1' });
    const first = await send(keyed);
    expect(first.status).toBe(202);
    const later = new Date(Date.now() + 25 * 3600_000);
    setDependencies({ ...real, clock: { now: () => later } });
    const again = await send(keyed);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.messageId).not.toBe(first.body.messageId);
    expect(await sentTo(address)).toBe(2);
  });

  it('ten concurrent duplicates send one message and answer one message id', async () => {
    const address = 'ten-at-once@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const keyed = newsletter(address, { idempotencyKey: 'ten-1' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(keyed)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    expect(new Set(answers.map((a) => a.body.messageId)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(await sentTo(address)).toBe(1);
  });

  it('at most once: a retry while the first is between its decision and the provider (or died there) answers sent, and sends nothing', async () => {
    const address = 'died-midway@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const key = await recipientKeyOf(gw, address);
    let provider: (id: string) => void = () => undefined;
    setDependencies({
      ...real,
      email: { ...real.email, send: () => new Promise<string>((resolve) => (provider = resolve)) },
    });
    const keyed = newsletter(address, { idempotencyKey: 'midway-1' });
    const first = send(keyed);
    // Its decision is written; the provider has not answered.
    for (let i = 0; i < 100 && (await partitionItems(gw, key, 'A#D#')).length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    setDependencies(real);
    const retry = await send(keyed);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.decision).toBe('sent');
    expect(await sentTo(address)).toBe(0);
    provider('late-provider-id');
    expect((await first).body.messageId).toBe(retry.body.messageId);
  });

  it('a scheduled email (sendAt) is answered whole to its retry, and queued once', async () => {
    const address = 'scheduled-once@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const key = await recipientKeyOf(gw, address);
    const sendAt = new Date(Date.now() + 3600_000).toISOString();
    const keyed = { ...newsletter(address, { idempotencyKey: 'scheduled-1' }), sendAt };
    const first = await send(keyed);
    expect(first.body).toMatchObject({ decision: 'scheduled', sendAt });
    const again = await send(keyed);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const decisions = await partitionItems(gw, key, 'A#D#');
    expect(decisions.map((i) => (i.data as { type: string }).type)).toEqual(['decision.scheduled']);
  });

  it('R11: erasing the recipient drops the claim with the event (its fingerprint hashes the request)', async () => {
    const address = 'erased-claim@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const key = await recipientKeyOf(gw, address);
    expect((await send(newsletter(address, { idempotencyKey: 'erased-1' }))).status).toBe(202);
    const [decision] = await partitionItems(gw, key, 'A#D#');
    expect(decision?.once).toMatchObject({ k: expect.any(String), f: expect.any(String) });
    expect(JSON.stringify(decision)).not.toContain('erased-1');
    expect(
      (await gw.call('DELETE', `/v1/recipients/${key}`, { key: gw.adminKey, body: { source: 'ticket 9' } }))
        .status,
    ).toBe(200);
    const [tombstone] = await partitionItems(gw, key, 'A#D#');
    expect(tombstone?.tombstone).toBeDefined();
    expect(tombstone?.once).toBeUndefined();
  });
});
