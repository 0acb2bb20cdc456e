import { describe, expect, it } from 'vitest';
import { unsubscribeHeaders } from '../../shared/domain/inject-unsubscribe';
import {
  mailtoAddress,
  mailtoIdFrom,
  mailtoIdMatches,
  mailtoIdOf,
  tokenOfListUnsubscribe,
} from '../../shared/domain/mailto-unsubscribe';
import type { KeyMaterial } from '../../shared/ports/key-ring';
import { withMailtoUnsubscribe } from '../../shared/services/unsubscribe-mail';

const ring = (active: string, keys: Record<string, string>): KeyMaterial => ({
  hashKey: Buffer.alloc(32, 1),
  tokenKeys: new Map(Object.entries(keys).map(([id, k]) => [id, Buffer.from(k)])),
  activeTokenKeyId: active,
});
const TOKEN = 'v1.k1.eyJ0IjoiZGVtbyJ9.mac-of-the-token';

describe('mailto unsubscribe ids (R10, RFC 2369)', () => {
  it('fit a local part, in lowercase hex, and derive from the token and the key', () => {
    const keys = ring('k1', { k1: 'a'.repeat(32) });
    const id = mailtoIdOf(TOKEN, keys);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(mailtoAddress(id, 'u.example').split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(mailtoIdOf(TOKEN, keys)).toBe(id);
    expect(mailtoIdOf(`${TOKEN}x`, keys)).not.toBe(id);
    expect(mailtoIdOf(TOKEN, ring('k1', { k1: 'b'.repeat(32) }))).not.toBe(id);
  });

  it('still match after the active key rotates; never under a key the ring does not hold', () => {
    const id = mailtoIdOf(TOKEN, ring('k1', { k1: 'a'.repeat(32) }));
    expect(mailtoIdMatches(id, TOKEN, ring('k2', { k1: 'a'.repeat(32), k2: 'c'.repeat(32) }))).toBe(true);
    expect(mailtoIdMatches(id, TOKEN, ring('k2', { k2: 'c'.repeat(32) }))).toBe(false);
    expect(mailtoIdMatches(id, `${TOKEN}x`, ring('k1', { k1: 'a'.repeat(32) }))).toBe(false);
  });

  it.each([
    ['U+ABCDEF0123456789ABCDEF0123456789@U.Example', 'abcdef0123456789abcdef0123456789'],
    ['u+abcdef0123456789abcdef0123456789@u.example', 'abcdef0123456789abcdef0123456789'],
    ['u+abcdef0123456789abcdef012345678@u.example', undefined],
    ['u+abcdef0123456789abcdef01234567890@u.example', undefined],
    ['u+abcdef0123456789abcdef012345678g@u.example', undefined],
    ['u+abcdef0123456789abcdef0123456789@other.example', undefined],
    ['u+abcdef0123456789abcdef0123456789@sub.u.example', undefined],
    ['x+abcdef0123456789abcdef0123456789@u.example', undefined],
    ['u+abcdef0123456789abcdef0123456789', undefined],
  ])('reads %s as %s', (address, id) => {
    expect(mailtoIdFrom(address, 'u.example')).toBe(id);
  });

  it('List-Unsubscribe: the https link first, then the mailto; the token read back from it', () => {
    const [list] = unsubscribeHeaders(`https://g.example/u/${TOKEN}`, 'u+00@u.example');
    expect(list!.value).toBe(`<https://g.example/u/${TOKEN}>, <mailto:u+00@u.example>`);
    expect(tokenOfListUnsubscribe(list!.value)).toBe(TOKEN);
    expect(unsubscribeHeaders(`https://g.example/u/${TOKEN}`)[0]!.value).toBe(
      `<https://g.example/u/${TOKEN}>`,
    );
  });
});

describe('withMailtoUnsubscribe', () => {
  const keys = ring('k1', { k1: 'a'.repeat(32) });
  const headers = unsubscribeHeaders(`https://g.example/u/${TOKEN}`);
  const stored = new Map<string, string>();
  const base = {
    clock: { now: () => new Date('2026-06-01T10:00:00Z') },
    log: { info() {}, warn() {}, error() {} },
    mailto: {
      putMailtoToken: async (id: string, token: string) => void stored.set(id, token),
      getMailtoToken: async (id: string) => stored.get(id),
    },
  };

  it('adds nothing without an inbound domain', async () => {
    expect(await withMailtoUnsubscribe(base, headers, keys)).toEqual(headers);
    expect(stored.size).toBe(0);
  });

  it('with one, stores the id beside the token before offering the address', async () => {
    const out = await withMailtoUnsubscribe({ ...base, unsubscribeMailDomain: 'u.example' }, headers, keys);
    const id = mailtoIdOf(TOKEN, keys);
    expect(out[0]!.value).toBe(`<https://g.example/u/${TOKEN}>, <mailto:u+${id}@u.example>`);
    expect(out[1]).toEqual(headers[1]);
    expect(stored.get(id)).toBe(TOKEN);
  });

  it('the id not stored: the https link only, never an address that would record nothing', async () => {
    const failing = {
      ...base,
      unsubscribeMailDomain: 'u.example',
      mailto: { ...base.mailto, putMailtoToken: () => Promise.reject(new Error('table down')) },
    };
    expect(await withMailtoUnsubscribe(failing, headers, keys)).toEqual(headers);
  });
});
