import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * GET /v1/audit: the tenant's own trail (holds, keys revoked, configuration changes, with who
 * made each) through the real Admin handler against DynamoDB Local: newest first, paged by an
 * opaque cursor, read by an admin or a compliance key, never another tenant's.
 */
let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  await gw?.stop();
});

type Event = {
  id: string;
  type: string;
  actor: { type: string; id?: string };
  data: Record<string, unknown>;
};
const trail = (query = '', key = gw.adminKey) => gw.call('GET', `/v1/audit${query}`, { key });
const declare = (id: string) =>
  gw.call('PUT', `/v1/purposes/${id}`, {
    key: gw.adminKey,
    body: { name: `Deals ${id}`, category: 'marketing', productFamily: 'deals', topics: ['deals'] },
  });

describe("the tenant's audit trail", () => {
  it('lists configuration changes and revocations newest first, with who made them', async () => {
    expect((await declare('deals-a')).status).toBe(200);
    const key = await gw.call('POST', '/v1/keys', {
      key: gw.adminKey,
      body: { role: 'sender', label: 'CRM' },
    });
    expect((await gw.call('DELETE', `/v1/keys/${key.body.keyId}`, { key: gw.adminKey })).status).toBe(200);
    const r = await trail();
    expect(r.status).toBe(200);
    const events = r.body.events as Event[];
    expect(events.slice(0, 2).map((e) => e.type)).toEqual(['key.revoked', 'purpose.declared']);
    expect(events[0]?.data.keyId).toBe(key.body.keyId);
    expect(events[1]?.actor.type).toBe('admin_key');
    expect(r.body.next).toBeUndefined();
  });

  it('pages with the cursor of the page before: every event once, in order', async () => {
    for (const id of ['deals-b', 'deals-c', 'deals-d', 'deals-e'])
      expect((await declare(id)).status).toBe(200);
    const whole = (await trail('?limit=100')).body.events as Event[];
    const paged: Event[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const r = await trail(`?limit=2${next === undefined ? '' : `&after=${next}`}`);
      expect(r.status).toBe(200);
      expect(r.body.events.length).toBeLessThanOrEqual(2);
      paged.push(...r.body.events);
      next = r.body.next;
      pages++;
    } while (next !== undefined && pages < 20);
    expect(paged.map((e) => e.id)).toEqual(whole.map((e) => e.id));
    expect(whole.length).toBeGreaterThanOrEqual(6);
  });

  it('a compliance key reads it; a sender key may not', async () => {
    expect((await trail('', gw.complianceKey)).status).toBe(200);
    expect((await trail('', gw.senderKey)).status).toBe(403);
  });

  it('names the field of a bad query: a limit out of range, a cursor that is not one, a field it does not know', async () => {
    const fieldsOf = async (query: string) => {
      const r = await trail(query);
      expect(r.status).toBe(400);
      return (r.body.issues as { field: string }[]).map((i) => i.field);
    };
    expect(await fieldsOf('?limit=0')).toEqual(['query.limit']);
    expect(await fieldsOf('?limit=many')).toEqual(['query.limit']);
    expect(await fieldsOf('?after=not%20a%20cursor')).toEqual(['query.after']);
    // Well-formed base64url, but not a position in a trail.
    expect(await fieldsOf(`?after=${Buffer.from('TENANT#other#AUDIT').toString('base64url')}`)).toEqual([
      'query.after',
    ]);
    expect(await fieldsOf('?tenant=other')).toEqual(['query.tenant']);
  });

  it("another tenant's admin sees its own trail only", async () => {
    const created = await gw.call('POST', '/v1/operator/tenants', {
      key: gw.operatorKey,
      body: { id: 'other-shop', name: 'Other Shop' },
    });
    expect(created.status).toBe(201);
    const theirs = await trail('?limit=100', created.body.adminKey);
    expect(theirs.status).toBe(200);
    const ours = (await trail('?limit=100')).body.events as Event[];
    const ids = new Set(ours.map((e) => e.id));
    expect((theirs.body.events as Event[]).filter((e) => ids.has(e.id))).toEqual([]);
  });
});
