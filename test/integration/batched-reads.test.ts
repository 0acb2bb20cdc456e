import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../shared/domain/decide';
import { recipientKey } from '../../shared/domain/recipient-key';
import { runtimeDependencies } from '../../shared/http/runtime';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The batched read (BatchGetItem on keys known in advance) must decide exactly as the
 * per-recipient Query: one row per rule case, written through the state API into the
 * local DynamoDB, decided on both reads.
 */
let gw: LocalGateway;

beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  await gw?.stop();
});

const admin = (path: string, body: unknown) => gw.call('POST', path, { key: gw.adminKey, body });
const hour = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

const cases: { title: string; address: string; setup: (a: string) => Promise<unknown>; expected: string }[] =
  [
    {
      title: 'R1 rejects without consent',
      address: 'b-none@example.org',
      setup: async () => {},
      expected: 'rejected',
    },
    {
      title: 'R1/R3 allows a provable consent',
      address: 'b-consent@example.org',
      setup: (a) => admin('/v1/consents', provableConsent(a)),
      expected: 'allowed',
    },
    {
      title: 'R7 rejects after an objection to the purpose',
      address: 'b-objected@example.org',
      setup: async (a) => {
        await admin('/v1/consents', provableConsent(a));
        await admin('/v1/objections', {
          channel: 'email',
          address: a,
          scope: { type: 'purpose', purpose: 'newsletter' },
        });
      },
      expected: 'rejected',
    },
    {
      title: 'R7 rejects after an objection to the whole channel',
      address: 'b-channel@example.org',
      setup: async (a) => {
        await admin('/v1/consents', provableConsent(a));
        await admin('/v1/objections', { channel: 'email', address: a, scope: { type: 'channel' } });
      },
      expected: 'rejected',
    },
    {
      title: 'R7 ignores an objection to another purpose',
      address: 'b-other@example.org',
      setup: async (a) => {
        await admin('/v1/consents', provableConsent(a));
        await admin('/v1/objections', {
          channel: 'email',
          address: a,
          scope: { type: 'purpose', purpose: 'personalised-offers' },
        });
      },
      expected: 'allowed',
    },
    {
      title: 'R7 blocks on the latest objection even when an older one is recorded after it',
      address: 'b-late@example.org',
      setup: async (a) => {
        await admin('/v1/objections', {
          channel: 'email',
          address: a,
          scope: { type: 'channel' },
          at: hour(1),
        });
        await admin('/v1/objections', {
          channel: 'email',
          address: a,
          scope: { type: 'channel' },
          at: hour(2000),
        });
        await admin('/v1/consents', { ...provableConsent(a), givenAt: hour(10) });
      },
      expected: 'rejected',
    },
    {
      title: 'R3 rejects a withdrawn consent',
      address: 'b-withdrawn@example.org',
      setup: async (a) => {
        await admin('/v1/consents', provableConsent(a));
        await admin('/v1/withdrawals', { channel: 'email', address: a, purpose: 'newsletter' });
      },
      expected: 'rejected',
    },
    {
      title: 'R8 rejects a hard-bounced address',
      address: 'b-bounce@example.org',
      setup: async (a) => {
        await admin('/v1/consents', provableConsent(a));
        await admin('/v1/suppressions', { channel: 'email', address: a, reason: 'bounce' });
      },
      expected: 'rejected',
    },
  ];

describe('batched reads decide as the per-recipient query does', () => {
  it.each(cases)('$title', async ({ address, setup, expected }) => {
    for (const r of [await setup(address)].flat()) {
      if (r && typeof r === 'object' && 'status' in r)
        expect((r as { status: number }).status).toBeLessThan(300);
    }
    const deps = runtimeDependencies();
    const tenant = (await deps.tenants.getTenant('demo'))!;
    const keys = await deps.keys.load();
    const key = recipientKey(keys.hashKey, 'demo', 'email', address);
    const single = await deps.store.getRecipientState('demo', key);
    const batched = (
      await deps.store.getRecipientStates('demo', [{ recipientKey: key, purposes: ['newsletter'] }])
    ).get(key)!;
    // The send paths' read ahead: a Query per recipient (1 read unit, not one per key asked).
    const queried = (
      await deps.store.getRecipientStates('demo', [{ recipientKey: key, purposes: ['newsletter'] }], {
        read: 'query',
      })
    ).get(key)!;
    const decideOn = (recipient: typeof single) =>
      decide({
        tenant,
        channel: 'email',
        purposeId: 'newsletter',
        from: 'news@shop.example',
        to: address,
        recipient,
        now: new Date(),
      });
    const a = decideOn(single);
    const b = decideOn(batched);
    const q = decideOn(queried);
    expect(q.outcome).toBe(expected);
    if (a.outcome === 'rejected' && q.outcome === 'rejected') {
      expect(q.failures.map((f) => f.reason)).toEqual(a.failures.map((f) => f.reason));
    } else {
      expect(q).toEqual(a);
    }
    expect(b.outcome).toBe(expected);
    expect(b.outcome).toBe(a.outcome);
    if (a.outcome === 'rejected' && b.outcome === 'rejected') {
      expect(b.failures.map((f) => f.reason)).toEqual(a.failures.map((f) => f.reason));
    } else {
      expect(b).toEqual(a);
    }
  });
});
