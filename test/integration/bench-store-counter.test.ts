import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { createTable, deleteTable } from '../../infra/local/local-stack';
import {
  type CommandCount,
  createStoreRequestCounter,
  perMessage,
} from '../../scripts/bench/store-request-counter';
import { DynamoDbGatewayStore } from '../../shared/adapters/dynamodb-store';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { profile, validGrant } from '../support/builders';
import { releaseDynamoDb, sharedDynamoDb } from '../support/local-gateway';

/**
 * The bench's counting middleware (npm run bench, section "store requests") counts
 * exactly the commands a known store call sends to a real local DynamoDB. No timing.
 */
// Its own table in the run's DynamoDB Local (or in an engine of its own outside vitest's globalSetup).
const TABLE = `bench-counter-${randomBytes(4).toString('hex')}`;
let own: DynamoDbLocal | undefined;
let endpoint: string;

beforeAll(async () => {
  // As the local stack does: a region and inert credentials, which DynamoDB Local accepts.
  process.env.AWS_REGION ??= 'eu-west-3';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const shared = await sharedDynamoDb();
  if (shared === undefined) own = await startDynamoDbLocal();
  endpoint = shared ?? own!.url;
  await createTable(endpoint, TABLE);
});
afterAll(async () => {
  await deleteTable(endpoint, TABLE);
  await own?.stop();
  if (!own) await releaseDynamoDb(endpoint);
});

const only = (counts: CommandCount[]) =>
  counts.map(({ command, requests, items, units }) => ({ command, requests, items, units }));

describe('bench store request counter', () => {
  it('counts batched writes, batched reads and a query per command, with items and request units', async () => {
    const client = new DynamoDBClient({ endpoint });
    const counter = createStoreRequestCounter();
    counter.attachTo(client);
    const store = new DynamoDbGatewayStore(createDocumentClient(client), TABLE);
    const keys = Array.from({ length: 30 }, (_, i) => `recipient-${i}`);

    // 30 profiles + 30 consents: 60 items in batches of 25.
    await store.putRecipientItems(
      'acme',
      keys.flatMap((recipientKey) => [
        { kind: 'profile' as const, recipientKey, profile: profile() },
        { kind: 'consent' as const, recipientKey, purpose: 'newsletter', grant: validGrant() },
      ]),
    );
    expect(only(counter.snapshot())).toEqual([
      { command: 'BatchWriteItemCommand', requests: 3, items: 60, units: 60 },
    ]);

    counter.reset();
    // 7 keys per recipient for one purpose (profile, 2 suppressions, channel objection,
    // consent, purpose objection, repermission count), 100 keys per BatchGetItem.
    const states = await store.getRecipientStates(
      'acme',
      keys.map((recipientKey) => ({ recipientKey, purposes: ['newsletter'] })),
    );
    expect(states.get('recipient-7')?.consents.newsletter?.grant?.id).toBe('c-1');
    expect(only(counter.snapshot())).toEqual([
      { command: 'BatchGetItemCommand', requests: 3, items: 210, units: 210 },
    ]);

    counter.reset();
    await store.getRecipientState('acme', 'recipient-3');
    await store.getRecipientState('acme', 'nobody');
    // One strongly consistent query each: 2 items (under 4 KB together) for one, none for the other.
    expect(only(counter.snapshot())).toEqual([{ command: 'QueryCommand', requests: 2, items: 2, units: 2 }]);
    expect(perMessage(counter.snapshot(), 2)).toMatchObject({
      readRequests: 1,
      readItems: 1,
      writeRequests: 0,
    });
    client.destroy();
  });
});
