import { randomUUID } from 'node:crypto';
import { recipientKey } from '../../shared/domain/recipient-key';
import { signToken } from '../../shared/domain/unsubscribe-token';
import { runtimeDependencies } from '../../shared/http/runtime';
import type { LocalGateway } from '../support/local-gateway';
import { provableConsent } from '../support/local-gateway';

/** Runs `work` over `items` with at most `concurrency` at a time, results in order. */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Gives each address a provable newsletter consent (R1, R3), so that a newsletter to it is allowed. */
export async function consentAll(gw: LocalGateway, addresses: readonly string[], concurrency = 8) {
  await pool(addresses, concurrency, async (address) => {
    const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    if (r.status !== 201) throw new Error(`consent not recorded: ${r.status} ${r.text}`);
  });
}

/**
 * The unsubscribe link of a newsletter to `address`, as the gateway puts it in a message
 * (signed with the local key ring, for a message id of its own), and the recipient key.
 */
export async function unsubscribeLink(address: string, purpose = 'newsletter') {
  const keys = await runtimeDependencies().keys.load();
  const key = recipientKey(keys.hashKey, 'demo', 'email', address);
  const token = signToken(
    { tenant: 'demo', recipientKey: key, purpose, channel: 'email', messageId: randomUUID() },
    keys,
  );
  return { path: `/u/${token}`, recipientKey: key, token };
}

export const ONE_CLICK = {
  body: 'List-Unsubscribe=One-Click',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
};
