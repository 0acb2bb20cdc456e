import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { Dependencies } from '../../shared/services/dependencies';
import {
  type LocalGateway,
  newsletter,
  provableConsent,
  smsConsent,
  smsPromo,
  startLocalGateway,
} from '../support/local-gateway';

/**
 * A decision time (`at` on POST /v1/decisions) and scheduled sends (`sendAt` on POST
 * /v1/messages, cancelled by DELETE /v1/messages/{id}), through HTTP against the local
 * stack. The due queue is run by the real scheduled function (what the local runner's
 * 30 s loop and the AWS schedule invoke); the clock is the only thing the test sets.
 */
let gw: LocalGateway;
let real: Dependencies;
let now = new Date();

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
  setDependencies({ ...real, clock: { now: () => now } });
});
beforeEach(() => {
  now = new Date();
});
afterAll(async () => {
  setDependencies(real);
  await gw?.stop();
});

const HOUR = 3_600_000;
const later = (ms: number) => new Date(now.getTime() + ms);
const send = (body: unknown) => gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
const delivered = async (to: string) => (await gw.sentEmails()).filter((m) => m.destination.to.includes(to));

/** The next `weekday` (0 Sunday … 6 Saturday) at 10:00 in Paris, after now, as an instant. */
function nextParis(weekday: number, hour = 10): string {
  for (let d = 1; d <= 8; d++) {
    const day = new Date(now.getTime() + d * 86_400_000);
    const ymd = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(day);
    for (const offset of ['+01:00', '+02:00']) {
      const at = new Date(`${ymd}T${String(hour).padStart(2, '0')}:00:00${offset}`);
      const parts = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        weekday: 'short',
        hour: '2-digit',
        hourCycle: 'h23',
      }).formatToParts(at);
      const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(
        parts.find((p) => p.type === 'weekday')!.value,
      );
      if (wd === weekday && Number(parts.find((p) => p.type === 'hour')!.value) === hour)
        return `${ymd}T${String(hour).padStart(2, '0')}:00:00${offset}`;
    }
  }
  throw new Error('no such day');
}

describe('POST /v1/messages with sendAt (scheduled send)', () => {
  it('is stored, answered scheduled with its id, and delivered by the due run, not before', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('sched-1@example.org') });
    const sendAt = later(HOUR).toISOString();
    const r = await send(newsletter('sched-1@example.org', { sendAt }));
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ decision: 'scheduled', messageId: expect.any(String), sendAt });

    await gw.sms.runDeferred(); // not due yet
    expect(await delivered('sched-1@example.org')).toHaveLength(0);

    now = later(HOUR + 1000);
    await gw.sms.runDeferred();
    await gw.sms.runDeferred(); // a second run sends nothing twice
    const mails = await delivered('sched-1@example.org');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Our autumn reading list');
    // Built at send time like any other send: the opt-out (R10) is there.
    expect(mails[0]!.headers).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'List-Unsubscribe' })]),
    );
    // Gone from the queue: cancelling now finds nothing.
    const cancel = await gw.call('DELETE', `/v1/messages/${r.body.messageId}`, { key: gw.senderKey });
    expect(cancel.status).toBe(404);
  });

  it('R7: an objection recorded before it is due wins: nothing is sent', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('sched-2@example.org') });
    const r = await send(newsletter('sched-2@example.org', { sendAt: later(HOUR).toISOString() }));
    expect(r.body.decision).toBe('scheduled');
    const objection = await gw.call('POST', '/v1/objections', {
      key: gw.adminKey,
      body: { channel: 'email', address: 'sched-2@example.org', scope: { type: 'channel' } },
    });
    expect(objection.status).toBeLessThan(300);
    now = later(2 * HOUR);
    await gw.sms.runDeferred();
    expect(await delivered('sched-2@example.org')).toHaveLength(0);
  });

  it('DELETE /v1/messages/{id} cancels it: nothing is sent, and a second DELETE is a 404', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('sched-3@example.org') });
    const r = await send(newsletter('sched-3@example.org', { sendAt: later(HOUR).toISOString() }));
    const path = `/v1/messages/${r.body.messageId}`;
    const cancel = await gw.call('DELETE', path, { key: gw.senderKey });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({ decision: 'cancelled', messageId: r.body.messageId });
    now = later(2 * HOUR);
    await gw.sms.runDeferred();
    expect(await delivered('sched-3@example.org')).toHaveLength(0);
    expect((await gw.call('DELETE', path, { key: gw.senderKey })).status).toBe(404);
  });

  it('31 days ahead is a 400 naming sendAt, and nothing is stored', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('sched-4@example.org') });
    const r = await send(newsletter('sched-4@example.org', { sendAt: later(31 * 24 * HOUR).toISOString() }));
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([
      { field: 'sendAt', problem: expect.stringMatching(/more than 30 days ahead/) },
    ]);
    const bad = await send(newsletter('sched-4@example.org', { sendAt: 'Saturday' }));
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].field).toBe('sendAt');
    now = later(32 * 24 * HOUR);
    await gw.sms.runDeferred();
    expect(await delivered('sched-4@example.org')).toHaveLength(0);
  });

  it('a message refused today is refused at once, with its reasons, not scheduled', async () => {
    const r = await send(newsletter('never-consented@example.org', { sendAt: later(HOUR).toISOString() }));
    expect(r.status).toBe(403);
    expect(r.body.reasons).toContain('consent_missing');
  });

  it('an SMS scheduled for Sunday 10:00 Paris waits for Monday 08:00 (R14), then goes to the outbox', async () => {
    await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: smsConsent('+33677777777', new Date(Date.now() - 86_400_000).toISOString()),
    });
    const sunday = nextParis(0);
    const r = await send(smsPromo('+33677777777', { sendAt: sunday }));
    expect(r.status).toBe(202);
    const monday8 = new Date(new Date(sunday).getTime() + 22 * HOUR).toISOString();
    expect(r.body).toMatchObject({ decision: 'scheduled', sendAt: monday8, segments: 1 });
    now = new Date(new Date(sunday).getTime() + HOUR);
    await gw.sms.runDeferred();
    expect(gw.sms.outbox.filter((m) => m.to === '+33677777777')).toHaveLength(0);
    now = new Date(new Date(monday8).getTime() + 1000);
    await gw.sms.runDeferred();
    expect(gw.sms.outbox.filter((m) => m.to === '+33677777777')).toHaveLength(1);
  });
});

describe('POST /v1/decisions with at (a decision time)', () => {
  const decide = (body: unknown) => gw.call('POST', '/v1/decisions', { key: gw.senderKey, body });
  const sms = (at: string) => ({
    channel: 'sms',
    purpose: 'newsletter',
    to: '+33688888888',
    from: '36123',
    at,
  });

  it('R14: an SMS is allowed on Saturday 10:00 Paris and deferred on Sunday, whatever the hour now', async () => {
    await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: smsConsent('+33688888888', new Date(Date.now() - 86_400_000).toISOString()),
    });
    const saturday = await decide(sms(nextParis(6)));
    expect(saturday.status).toBe(200);
    expect(saturday.body).toMatchObject({ decision: 'allowed', basis: 'consent' });
    const sunday = await decide(sms(nextParis(0)));
    expect(sunday.body).toMatchObject({ decision: 'deferred', reasons: ['quiet_hours'], rules: ['R14'] });
  });

  it('more than one year ahead, or in the past, is a 400 naming at', async () => {
    const ahead = await decide(sms(later(400 * 24 * HOUR).toISOString()));
    expect(ahead.status).toBe(400);
    expect(ahead.body.issues).toEqual([
      { field: 'at', problem: expect.stringMatching(/more than one year ahead/) },
    ]);
    const past = await decide(sms(later(-HOUR).toISOString()));
    expect(past.status).toBe(400);
    expect(past.body.issues).toEqual([{ field: 'at', problem: expect.stringMatching(/in the past/) }]);
  });
});
