import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';
import { type PathOutcome, SEND_PATHS, type SendPaths, sendPaths } from '../support/send-paths';

/**
 * The three send paths (POST /v1/messages, the bulk queue, the SES v2
 * endpoint) decide the same on the same state. One matrix of recipient states, built
 * through the API as a CRM would, each sent through the three; the outcomes must be
 * identical and what the local SES delivered must match them.
 */
let gw: LocalGateway;
let paths: SendPaths;

beforeAll(async () => {
  gw = await startLocalGateway();
  paths = await sendPaths(gw);
});
afterAll(async () => {
  paths?.close();
  await gw?.stop();
});

const admin = async (method: string, path: string, body: unknown, status = method === 'PUT' ? 200 : 201) => {
  const r = await gw.call(method, path, { key: gw.adminKey, body });
  expect(r.status, `${method} ${path} ${r.text}`).toBe(status);
  return r.body;
};
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
const DAY = 86_400_000;
const pause = () => new Promise((r) => setTimeout(r, 5));

interface Case {
  readonly title: string;
  readonly address: string;
  readonly build: (address: string) => Promise<void>;
  readonly expected: { outcome: 'sent' | 'rejected'; reasons: string[] };
}

const objectTo = (address: string, extra: Record<string, unknown> = {}) =>
  admin('POST', '/v1/objections', { channel: 'email', address, scope: { type: 'channel' }, ...extra });

const cases: Case[] = [
  {
    title: 'R1 consent: sent',
    address: 'm-consent@example.org',
    build: (a) => admin('POST', '/v1/consents', provableConsent(a)),
    expected: { outcome: 'sent', reasons: [] },
  },
  {
    title: 'R1 nothing: consent_missing',
    address: 'm-nothing@example.org',
    build: async () => {},
    expected: { outcome: 'rejected', reasons: ['consent_missing', 'soft_opt_in_not_applicable'] },
  },
  {
    title: 'R7 consent then objection: objection',
    address: 'm-objected@example.org',
    build: async (a) => {
      await admin('POST', '/v1/consents', provableConsent(a));
      await objectTo(a);
    },
    expected: { outcome: 'rejected', reasons: ['objection'] },
  },
  {
    title: 'R7 objection written with -08:00, then a consent given before it (and an earlier objection in Z)',
    address: 'm-pacific@example.org',
    build: async (a) => {
      await objectTo(a, { at: '2026-06-01T12:00:00-08:00' });
      await objectTo(a, { at: '2026-06-01T18:00:00Z' });
      await admin('POST', '/v1/consents', { ...provableConsent(a), givenAt: '2026-06-01T19:00:00Z' });
    },
    expected: { outcome: 'rejected', reasons: ['objection'] },
  },
  {
    title: 'R7 future-dated consent after an objection is refused (400), the objection stands',
    address: 'm-future@example.org',
    build: async (a) => {
      await admin('POST', '/v1/consents', provableConsent(a));
      await objectTo(a);
      await admin('POST', '/v1/consents', { ...provableConsent(a), givenAt: '2099-01-01T00:00:00Z' }, 400);
      await admin('POST', '/v1/consents', { ...provableConsent(a), givenAt: iso(-DAY) }, 400);
    },
    expected: { outcome: 'rejected', reasons: ['objection'] },
  },
  {
    title: 'R7 a consent given before the objection was recorded reopens nothing',
    address: 'm-backdated@example.org',
    build: async (a) => {
      await objectTo(a, { at: iso(3 * DAY) });
      await admin('POST', '/v1/consents', { ...provableConsent(a), givenAt: iso(2 * DAY) });
    },
    expected: { outcome: 'rejected', reasons: ['objection'] },
  },
  {
    title: 'R7 objection then a newer explicit consent: sent',
    address: 'm-reopened@example.org',
    build: async (a) => {
      await objectTo(a);
      await pause();
      await admin('POST', '/v1/consents', { ...provableConsent(a), givenAt: new Date().toISOString() });
    },
    expected: { outcome: 'sent', reasons: [] },
  },
  {
    title: 'R7 case-folded identity: Objection of m-case@, sent to M-Case@',
    address: 'M-Case@Example.org',
    build: async (a) => {
      await admin('POST', '/v1/consents', provableConsent(a));
      await objectTo('m-case@example.org');
    },
    expected: { outcome: 'rejected', reasons: ['objection'] },
  },
  {
    title: 'R3 withdrawal: consent_withdrawn',
    address: 'm-withdrawn@example.org',
    build: async (a) => {
      await admin('POST', '/v1/consents', provableConsent(a));
      await admin('POST', '/v1/withdrawals', { channel: 'email', address: a, purpose: 'newsletter' });
    },
    expected: { outcome: 'rejected', reasons: ['consent_withdrawn', 'soft_opt_in_not_applicable'] },
  },
  {
    title: 'R8 bounce: suppressed_bounce',
    address: 'm-bounced@example.org',
    build: async (a) => {
      await admin('POST', '/v1/consents', provableConsent(a));
      await admin('POST', '/v1/suppressions', { channel: 'email', address: a, reason: 'bounce' });
    },
    expected: { outcome: 'rejected', reasons: ['suppressed_bounce'] },
  },
  {
    title: 'R8 complaint: suppressed_complaint',
    address: 'm-complained@example.org',
    build: async (a) => {
      await admin('POST', '/v1/consents', provableConsent(a));
      await admin('POST', '/v1/suppressions', { channel: 'email', address: a, reason: 'complaint' });
    },
    expected: { outcome: 'rejected', reasons: ['suppressed_complaint'] },
  },
  {
    title: 'R2 customer: soft opt-in, sent',
    address: 'm-customer@example.org',
    build: (a) =>
      admin('PUT', '/v1/recipients', {
        channel: 'email',
        address: a,
        audience: 'consumer',
        collection: { at: iso(30 * DAY), duringSale: true, optOutOffered: true, informed: true },
        purchases: [{ productFamily: 'books', at: iso(30 * DAY), ref: 'order-1' }],
      }),
    expected: { outcome: 'sent', reasons: [] },
  },
  {
    title: 'R2/R9 purchase dated next year refused (400): no soft opt-in',
    address: 'm-next-year@example.org',
    build: async (a) => {
      await admin(
        'PUT',
        '/v1/recipients',
        {
          channel: 'email',
          address: a,
          audience: 'consumer',
          collection: { at: iso(30 * DAY), duringSale: true, optOutOffered: true, informed: true },
          purchases: [{ productFamily: 'books', at: iso(-365 * DAY), ref: 'order-2' }],
        },
        400,
      );
    },
    expected: { outcome: 'rejected', reasons: ['consent_missing', 'soft_opt_in_not_applicable'] },
  },
];

describe('the three send paths decide the same on the same state', () => {
  it(`${cases.length} recipient states × ${SEND_PATHS.join(', ')}: identical outcomes, and SES delivered exactly the allowed ones`, async () => {
    for (const c of cases) await c.build(c.address);
    const table: Record<string, Record<string, string>> = {};
    for (const c of cases) {
      const before = await paths.delivered(c.address);
      const results: PathOutcome[] = [];
      for (const path of SEND_PATHS) results.push(await paths.send(path, c.address));
      table[c.title] = Object.fromEntries(
        SEND_PATHS.map((p, i) => [p, `${results[i]!.outcome} ${results[i]!.reasons.join(',')}`.trim()]),
      );
      for (const [i, path] of SEND_PATHS.entries()) {
        expect(results[i], `${c.title} via ${path}`).toEqual(c.expected);
      }
      // Delivered: one copy per path when allowed, none when refused, to the address as given.
      const delivered = (await gw.sentEmails()).filter((e) => e.destination.to.includes(c.address));
      expect(delivered.length - before, `${c.title}: delivered`).toBe(c.expected.outcome === 'sent' ? 3 : 0);
    }
    console.log('send paths matrix', table);
  });
});
