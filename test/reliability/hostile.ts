import fc from 'fast-check';
import { expect } from 'vitest';
import type { LocalGateway } from '../support/local-gateway';
import { signSesPost } from '../support/ses-signing';

/**
 * Hostile input for the reliability suite: generators of strings and bodies a sender, a
 * recipient or an attacker may send, and the tally each property prints and asserts.
 */

/** Runs per property; the whole suite stays around two minutes on two shared cores. */
export const RUNS = Number(process.env.RELIABILITY_HOSTILE_RUNS ?? 40);

/** Fixed seed unless one is given, so that a failure is reproduced by running again. */
export const SEED = Number(process.env.RELIABILITY_HOSTILE_SEED ?? 7_007);

/** Line breaks, NUL, other C0/C1 controls and Unicode separators a header must never carry raw. */
export const CONTROL_CHARACTERS = [
  '\r',
  '\n',
  '\r\n',
  '\n\r',
  '\0',
  '\t',
  '\v',
  '\f',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u2028',
  '\u2029',
];

/** Strings that break naive code: markup, quotes, placeholders, header lines, odd Unicode. */
export const NASTY_STRINGS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '</title><script>alert(1)</script>',
  '<!--',
  ']]>',
  '{{unsubscribe_url}}',
  '{{preferences_url}}',
  '%7B%7Bunsubscribe_url%7D%7D',
  '\r\nBcc: victim@example.net',
  '\nX-Injected: yes',
  '=?utf-8?b?PHNjcmlwdD4=?=',
  '\u202eevil\u202c',
  '\ud800',
  '\ufeff',
  '\u0000',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🎉',
  'ﷺ'.repeat(50),
  '../../etc/passwd',
  '%00',
  '__proto__',
  'constructor',
];

/** A string of any kind, biased towards the nasty ones. */
export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.string({ maxLength: 10 }),
          fc.constantFrom(...CONTROL_CHARACTERS),
          fc.string({ maxLength: 10 }),
        )
        .map(([a, c, b]) => `${a}${c}${b}`),
    },
  );

/** A value of the wrong type for any field. */
const wrongTyped = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constant([]),
    fc.constant({}),
    fc.array(hostileString(), { maxLength: 3 }),
    fc.dictionary(hostileString(), hostileString(), { maxKeys: 3 }),
  );

/**
 * A valid body made hostile: a field dropped, retyped, oversized, spiked with Unicode or
 * control characters, or an unknown field added; one to three mutations.
 */
export function mutated(valid: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(valid);
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('drop' as const), key: fc.constantFrom(...keys) }),
    fc.record({ op: fc.constant('retype' as const), key: fc.constantFrom(...keys), value: wrongTyped() }),
    fc.record({
      op: fc.constant('oversize' as const),
      key: fc.constantFrom(...keys),
      size: fc.constantFrom(64, 101, 201, 321, 401, 1001, 1601, 10_001),
    }),
    fc.record({
      op: fc.constant('inject' as const),
      key: fc.constantFrom(...keys),
      value: hostileString(),
      at: fc.constantFrom('start', 'middle', 'end', 'replace'),
    }),
    fc.record({ op: fc.constant('extra' as const), key: hostileString(), value: fc.jsonValue() }),
  );
  return fc.array(mutation, { minLength: 1, maxLength: 3 }).map((mutations) => {
    const body: Record<string, unknown> = structuredClone(valid);
    for (const m of mutations) {
      const current = body[m.key];
      switch (m.op) {
        case 'drop':
          delete body[m.key];
          break;
        case 'retype':
          body[m.key] = m.value;
          break;
        case 'oversize':
          body[m.key] = typeof current === 'string' ? current + 'x'.repeat(m.size) : 'x'.repeat(m.size);
          break;
        case 'inject': {
          const base = typeof current === 'string' ? current : '';
          const half = Math.floor(base.length / 2);
          body[m.key] =
            m.at === 'start'
              ? m.value + base
              : m.at === 'end'
                ? base + m.value
                : m.at === 'middle'
                  ? base.slice(0, half) + m.value + base.slice(half)
                  : m.value;
          break;
        }
        case 'extra':
          Object.defineProperty(body, m.key, {
            value: m.value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
          break;
      }
    }
    return body;
  });
}

/** Any JSON text, or none, or something that is not JSON at all. */
export const anyBody = (): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    fc.anything({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.json({ maxDepth: 3 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constantFrom('', '{', '[1,', '{"a":}', 'null', '"text"', '1e999', '{"__proto__":{"x":1}}'),
  );

/** What a property saw: answers by class, and what reached the providers. */
export interface Tally {
  runs: number;
  s2xx: number;
  s4xx: number;
  s5xx: number;
  /** Answers that say a message went out (2xx with a message id). */
  sentAnswers: number;
}

export const newTally = (): Tally => ({ runs: 0, s2xx: 0, s4xx: 0, s5xx: 0, sentAnswers: 0 });

export function count(tally: Tally, status: number) {
  tally.runs++;
  if (status >= 500) tally.s5xx++;
  else if (status >= 400) tally.s4xx++;
  else tally.s2xx++;
}

/** Counts what reached the local SES and SMS outbox. */
export async function sentSoFar(gw: LocalGateway): Promise<number> {
  return (await gw.sentEmails()).length + gw.sms.outbox.length;
}

/** Prints the figures, then asserts: no 5xx, and every message that reached a provider was answered as sent. */
export function report(label: string, tally: Tally, sent: number) {
  console.log(
    `hostile input: ${label}: runs ${tally.runs}, 4xx ${tally.s4xx}, 2xx ${tally.s2xx}, 5xx ${tally.s5xx}, sent ${sent}`,
  );
  expect(tally.s5xx, `${label}: 5xx answers`).toBe(0);
  expect(sent, `${label}: messages sent beyond those answered as sent`).toBe(tally.sentAnswers);
}

/** A SendEmail request to the SES-compatible endpoint, signed with SigV4 by `credentials` (or unsigned). */
export async function sesRequest(
  gw: LocalGateway,
  payload: string,
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined,
): Promise<{ status: number; body: { __type?: string; message?: string; MessageId?: string } | undefined }> {
  const url = new URL(`${gw.apiUrl}/v2/email/outbound-emails`);
  const headers =
    credentials === undefined
      ? { host: url.host, 'content-type': 'application/json' }
      : await signSesPost(url, payload, credentials);
  const response = await fetch(url, { method: 'POST', headers, body: payload });
  const text = await response.text();
  let body: { __type?: string; message?: string; MessageId?: string } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}
