import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGatewayStore } from '../../shared/adapters/dynamodb-store';
import { createDynamoDbStores } from '../../shared/adapters/dynamodb-stores';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { SesEmailSender } from '../../shared/adapters/ses-email-sender';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { EventPublishError } from '../../shared/ports/event-publisher';
import { StoreUnavailableError } from '../../shared/ports/gateway-store';
import type { Dependencies } from '../../shared/services/dependencies';
import { sentRecords } from '../reliability/faults';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * Fail closed: a store or provider failure never lets a message through. Faults are
 * real where they can be (a port nobody listens on) and injected into the SDK's
 * middleware stack where they cannot (throttling).
 */
let gw: LocalGateway;
let real: Dependencies;
const CLOSED_PORT = 'http://127.0.0.1:9'; // discard port: nothing listens on it here

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
  await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('frank@example.org') });
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  await gw?.stop();
});

/** A store whose recipient reads fail as DynamoDB fails under throttling; everything else is real. */
function throttledStore(): DynamoDbGatewayStore {
  const client = new DynamoDBClient({ endpoint: gw.dynamodbUrl, maxAttempts: 1 });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'QueryCommand') {
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectThrottling' },
  );
  // The hot calls too (the state read is one), as the runtime makes them on a raw client.
  return new DynamoDbGatewayStore(createDocumentClient(client, { hot: client }), gw.tableName);
}

/** The messages the store holds as sent to the address (R15: as its export lists them). */
async function messageRecords(address: string): Promise<number> {
  const key = (
    await gw.call('PUT', '/v1/recipients', {
      key: gw.adminKey,
      body: { channel: 'email', address, audience: 'consumer' },
    })
  ).body.recipientKey;
  return (await sentRecords(gw, key)).length;
}

describe('fail closed', () => {
  it('answers 503 and sends nothing when the store is unreachable', async () => {
    const before = (await gw.sentEmails()).length;
    // Every aggregate's store unreachable (keys and tenants too), as the one table would be.
    const stores = createDynamoDbStores(
      createDocumentClient(new DynamoDBClient({ endpoint: CLOSED_PORT, maxAttempts: 2 })),
      gw.tableName,
    );
    setDependencies({ ...real, ...stores });
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('frank@example.org'),
    });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({
      error: 'store_unavailable',
      message: 'The state store cannot be reached; nothing was sent. Retry later.',
    });
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('answers 503 and sends nothing when the recipient read is throttled', async () => {
    const before = (await gw.sentEmails()).length;
    setDependencies({ ...real, store: throttledStore() });
    let served = 0;
    for (let i = 0; i < 20; i++) {
      const r = await gw.call('POST', '/v1/messages', {
        key: gw.senderKey,
        body: newsletter('frank@example.org'),
      });
      if (r.status === 503) served++;
    }
    expect(served).toBe(20);
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('answers 503 and keeps no "sent" record when SES is unreachable; a retry then sends once', async () => {
    setDependencies({
      ...real,
      email: new SesEmailSender(new SESv2Client({ endpoint: CLOSED_PORT, maxAttempts: 1 })),
    });
    const before = await messageRecords('frank@example.org');
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('frank@example.org'),
    });
    expect(r.status).toBe(503);
    expect(r.body.error).toBe('provider_unavailable');
    expect(await messageRecords('frank@example.org')).toBe(before);

    setDependencies(real);
    const retry = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('frank@example.org'),
    });
    expect(retry.status).toBe(202);
    expect(await messageRecords('frank@example.org')).toBe(before + 1);
  });

  it('answers 503 and sends nothing when the decision cannot be written to the audit trail', async () => {
    const before = (await gw.sentEmails()).length;
    const store = throttledStore();
    // Reads work; only the audit append fails, as DynamoDB fails under throttling.
    store.commitChanges = () => Promise.reject(new StoreUnavailableError('throttled'));
    store.getRecipientState = real.store.getRecipientState.bind(real.store);
    setDependencies({ ...real, store });
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('frank@example.org'),
    });
    expect(r.status).toBe(503);
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('R11: an erasure that fails halfway leaves the recipient blocked, never reachable', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('gina@example.org') });
    const key = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'email', address: 'gina@example.org', audience: 'consumer' },
      })
    ).body.recipientKey;
    const store = new DynamoDbGatewayStore(
      createDocumentClient(new DynamoDBClient({ endpoint: gw.dynamodbUrl })),
      gw.tableName,
    );
    store.eraseRecipient = () => Promise.reject(new StoreUnavailableError('throttled'));
    setDependencies({ ...real, store });
    const r = await gw.call('DELETE', `/v1/recipients/${key}`, { key: gw.adminKey });
    expect(r.status).toBe(503);

    setDependencies(real);
    const send = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('gina@example.org'),
    });
    expect(send.status).toBe(403);
    expect(send.body.reasons).toContain('objection');
  });

  it('a bus that cannot be reached loses no objection: the request never touches it, the stream publishes the event', async () => {
    const errors: string[] = [];
    setDependencies({
      ...real,
      events: { publish: () => Promise.reject(new EventPublishError('EventBridge unavailable')) },
      log: { ...real.log, error: (message) => errors.push(message) },
    });
    const r = await gw.call('POST', '/v1/objections', {
      key: gw.adminKey,
      body: { channel: 'email', address: 'hugo@example.org', scope: { type: 'channel' } },
    });
    expect(r.status).toBe(201);
    // Events leave from the table's stream, not from the request (docs/recipients.md, "Events out").
    expect(errors).toEqual([]);
    setDependencies(real);
    const published = (await gw.call('GET', '/local/events')).body.events as {
      detailType: string;
      detail: { recipientKey: string };
    }[];
    expect(
      published.filter(
        (e) => e.detailType === 'Objection Recorded' && e.detail.recipientKey === r.body.recipientKey,
      ),
    ).toHaveLength(1);
    const d = await gw.call('POST', '/v1/decisions', {
      key: gw.senderKey,
      body: { channel: 'email', purpose: 'newsletter', from: 'news@shop.example', to: 'hugo@example.org' },
    });
    expect(d.body.reasons).toContain('objection');
  });
});
