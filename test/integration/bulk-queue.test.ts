import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { EmailProviderError } from '../../shared/ports/email-sender';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The bulk queue through the local runner's in-process queue and the real BulkSend
 * handler, against the local DynamoDB and SES, with the provider failing on purpose for
 * some recipients.
 */
let gw: LocalGateway;
const reads = { batched: 0, single: 0 };
/** Recipients whose sends fail: always, or only the first time. */
const failAlways = new Set(['down@example.org']);
const failOnce = new Set(['flaky@example.org']);

beforeAll(async () => {
  gw = await startLocalGateway();
  const deps = runtimeDependencies();
  const store = deps.store;
  setDependencies({
    ...deps,
    store: Object.assign(Object.create(Object.getPrototypeOf(store)), store, {
      getRecipientStates: (...args: Parameters<typeof store.getRecipientStates>) => {
        reads.batched++;
        return store.getRecipientStates(...args);
      },
      getRecipientState: (...args: Parameters<typeof store.getRecipientState>) => {
        reads.single++;
        return store.getRecipientState(...args);
      },
    }),
    email: {
      sendRaw: deps.email.sendRaw.bind(deps.email),
      send: async (email) => {
        if (failAlways.has(email.to)) throw new EmailProviderError('SES unavailable (test)');
        if (failOnce.delete(email.to)) throw new EmailProviderError('SES unavailable (test, once)');
        return deps.email.send(email);
      },
    },
  });
  for (const address of [
    'ok1@example.org',
    'ok2@example.org',
    'down@example.org',
    'flaky@example.org',
    'dup@example.org',
  ]) {
    const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    expect(r.status).toBe(201);
  }
});
afterAll(async () => {
  await gw?.stop();
});

async function status() {
  return (await gw.call('GET', '/local/bulk-queue?wait')).body as {
    depth: number;
    batches: number[];
    deadLetters: { messageId: string; receiveCount: number }[];
    events: { type: string; detail: Record<string, unknown> }[];
  };
}

describe('the bulk queue', () => {
  it('handles a batch of allowed, refused, failing and invalid messages, each once', async () => {
    const before = await gw.sentEmails();
    const r = await gw.call('POST', '/local/bulk-queue/messages', {
      key: gw.senderKey,
      body: [
        newsletter('ok1@example.org'),
        newsletter('none@example.org'),
        newsletter('down@example.org'),
        newsletter('flaky@example.org'),
        newsletter('ok2@example.org'),
        { ...newsletter('ok2@example.org'), purpose: 'Not A Purpose' },
      ],
    });
    expect(r.status).toBe(202);
    const ids = r.body.messageIds as string[];
    expect(ids).toHaveLength(6);
    const s = await status();
    expect(s.depth).toBe(0);

    const sent = (await gw.sentEmails()).slice(before.length).map((e) => e.destination.to[0]);
    // flaky was delivered again after its first failure, and sent once.
    expect(sent.sort()).toEqual(['flaky@example.org', 'ok1@example.org', 'ok2@example.org']);

    // down failed on every receive: dead-lettered after three.
    expect(s.deadLetters).toEqual([{ messageId: ids[2], receiveCount: 3 }]);

    const outcome = (id: string) =>
      s.events.filter((e) => e.detail.sqsMessageId === id).map((e) => e.detail.outcome ?? e.detail.decision);
    expect(outcome(ids[0]!)).toEqual(['sent']);
    expect(outcome(ids[1]!)).toEqual(['rejected']);
    expect(s.events.find((e) => e.detail.sqsMessageId === ids[1])?.detail).toMatchObject({
      reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
      rules: ['R1', 'R2'],
    });
    expect(outcome(ids[2]!)).toEqual([]);
    expect(outcome(ids[3]!)).toEqual(['sent']);
    expect(outcome(ids[5]!)).toEqual(['invalid']);
    // Events name recipients by key only (R11).
    expect(JSON.stringify(s.events)).not.toContain('@example.org');
  });

  it('reads recipient states ahead in one store call (a Query each), never one decision read per message', async () => {
    reads.batched = 0;
    reads.single = 0;
    const addresses = Array.from({ length: 10 }, (_, i) => `reader${i}@example.org`);
    const r = await gw.call('POST', '/local/bulk-queue/messages', {
      key: gw.senderKey,
      body: addresses.map((a) => newsletter(a)),
    });
    expect(r.status).toBe(202);
    const s = await status();
    expect(s.batches.at(-1)).toBe(10);
    expect(reads.single).toBe(0);
    expect(reads.batched).toBe(1);
  });

  it('never sends a duplicate twice, on the queue and over HTTP concurrently', async () => {
    const before = (await gw.sentEmails()).length;
    const message = newsletter('dup@example.org', { idempotencyKey: 'campaign-42-dup' });
    const [queued, ...http] = await Promise.all([
      gw.call('POST', '/local/bulk-queue/messages', {
        key: gw.senderKey,
        body: [message, message, message, message],
      }),
      ...Array.from({ length: 4 }, () =>
        gw.call('POST', '/v1/messages', { key: gw.senderKey, body: message }),
      ),
    ]);
    expect(queued!.status).toBe(202);
    const s = await status();
    expect(http.map((h) => h.status)).toEqual([202, 202, 202, 202]);
    const messageIds = new Set([
      ...http.map((h) => h.body.messageId),
      ...s.events.filter((e) => e.detail.idempotencyKey === 'campaign-42-dup').map((e) => e.detail.messageId),
    ]);
    expect(messageIds.size).toBe(1);
    expect((await gw.sentEmails()).length - before).toBe(1);
    expect(http.filter((h) => h.headers.get('idempotent-replayed') === 'true').length).toBeGreaterThanOrEqual(
      3,
    );
  });

  it('refuses to reuse an idempotency key for another message to the same recipient (422); for another recipient it is another send', async () => {
    const reused = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('dup@example.org', { idempotencyKey: 'campaign-42-dup', subject: 'Another subject' }),
    });
    expect(reused.status).toBe(422);
    expect(reused.body.error).toBe('idempotency_key_reused');
    // A key is scoped to its tenant and recipient: the decision is the claim, in the recipient's chain.
    const other = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('ok1@example.org', { idempotencyKey: 'campaign-42-dup' }),
    });
    expect(other.status).toBe(202);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
  });
});
