import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGatewayStore } from '../../shared/adapters/dynamodb-store';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { Dependencies } from '../../shared/services/dependencies';
import { partitionItems, recipientKeyOf } from '../reliability/faults';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * R15: a state change and its audit event are one transaction. The fault
 * is injected into the AWS SDK (as test/reliability/faults.ts does), on the one DynamoDB
 * request that carries the audit event: before, that was a put of its own after the state
 * write (a failure there left the change stored without its proof); now it is the
 * transaction that carries both, so neither half is stored, and the retry stores both once.
 */
let gw: LocalGateway;
let real: Dependencies;
/** Throttle the next requests that write an audit item (`"sk":{"S":"A#…`): ATTEMPTS for all the SDK's tries. */
const ATTEMPTS = 3;
let failAuditWrites = 0;
/** Lose the answer of the next transaction this many times, after DynamoDB applied it (the SDK retries). */
let loseAnswers = 0;
const injected: string[] = [];

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
  const client = new DynamoDBClient({ endpoint: gw.dynamodbUrl, maxAttempts: ATTEMPTS });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const raw = (args.request as { body?: unknown }).body;
      const body =
        typeof raw === 'string' ? raw : raw instanceof Uint8Array ? Buffer.from(raw).toString() : '';
      const writesAudit = /"sk":\{"S":"A#/.test(body);
      if (writesAudit && failAuditWrites > 0) {
        failAuditWrites--;
        injected.push(context.commandName ?? '');
        throw Object.assign(new Error('injected throttling'), {
          name: 'ProvisionedThroughputExceededException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      const result = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand' && loseAnswers > 0) {
        loseAnswers--;
        injected.push('lost answer');
        // Applied, but the answer never arrives: the SDK retries the very same request.
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
      }
      return result;
    },
    { step: 'finalizeRequest', name: 'injectAuditFault' },
  );
  setDependencies({ ...real, store: new DynamoDbGatewayStore(createDocumentClient(client), gw.tableName) });
});
afterEach(() => {
  failAuditWrites = 0;
  loseAnswers = 0;
  injected.length = 0;
});
afterAll(async () => {
  setDependencies(real);
  await gw?.stop();
});

const admin = (method: string, path: string, body?: unknown) =>
  gw.call(method, path, { key: gw.adminKey, body });

const consent = (address: string) => ({
  channel: 'email',
  address,
  purpose: 'newsletter',
  givenAt: new Date(Date.now() - 60_000).toISOString(),
  method: 'web_form',
  wordingVersion: 'newsletter-v1',
  source: 'https://shop.example/signup',
  controllers: ['Demo Shop'],
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0',
});

async function stored(key: string) {
  const items = [...(await partitionItems(gw, key, 'S#')), ...(await partitionItems(gw, key, 'A#'))];
  const audit = items.filter((i) => i.entity === 'audit').map((i) => (i.data as { type: string }).type);
  return {
    objections: items.filter((i) => i.entity === 'objection'),
    suppressions: items.filter((i) => i.entity === 'suppression'),
    consents: items.filter((i) => i.entity === 'consent'),
    audit: (type: string) => audit.filter((t) => t === type).length,
  };
}

describe('R15: a change and its audit event commit together', () => {
  it('an objection whose audit write fails: neither is stored; the retry stores both, once', async () => {
    const address = 'atomic-objection@example.org';
    const key = await recipientKeyOf(gw, address);
    const body = { channel: 'email', address, scope: { type: 'channel' } };
    failAuditWrites = ATTEMPTS;
    const failed = await admin('POST', '/v1/objections', body);
    expect(failed.status).toBe(503);
    expect(injected).toHaveLength(ATTEMPTS);
    let now = await stored(key);
    expect(now.objections).toHaveLength(0);
    expect(now.audit('objection.recorded')).toBe(0);

    expect((await admin('POST', '/v1/objections', body)).status).toBe(201);
    now = await stored(key);
    expect(now.objections).toHaveLength(1);
    expect(now.objections[0]?.count).toBe(1);
    expect(now.audit('objection.recorded')).toBe(1);
    expect((await admin('GET', `/v1/recipients/${key}/audit/verify`)).body).toMatchObject({ ok: true });
  });

  it('a consent whose audit write fails: no consent without its proof; the retry stores both once', async () => {
    const address = 'atomic-consent@example.org';
    const key = await recipientKeyOf(gw, address);
    failAuditWrites = ATTEMPTS;
    expect((await admin('POST', '/v1/consents', consent(address))).status).toBe(503);
    expect((await stored(key)).consents).toHaveLength(0);
    expect((await stored(key)).audit('consent.given')).toBe(0);
    expect((await admin('POST', '/v1/consents', consent(address))).status).toBe(201);
    expect((await stored(key)).consents).toHaveLength(1);
    expect((await stored(key)).audit('consent.given')).toBe(1);
  });

  it('an SES complaint whose transaction fails: nothing stored (500, SNS redelivers); two redeliveries store it once', async () => {
    const at = new Date().toISOString();
    const notification = {
      eventType: 'Complaint',
      mail: { messageId: 'ses-atomic', timestamp: at, tags: { tenant: ['demo'] } },
      complaint: {
        complainedRecipients: [{ emailAddress: 'atomic-complaint@example.org' }],
        timestamp: at,
        feedbackId: 'fb-atomic',
      },
    };
    const key = await recipientKeyOf(gw, 'atomic-complaint@example.org');
    failAuditWrites = ATTEMPTS;
    expect((await gw.call('POST', '/local/ses-feedback', { body: notification })).status).toBe(500);
    let now = await stored(key);
    expect([now.objections.length, now.suppressions.length, now.audit('objection.recorded')]).toEqual([
      0, 0, 0,
    ]);
    expect((await gw.call('POST', '/local/ses-feedback', { body: notification })).status).toBe(202);
    expect((await gw.call('POST', '/local/ses-feedback', { body: notification })).status).toBe(202);
    now = await stored(key);
    expect(now.objections).toHaveLength(1);
    expect(now.objections[0]?.count).toBe(1);
    expect(now.suppressions).toHaveLength(1);
    expect(now.audit('objection.recorded')).toBe(1);
    expect(now.audit('suppression.recorded')).toBe(1);
  });

  it('a transaction applied but its answer lost: the SDK retry (same client token) applies nothing twice', async () => {
    const address = 'atomic-lost@example.org';
    const key = await recipientKeyOf(gw, address);
    loseAnswers = 1;
    // A consent: nothing in it dedupes a second append (random ids), only the token does.
    const r = await admin('POST', '/v1/consents', consent(address));
    expect(injected).toEqual(['lost answer']);
    expect(r.status).toBe(201);
    const now = await stored(key);
    expect(now.consents).toHaveLength(1);
    expect(now.audit('consent.given')).toBe(1);
  });
});
