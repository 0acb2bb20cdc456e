import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGatewayStore } from '../../shared/adapters/dynamodb-store';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import type { AuditEvent } from '../../shared/schemas/audit';
import { partitionItems } from '../reliability/faults';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * R15: every writer of one recipient's chain appends under a condition on the next seq, and
 * the loser reads the tip again. Many writers at once (a burst of sends to one person, while
 * changes arrive) must all be committed, in one unbroken chain each, never refused as "the
 * chain kept moving" (a 503 for a send the store could take). Contention is made certain:
 * every commit starts at the same moment, against the real engine.
 */
let gw: LocalGateway;
let store: DynamoDbGatewayStore;
let client: DynamoDBClient;

beforeAll(async () => {
  gw = await startLocalGateway();
  client = new DynamoDBClient({ endpoint: gw.dynamodbUrl });
  store = new DynamoDbGatewayStore(createDocumentClient(client), gw.tableName);
});
afterAll(async () => {
  client?.destroy();
  await gw?.stop();
});

const at = (i: number) => new Date(Date.UTC(2026, 11, 2, 9, 0, 0, i)).toISOString();
const event = (type: AuditEvent['type'], i: number): AuditEvent => ({
  id: randomUUID(),
  at: at(i),
  type,
  actor: { type: 'system', id: 'contention-test' },
  why: `writer ${i}`,
  data: { i },
});

describe('audit chain under contention', () => {
  it('commits 80 decisions and 20 changes started at once, each chain contiguous and verified', async () => {
    const recipientKey = `contention-${randomUUID()}`;
    const decisions = Array.from({ length: 80 }, (_, i) =>
      store.commitChanges('demo', recipientKey, [], [{ event: event('decision.sent', i) }]),
    );
    const changes = Array.from({ length: 20 }, (_, i) =>
      store.commitChanges(
        'demo',
        recipientKey,
        [{ kind: 'suppression', suppression: { reason: 'complaint', at: at(i), recordedAt: at(i) } }],
        [{ event: event('suppression.recorded', i) }],
      ),
    );
    const outcomes = await Promise.allSettled([...decisions, ...changes]);
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused.map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);

    const seqs = async (prefix: string) =>
      (await partitionItems(gw, recipientKey, prefix)).map((item) => Number(item.seq)).sort((a, b) => a - b);
    expect(await seqs('A#D#')).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(await seqs('A#C#')).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
