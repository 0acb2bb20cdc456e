import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { StoreUnavailableError } from '../../shared/ports/store-errors';
import type { Dependencies } from '../../shared/services/dependencies';
import { FAULT_KINDS, type FaultSwitch, faultyStores, startBlackHole } from '../reliability/faults';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { type SendPath, sendPaths } from '../support/send-paths';

/**
 * R7, R10, RFC 2369: with an inbound domain, List-Unsubscribe also offers a mailto: address;
 * a mail to it, fed to the real UnsubscribeMail handler as SES's receipt rule would
 * (POST /local/ses-inbound), records the objection as the one-click POST does.
 */
const DOMAIN = 'unsubscribe.shop.example';
let gw: LocalGateway;
let real: Dependencies;
let blackHole: Awaited<ReturnType<typeof startBlackHole>>;
let paths: Awaited<ReturnType<typeof sendPaths>>;

beforeAll(async () => {
  gw = await startLocalGateway({ unsubscribeMailDomain: DOMAIN });
  real = runtimeDependencies();
  blackHole = await startBlackHole();
  paths = await sendPaths(gw);
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

/** The List-Unsubscribe header of the last message delivered to `address`, as the mail client sees it. */
const listUnsubscribe = async (address: string): Promise<string> => {
  const stored = (await gw.sentEmails()).filter((e) => e.destination.to.includes(address)).at(-1);
  expect(stored, `a message delivered to ${address}`).toBeDefined();
  const mail = await gw.deliveredMessage(stored!.messageId);
  return (
    mail.headerLines
      .find((h) => h.key === 'list-unsubscribe')
      ?.line.replace(/\r?\n[ \t]+/g, ' ')
      .replace(/^[^:]+:\s*/, '') ?? ''
  );
};
const mailtoOf = (header: string): string => {
  const m = /<mailto:([^>]+)>/.exec(header);
  expect(m, `a mailto: URI in ${header}`).not.toBeNull();
  return m![1]!;
};
const mailTo = (to: string, extra: Record<string, unknown> = {}) =>
  gw.call('POST', '/local/ses-inbound', { body: { to, from: 'Reader <reader@example.org>', ...extra } });
const objectionsOf = async (address: string) => {
  const put = await gw.call('PUT', '/v1/recipients', {
    key: gw.adminKey,
    body: { channel: 'email', address, audience: 'consumer' },
  });
  const r = await gw.call('GET', `/v1/recipients/${put.body.recipientKey}`, { key: gw.adminKey });
  return r.body.objections as Record<string, unknown>[];
};
const sendNewsletter = (address: string) =>
  gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) });

describe('mailto: unsubscribe (R7, R10, RFC 2369)', () => {
  it('every send path puts a short mailto: address after the https link in List-Unsubscribe', async () => {
    for (const path of ['http', 'bulk', 'ses'] satisfies SendPath[]) {
      const address = `paths-${path}@example.org`;
      await consent(address);
      expect((await paths.send(path, address)).outcome).toBe('sent');
      const header = await listUnsubscribe(address);
      expect(header).toMatch(
        new RegExp(`^<${gw.apiUrl}/u/v1\\.[^>]+>, <mailto:u\\+[0-9a-f]{32}@${DOMAIN}>$`),
      );
      const local = mailtoOf(header).split('@')[0]!;
      expect(local.length).toBeLessThanOrEqual(64);
      expect(header).not.toContain('paths-');
    }
  });

  it('a mail to the address records the objection with the mail as proof; the next send is refused (R7), nothing delivered', async () => {
    const address = 'mailer@example.org';
    await consent(address);
    expect((await sendNewsletter(address)).status).toBe(202);
    const to = mailtoOf(await listUnsubscribe(address));

    const r = await mailTo(to.toUpperCase().replace(DOMAIN.toUpperCase(), DOMAIN), { dkim: 'FAIL' });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ outcomes: ['recorded'] });

    const objections = await objectionsOf(address);
    expect(objections).toHaveLength(1);
    expect(objections[0]).toMatchObject({
      scope: { type: 'purpose', purpose: 'newsletter' },
      method: 'mailto',
      source: 'unsubscribe mail',
      mail: {
        from: 'Reader <reader@example.org>',
        spf: 'PASS',
        dkim: 'FAIL',
        dmarc: 'PASS',
        sesMessageId: expect.stringMatching(/^local-/),
        messageId: expect.stringMatching(/^<.+@local\.example>$/),
        date: expect.any(String),
      },
    });

    const before = (await gw.sentEmails()).filter((e) => e.destination.to.includes(address)).length;
    const again = await sendNewsletter(address);
    expect(again.status).toBe(403);
    expect(again.body.reasons).toContain('objection');
    const after = (await gw.sentEmails()).filter((e) => e.destination.to.includes(address)).length;
    expect(after).toBe(before);
  });

  it('a replayed mail records the objection once', async () => {
    const address = 'replay@example.org';
    await consent(address);
    await sendNewsletter(address);
    const to = mailtoOf(await listUnsubscribe(address));
    expect((await mailTo(to)).body).toEqual({ outcomes: ['recorded'] });
    expect((await mailTo(to)).body).toEqual({ outcomes: ['duplicate'] });
    expect(await objectionsOf(address)).toHaveLength(1);
  });

  it('a forged, altered or foreign address records nothing', async () => {
    const address = 'forged@example.org';
    await consent(address);
    await sendNewsletter(address);
    const to = mailtoOf(await listUnsubscribe(address));
    const id = to.slice(2, 34);
    const altered = `u+${id.slice(0, 31)}${id.at(-1) === '0' ? '1' : '0'}@${DOMAIN}`;
    for (const forged of [
      altered,
      `u+${'0'.repeat(32)}@${DOMAIN}`,
      `u+${id}@elsewhere.example`,
      `u+${id}x@${DOMAIN}`,
      `someone@${DOMAIN}`,
    ]) {
      const r = await mailTo(forged);
      expect(r.status, forged).toBe(200);
      expect(r.body, forged).toEqual({ outcomes: ['not_ours'] });
    }
    expect(await objectionsOf(address)).toHaveLength(0);
    expect((await sendNewsletter(address)).status).toBe(202);
  });

  it('an event that is not an SES receipt is a 400 naming the field, and records nothing', async () => {
    const r = await gw.call('POST', '/local/ses-inbound', {
      body: { Records: [{ eventSource: 'aws:ses', ses: { mail: {}, receipt: { recipients: [] } } }] },
    });
    expect(r.status).toBe(400);
    expect(r.text).toContain('Records');
  });

  it('the store failing: the objection is kept (pending: sends refuse at once), then applied', async () => {
    const address = 'storedown@example.org';
    await consent(address);
    await sendNewsletter(address);
    const to = mailtoOf(await listUnsubscribe(address));
    // Every store call but GetItem fails as DynamoDB fails: the objection cannot be written.
    const fault: FaultSwitch = { kind: FAULT_KINDS[2], target: 'all', injected: 0 };
    setDependencies({ ...real, ...faultyStores(gw, fault, blackHole.port) });
    const r = await mailTo(to);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ outcomes: ['queued'] });
    expect(fault.injected).toBeGreaterThan(0);
    setDependencies(real);

    const refused = await sendNewsletter(address);
    expect(refused.status).toBe(403);
    expect(refused.body.reasons).toContain('objection');
    await gw.objectionQueue.drained(30_000);
    expect(await objectionsOf(address)).toEqual([expect.objectContaining({ method: 'mailto' })]);
  });

  it('the id itself unreadable: the handler fails (Lambda retries it), and the retry records it', async () => {
    const address = 'lookupdown@example.org';
    await consent(address);
    await sendNewsletter(address);
    const to = mailtoOf(await listUnsubscribe(address));
    // The table's GetItem of the id failing (the fault switch keeps GetItem working).
    const unreadable = () => Promise.reject(new StoreUnavailableError('injected: the table is unavailable'));
    setDependencies({ ...real, mailto: { ...real.mailto!, getMailtoToken: unreadable } });
    const failed = await mailTo(to);
    expect(failed.status, failed.text).toBe(500);
    setDependencies(real);
    expect((await mailTo(to)).body).toEqual({ outcomes: ['recorded'] });
  });
});
