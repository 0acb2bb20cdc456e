import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGatewayStore } from '../../shared/adapters/dynamodb-store';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { Dependencies } from '../../shared/services/dependencies';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { sentRecords } from './faults';
import { ONE_CLICK, unsubscribeLink } from './support';

/**
 * R7 under concurrency: one unsubscribe lands in the middle of a burst of sends to the same
 * person. The store is instrumented: when the objection write completed, and for every
 * state read of the recipient when it began and whether it saw the objection. No state
 * read that began after the commit may miss it, so no send decided after it is allowed;
 * the mails in the local SES reconcile with the answers and the message records.
 */
let gw: LocalGateway;
let real: Dependencies;
const BURST = 50;
const ADDRESS = 'race@example.org';

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
  await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(ADDRESS) });
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  await gw?.stop();
});

describe('reliability: unsubscribe racing a burst of sends', () => {
  it(`no send decided after the objection was committed, among ${BURST} concurrent sends`, async () => {
    const link = await unsubscribeLink(ADDRESS);
    const store = new DynamoDbGatewayStore(
      createDocumentClient(new DynamoDBClient({ endpoint: gw.dynamodbUrl })),
      gw.tableName,
    );
    let committedAt: number | undefined;
    let committed!: () => void;
    const objectionCommitted = new Promise<void>((resolve) => {
      committed = resolve;
    });
    const reads: { began: number; sawObjection: boolean }[] = [];
    const commitChanges = store.commitChanges.bind(store);
    store.commitChanges = async (...args) => {
      const outcome = await commitChanges(...args);
      // The objection and its audit event commit together (R15): the moment it holds.
      if (args[2].some((w) => w.kind === 'objection')) {
        committedAt = performance.now();
        committed();
      }
      return outcome;
    };
    const getState = store.getRecipientState.bind(store);
    store.getRecipientState = async (tenantId, key) => {
      const began = performance.now();
      const state = await getState(tenantId, key);
      if (key === link.recipientKey) {
        reads.push({ began, sawObjection: state.objections.some((o) => o.scope.type === 'purpose') });
      }
      return state;
    };
    setDependencies({ ...real, store });

    const before = (await gw.sentEmails()).filter((m) => m.destination.to.includes(ADDRESS)).length;
    const sends = Array.from({ length: BURST }, (_, i) =>
      (async () => {
        // Spread over the unsubscribe: half start before it, a quarter around it, and the last
        // quarter once it has committed, so that the burst straddles the commit however slow
        // the machine (on a loaded one every timed send could otherwise read before it).
        await new Promise((r) => setTimeout(r, i * 4));
        if (i >= (BURST * 3) / 4) await objectionCommitted;
        return gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(ADDRESS) });
      })(),
    );
    const unsubscribe = (async () => {
      await new Promise((r) => setTimeout(r, BURST * 2));
      return gw.call('POST', link.path, ONE_CLICK);
    })();
    const [answers, unsub] = await Promise.all([Promise.all(sends), unsubscribe]);
    expect(unsub.status).toBe(200);
    expect(committedAt).toBeDefined();

    const allowed = answers.filter((a) => a.status === 202).length;
    const refused = answers.filter((a) => a.status === 403 && a.body.reasons.includes('objection')).length;
    const readsAfter = reads.filter((r) => r.began > committedAt!);
    const missedAfter = readsAfter.filter((r) => !r.sawObjection).length;
    const readsMissing = reads.filter((r) => !r.sawObjection).length;
    const delivered =
      (await gw.sentEmails()).filter((m) => m.destination.to.includes(ADDRESS)).length - before;
    const records = (await sentRecords(gw, link.recipientKey)).length;
    console.log(
      `race: ${BURST} sends, 1 unsubscribe; allowed ${allowed}, refused (objection) ${refused}; reads begun after the commit ${readsAfter.length}, of which missed the objection ${missedAfter}; sent to SES ${delivered}, message records ${records}`,
    );
    expect(allowed + refused).toBe(BURST);
    expect(missedAfter).toBe(0);
    // An allowed send read a state without the objection, and every such read began before the commit.
    expect(allowed).toBeLessThanOrEqual(readsMissing);
    expect(delivered).toBe(allowed);
    expect(records).toBe(allowed);
    // The burst straddled the commit, so the test exercised both sides.
    expect(refused).toBeGreaterThan(0);
    expect(allowed).toBeGreaterThan(0);
  }, 60_000);
});
