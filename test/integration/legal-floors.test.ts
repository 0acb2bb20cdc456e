import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * The deployment's legal floors (R14 SMS hours, R10 opt-out mention, the
 * mailbox providers' 0.3% complaint rate). A tenant admin may be stricter, never looser: a looser
 * setting is a 400 naming the floor and the field, and nothing is stored.
 */
let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway();
}, 60_000);
afterAll(async () => {
  await gw?.stop();
});

const putSms = (body: unknown) => gw.call('PUT', '/v1/settings/sms', { key: gw.adminKey, body });
const putComplaints = (body: unknown) =>
  gw.call('PUT', '/v1/settings/complaints', { key: gw.adminKey, body });
const stored = async () => (await gw.call('GET', '/v1/tenant', { key: gw.adminKey })).body.settings;

describe('legal floors', () => {
  it.each([
    ['an all-day window', { start: '00:00', end: '23:59' }, 'window.start'],
    ['an evening past 20:00', { end: '21:00' }, 'window.end'],
    ['Sundays', { days: [1, 2, 3, 4, 5, 6, 7] }, 'window.days'],
    ['public holidays', { skipPublicHolidays: false }, 'window.skipPublicHolidays'],
  ])('R14 refuses %s with a 400 naming the floor and the field', async (_, window, field) => {
    const before = await stored();
    const r = await putSms({ window: { days: [1, 2, 3, 4, 5, 6], start: '08:00', end: '20:00', ...window } });
    expect(r.status, r.text).toBe(400);
    expect(r.body.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field, problem: expect.stringMatching(/legal floor.*R14/) }),
      ]),
    );
    expect((await stored()).sms).toEqual(before.sms);
  });

  it('R14 takes a stricter window', async () => {
    const r = await putSms({ window: { days: [2, 3, 4], start: '10:00', end: '18:00' } });
    expect(r.status, r.text).toBe(200);
    expect((await stored()).sms.window).toEqual({
      days: [2, 3, 4],
      start: '10:00',
      end: '18:00',
      skipPublicHolidays: true,
    });
    expect((await putSms({})).status).toBe(200);
  });

  it.each([
    ['no STOP', 'Désinscription au 36123'],
    ['no short code', 'STOP par retour'],
  ])('R10 refuses an opt-out mention with %s', async (_, optOutMention) => {
    const r = await putSms({ optOutMention });
    expect(r.status, r.text).toBe(400);
    expect(r.body.issues).toEqual([
      expect.objectContaining({
        field: 'optOutMention',
        problem: expect.stringMatching(/legal floor.*R10/),
      }),
    ]);
    expect((await stored()).sms.optOutMention).toBeUndefined();
  });

  it('R10 takes a mention with STOP and a short code', async () => {
    const r = await putSms({ optOutMention: 'Stop SMS : STOP au 36123' });
    expect(r.status, r.text).toBe(200);
    expect((await stored()).sms.optOutMention).toBe('Stop SMS : STOP au 36123');
    expect((await putSms({})).status).toBe(200);
  });

  it.each([
    ['a 100% hold rate', { holdRate: 1, warningRate: 0.001 }, 'holdRate'],
    ['a 0.31% hold rate', { holdRate: 0.0031, warningRate: 0.001 }, 'holdRate'],
  ])('refuses %s (mailbox provider thresholds)', async (_, body, field) => {
    const r = await putComplaints(body);
    expect(r.status, r.text).toBe(400);
    expect(r.body.issues).toEqual([
      expect.objectContaining({ field, problem: expect.stringMatching(/legal floor.*0\.3%/) }),
    ]);
    expect((await stored()).complaintRate.holdRate).toBe(0.003);
  });

  it('takes a stricter hold rate', async () => {
    const r = await putComplaints({ holdRate: 0.002, warningRate: 0.001 });
    expect(r.status, r.text).toBe(200);
    expect((await stored()).complaintRate.holdRate).toBe(0.002);
    expect((await putComplaints({})).status).toBe(200);
  });
});
