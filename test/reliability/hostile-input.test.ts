import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import {
  createCredentialSchema,
  createKeySchema,
  createLinkSchema,
  decisionRequestSchema,
  importRequestSchema,
  putRecipientSchema,
  putSmsSenderSchema,
  putWordingSchema,
  recordConsentSchema,
  recordObjectionSchema,
  recordSuppressionSchema,
  recordWithdrawalSchema,
} from '../../shared/schemas/api';
import {
  MAX_HTML_LENGTH,
  MAX_SMS_BODY_LENGTH,
  MAX_TEXT_LENGTH,
  sendMessageSchema,
} from '../../shared/schemas/message';
import { sesSendEmailSchema } from '../../shared/schemas/ses';
import { purposeInputSchema, smsSettingsSchema } from '../../shared/schemas/tenant';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import {
  anyBody,
  CONTROL_CHARACTERS,
  count,
  hostileString,
  mutated,
  newTally,
  RUNS,
  report,
  SEED,
  sentSoFar,
  sesRequest,
  type Tally,
} from './hostile';

/**
 * Hostile input, part 1: every JSON route of infra/entry-points.ts meets random and mutated
 * bodies through HTTP. The route's own zod schema is the oracle: a body it refuses must be
 * answered 400 with `issues[].field`; a body it accepts may be acted on, never with a 5xx.
 * Messages in the local SES and SMS outbox are counted before and after: every one must
 * have been answered as sent (so a refused body never sends).
 */
let gw: LocalGateway;
let credentials: { accessKeyId: string; secretAccessKey: string };
const EMAIL = 'hostile@example.org';
const OTHER = 'hostile-admin@example.org';
const PHONE = '+33612340077';

beforeAll(async () => {
  gw = await startLocalGateway();
  const consent = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(EMAIL) });
  expect(consent.status).toBe(201);
  credentials = (await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: {} })).body;
});
afterAll(async () => {
  await gw?.stop();
});

interface JsonRoute {
  readonly method: string;
  readonly path: string;
  readonly key: 'admin' | 'sender';
  readonly schema: z.ZodType;
  readonly valid: Record<string, unknown>;
  /** The handler reads an absent body as `{}`. */
  readonly absentIsEmpty?: boolean;
  /** The handler reads a JSON string as the CSV itself. */
  readonly stringIsCsv?: boolean;
}

const JSON_ROUTES: readonly JsonRoute[] = [
  {
    method: 'POST',
    path: '/v1/messages',
    key: 'sender',
    schema: sendMessageSchema,
    valid: newsletter(EMAIL),
  },
  {
    method: 'POST',
    path: '/v1/messages',
    key: 'sender',
    schema: sendMessageSchema,
    valid: { channel: 'sms', purpose: 'order-updates', to: PHONE, from: '36123', body: 'Order shipped' },
  },
  {
    method: 'POST',
    path: '/v1/decisions',
    key: 'sender',
    schema: decisionRequestSchema,
    valid: { channel: 'email', purpose: 'newsletter', to: EMAIL, from: 'Demo Shop <news@shop.example>' },
  },
  {
    method: 'PUT',
    path: '/v1/purposes/fuzz',
    key: 'admin',
    schema: purposeInputSchema,
    valid: { name: 'Fuzz', category: 'marketing', productFamily: 'books', topics: ['it'], sensitive: false },
  },
  {
    method: 'PUT',
    path: '/v1/wordings/fuzz-v1',
    key: 'admin',
    schema: putWordingSchema,
    valid: { text: 'Yes, I want the fuzz letter.' },
  },
  {
    method: 'POST',
    path: '/v1/keys',
    key: 'admin',
    schema: createKeySchema,
    valid: { role: 'sender', label: 'fuzz' },
    absentIsEmpty: true,
  },
  {
    method: 'POST',
    path: '/v1/credentials',
    key: 'admin',
    schema: createCredentialSchema,
    valid: { label: 'fuzz' },
    absentIsEmpty: true,
  },
  {
    method: 'PUT',
    path: '/v1/recipients',
    key: 'admin',
    schema: putRecipientSchema,
    valid: { channel: 'email', address: OTHER, audience: 'consumer', professionalTopics: ['it'] },
  },
  {
    method: 'POST',
    path: '/v1/links',
    key: 'admin',
    schema: createLinkSchema,
    valid: { channel: 'email', address: OTHER, kind: 'consent', purposes: ['newsletter'] },
  },
  {
    method: 'POST',
    path: '/v1/consents',
    key: 'admin',
    schema: recordConsentSchema,
    valid: provableConsent(OTHER),
  },
  {
    method: 'POST',
    path: '/v1/withdrawals',
    key: 'admin',
    schema: recordWithdrawalSchema,
    valid: { channel: 'email', address: OTHER, purpose: 'newsletter', source: 'fuzz' },
  },
  {
    method: 'POST',
    path: '/v1/objections',
    key: 'admin',
    schema: recordObjectionSchema,
    valid: { channel: 'email', address: OTHER, scope: { type: 'purpose', purpose: 'newsletter' } },
  },
  {
    method: 'POST',
    path: '/v1/suppressions',
    key: 'admin',
    schema: recordSuppressionSchema,
    valid: { channel: 'email', address: OTHER, reason: 'bounce', source: 'fuzz' },
  },
  {
    method: 'PUT',
    path: '/v1/sms-senders/FUZZSMS',
    key: 'admin',
    schema: putSmsSenderSchema,
    valid: { type: 'alphanumeric', originationIdentity: 'sender-id/FUZZSMS/FR' },
  },
  {
    method: 'POST',
    path: '/v1/imports',
    key: 'admin',
    schema: importRequestSchema,
    valid: { csv: `address,channel,purpose\n${OTHER},email,newsletter\n`, mapping: { address: 'address' } },
    stringIsCsv: true,
  },
  {
    method: 'PUT',
    path: '/v1/settings/sms',
    key: 'admin',
    schema: smsSettingsSchema,
    valid: { defaultRegion: 'FR', maxSegments: 3 },
    absentIsEmpty: true,
  },
];

/** What the route must answer a body: 400 naming a field, or anything but a 5xx. */
function oracle(route: JsonRoute, text: string | undefined): 'refused' | 'accepted' {
  if (text === undefined || text === '') {
    return route.absentIsEmpty && route.schema.safeParse({}).success ? 'accepted' : 'refused';
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'refused';
  }
  if (route.stringIsCsv && typeof body === 'string') return 'accepted';
  // The handler reads `body ?? {}`: a JSON null counts as no body.
  if (route.absentIsEmpty && body === null) body = {};
  return route.schema.safeParse(body).success ? 'accepted' : 'refused';
}

/** The text exactly as the server reads it (lone surrogates become U+FFFD on the wire). */
const onTheWire = (text: string | undefined) =>
  text === undefined ? undefined : Buffer.from(text, 'utf8').toString('utf8');

function expectFieldError(label: string, answer: { status: number; body: unknown; text: string }) {
  expect(answer.status, `${label}: ${answer.text.slice(0, 300)}`).toBe(400);
  const body = answer.body as { error?: string; issues?: { field?: unknown; problem?: unknown }[] };
  expect(body?.error, label).toBe('invalid_request');
  expect(body.issues?.length, `${label}: issues`).toBeGreaterThan(0);
  for (const issue of body.issues ?? []) {
    expect(typeof issue.field === 'string' && issue.field.length > 0, `${label}: field named`).toBe(true);
    expect(typeof issue.problem === 'string' && issue.problem.length > 0, `${label}: problem said`).toBe(
      true,
    );
  }
}

describe('hostile input: every JSON request schema through HTTP', () => {
  it.each(
    JSON_ROUTES.map((r) => [`${r.method} ${r.path}${r.valid.channel === 'sms' ? ' (sms)' : ''}`, r] as const),
  )(
    '%s: random and mutated bodies are refused with a 400 naming the field, never a 5xx or a send',
    async (label, route) => {
      const tally: Tally = newTally();
      let refused = 0;
      const before = await sentSoFar(gw);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            anyBody(),
            mutated(route.valid).map((b) => JSON.stringify(b)),
          ),
          async (generated) => {
            const text = onTheWire(generated);
            const answer = await gw.call(route.method, route.path, {
              key: route.key === 'admin' ? gw.adminKey : gw.senderKey,
              body: text,
              headers: { 'content-type': 'application/json' },
            });
            count(tally, answer.status);
            if (answer.body?.decision === 'sent') tally.sentAnswers++;
            expect(answer.status, `${label}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
            if (oracle(route, text) === 'refused') {
              refused++;
              expectFieldError(label, answer);
            }
          },
        ),
        { numRuns: RUNS, seed: SEED },
      );
      report(`${label} (${refused} refused by the schema)`, tally, (await sentSoFar(gw)) - before);
      expect(refused, 'most generated bodies are invalid').toBeGreaterThan(RUNS / 2);
    },
    120_000,
  );

  it('path parameters: hostile purpose ids, identities, recipient keys, sender ids and wording versions are 4xx', async () => {
    const tally = newTally();
    const templates = [
      ['PUT', '/v1/purposes/{}', { name: 'x', category: 'marketing' }],
      ['PUT', '/v1/identities/{}', undefined],
      ['DELETE', '/v1/identities/{}', undefined],
      ['GET', '/v1/recipients/{}', undefined],
      ['GET', '/v1/recipients/{}/export', undefined],
      ['PUT', '/v1/sms-senders/{}', { type: 'alphanumeric', originationIdentity: 'x' }],
      ['PUT', '/v1/wordings/{}', { text: 'x' }],
    ] as const;
    // Raw (not encoded) segments too: a lone `%` or `%zz` is not a valid escape.
    const segment = fc.oneof(
      hostileString().map((v) => encodeURIComponent(onTheWire(v) ?? '')),
      fc.constantFrom('%', '%zz', '%25zz', '%E0%A4%A', '%C0%AF', '..', '%2e%2e', 'a'.repeat(400)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...templates), segment, async ([method, path, body], value) => {
        if (value === '') return;
        const answer = await gw.call(method, path.replace('{}', value), { key: gw.adminKey, body });
        count(tally, answer.status);
        expect(answer.status, `${method} ${path} with ${value}: ${answer.text.slice(0, 200)}`).toBeLessThan(
          500,
        );
      }),
      { numRuns: RUNS * 2, seed: SEED },
    );
    report('path parameters', tally, 0);
  }, 120_000);
});

describe('hostile input: the SES-compatible endpoint', () => {
  const sesValid = {
    FromEmailAddress: 'Demo Shop <news@shop.example>',
    Destination: { ToAddresses: [EMAIL] },
    EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
    Content: { Simple: { Subject: { Data: 'Autumn books' }, Body: { Text: { Data: 'Ten novels.' } } } },
  };

  it('without a signature, or with a wrong one, every body is refused with a 403 and nothing is sent', async () => {
    const tally = newTally();
    const before = await sentSoFar(gw);
    const wrong = { accessKeyId: credentials.accessKeyId, secretAccessKey: 'not-the-secret-0123456789' };
    const unknown = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: credentials.secretAccessKey };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyBody().map((b) => b ?? ''),
          fc.constant(JSON.stringify(sesValid)),
          mutated(sesValid).map((b) => JSON.stringify(b)),
        ),
        fc.constantFrom(undefined, wrong, unknown),
        async (payload, signer) => {
          const answer = await sesRequest(gw, payload, signer);
          count(tally, answer.status);
          expect(answer.status, JSON.stringify(answer.body)).toBe(403);
          expect(answer.body?.message?.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    report('SES endpoint, absent or wrong signature', tally, (await sentSoFar(gw)) - before);
  }, 120_000);

  it('signed, random and mutated bodies: 400 with a message naming the problem, never a 5xx or an unanswered send', async () => {
    const tally = newTally();
    const answered = new Set<string>();
    let refused = 0;
    const before = await sentSoFar(gw);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyBody().map((b) => b ?? ''),
          mutated(sesValid).map((b) => JSON.stringify(b)),
          mutated(sesValid.Content.Simple as unknown as Record<string, unknown>).map((simple) =>
            JSON.stringify({ ...sesValid, Content: { Simple: simple } }),
          ),
        ),
        async (generated) => {
          const payload = onTheWire(generated) ?? '';
          const answer = await sesRequest(gw, payload, credentials);
          count(tally, answer.status);
          // The same payload signed in the same second is the same request: a replay answers the first MessageId and sends nothing.
          if (answer.status === 200 && answer.body?.MessageId && !answered.has(answer.body.MessageId)) {
            answered.add(answer.body.MessageId);
            tally.sentAnswers++;
          }
          expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
          let parsed: unknown;
          try {
            parsed = JSON.parse(payload || '{}');
          } catch {
            parsed = Symbol('not json');
          }
          if (!sesSendEmailSchema.safeParse(parsed).success) {
            refused++;
            expect(answer.status).toBe(400);
            expect(answer.body?.__type).toBe('BadRequestException');
            expect(answer.body?.message ?? '', 'names a field').toMatch(/\S+: \S/);
          }
        },
      ),
      { numRuns: RUNS * 2, seed: SEED },
    );
    report(`SES endpoint, signed (${refused} refused by the schema)`, tally, (await sentSoFar(gw)) - before);
  }, 120_000);
});

/** Header names an injection would add; none may appear in a delivered message. */
const INJECTED = ['bcc', 'x-injected'];

async function lastDeliveredHeaders(): Promise<Map<string, unknown>> {
  const emails = await gw.sentEmails();
  return (await gw.deliveredMessage(emails.at(-1)!.messageId)).headers;
}

describe('hostile input: header injection', () => {
  const injection = fc
    .tuple(
      fc.constantFrom('subject', 'from', 'replyTo'),
      fc.constantFrom(...CONTROL_CHARACTERS),
      fc.constantFrom('Bcc: victim@example.net', 'X-Injected: yes', ' folded', ''),
    )
    .map(([field, control, line]) => ({ field, value: `${control}${line}` }));

  it('/v1/messages: CR/LF and control characters in subject, from and reply-to never reach a header', async () => {
    const tally = newTally();
    const before = await sentSoFar(gw);
    await fc.assert(
      fc.asyncProperty(injection, async ({ field, value }) => {
        const body = newsletter(EMAIL, { replyTo: 'Demo Shop <help@shop.example>' }) as Record<
          string,
          string
        >;
        body[field] =
          field === 'subject'
            ? `Autumn${value}`
            : field === 'from'
              ? `Demo${value} Shop <news@shop.example>`
              : `Help${value} <help@shop.example>`;
        const answer = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
        count(tally, answer.status);
        if (/[\r\n]/.test(value)) {
          expectFieldError(`${field} ${JSON.stringify(value)}`, answer);
          expect(answer.body.issues.map((i: { field: string }) => i.field)).toContain(field);
          return;
        }
        expect(answer.status, answer.text).toBeLessThan(500);
        if (answer.body?.decision === 'sent') {
          tally.sentAnswers++;
          const headers = await lastDeliveredHeaders();
          for (const name of INJECTED)
            expect(headers.has(name), `${name} injected by ${JSON.stringify(value)}`).toBe(false);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    report('header injection, /v1/messages', tally, (await sentSoFar(gw)) - before);
  }, 120_000);

  it('SES endpoint (simple): CR/LF in subject, from, reply-to and custom headers is a 400, never a send', async () => {
    const tally = newTally();
    const before = await sentSoFar(gw);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('Subject', 'FromEmailAddress', 'ReplyToAddresses', 'HeaderValue', 'HeaderName'),
        fc.constantFrom('\r\n', '\n', '\r'),
        fc.constantFrom('Bcc: victim@example.net', 'X-Injected: yes'),
        async (field, eol, line) => {
          const inject = `${eol}${line}`;
          const simple = {
            Subject: { Data: field === 'Subject' ? `Autumn${inject}` : 'Autumn' },
            Body: { Text: { Data: 'Ten novels.' } },
            Headers: [
              {
                Name: field === 'HeaderName' ? `X-Campaign${inject}` : 'X-Campaign',
                Value: field === 'HeaderValue' ? `autumn${inject}` : 'autumn',
              },
            ],
          };
          const payload = {
            FromEmailAddress:
              field === 'FromEmailAddress' ? `Demo${inject} <news@shop.example>` : 'news@shop.example',
            ReplyToAddresses: [
              field === 'ReplyToAddresses' ? `Help${inject} <help@shop.example>` : 'help@shop.example',
            ],
            Destination: { ToAddresses: [EMAIL] },
            EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
            Content: { Simple: simple },
          };
          const answer = await sesRequest(gw, JSON.stringify(payload), credentials);
          count(tally, answer.status);
          if (answer.status === 200) tally.sentAnswers++;
          expect(answer.status, `${field}: ${JSON.stringify(answer.body)}`).toBe(400);
          expect(answer.body?.message ?? '').toMatch(/line break/i);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    report('header injection, SES endpoint (simple)', tally, (await sentSoFar(gw)) - before);
  }, 120_000);

  it('SES endpoint (raw): injected Bcc lines and bare CR/LF never reach the message handed to SES', async () => {
    const tally = newTally();
    const answered = new Set<string>();
    const before = await sentSoFar(gw);
    // The local SES stores raw messages parsed, not as sent: keep the bytes handed to it.
    const real = runtimeDependencies();
    const rawSent: Buffer[] = [];
    setDependencies({
      ...real,
      email: {
        send: (email) => real.email.send(email),
        sendRaw: (email) => {
          rawSent.push(email.raw);
          return real.email.sendRaw(email);
        },
      },
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('\r\n', '\n', '\r'),
        fc.constantFrom(
          'Bcc: victim@example.net',
          'bcc:victim@example.net',
          'BCC: a@example.net,\r\n b@example.net',
        ),
        fc.constantFrom('before-subject', 'after-subject', 'last'),
        async (eol, bcc, where) => {
          const lines = [
            'From: Demo Shop <news@shop.example>',
            `To: ${EMAIL}`,
            'Subject: Autumn books',
            'MIME-Version: 1.0',
            'Content-Type: text/plain; charset=utf-8',
          ];
          const at = where === 'before-subject' ? 2 : where === 'after-subject' ? 3 : lines.length;
          lines.splice(at, 0, bcc);
          const raw = `${lines.join(eol)}${eol}${eol}Ten novels.${eol}`;
          const payload = {
            Destination: { ToAddresses: [EMAIL] },
            EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
            Content: { Raw: { Data: Buffer.from(raw).toString('base64') } },
          };
          const answer = await sesRequest(gw, JSON.stringify(payload), credentials);
          count(tally, answer.status);
          expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
          // The same payload signed in the same second is the same request: a replay answers the first MessageId and sends nothing.
          if (answer.status === 200 && !answered.has(answer.body?.MessageId ?? '')) {
            answered.add(answer.body?.MessageId ?? '');
            tally.sentAnswers++;
            const { headers } = await simpleParser(rawSent.at(-1)!);
            expect(headers.has('bcc'), `raw ${JSON.stringify(raw)}`).toBe(false);
            // mailparser files List-* headers under `list`.
            expect(rawSent.at(-1)!.toString('latin1')).toMatch(/^List-Unsubscribe: ?\r?\n? <http/im);
            expect(rawSent.at(-1)!.toString('latin1')).not.toMatch(/^bcc:/im);
          }
        },
      ),
      { numRuns: Math.ceil(RUNS / 2), seed: SEED },
    );
    setDependencies(real);
    report('header injection, SES endpoint (raw)', tally, (await sentSoFar(gw)) - before);
  }, 120_000);
});

describe('hostile input: oversized bodies', () => {
  const big = (n: number) => 'x'.repeat(n);
  it("above the schemas' limits: 400 naming the field; above 10 MiB: 413; never a 5xx or a send", async () => {
    const before = await sentSoFar(gw);
    const tally = newTally();
    const cases: [string, string, string, unknown, string | undefined][] = [
      ['html', 'POST', '/v1/messages', newsletter(EMAIL, { html: big(MAX_HTML_LENGTH + 1) }), 'html'],
      ['text', 'POST', '/v1/messages', newsletter(EMAIL, { text: big(MAX_TEXT_LENGTH + 1) }), 'text'],
      ['subject', 'POST', '/v1/messages', newsletter(EMAIL, { subject: big(999) }), 'subject'],
      ['to', 'POST', '/v1/messages', newsletter(`${big(330)}@example.org`), 'to'],
      [
        'sms body',
        'POST',
        '/v1/messages',
        {
          channel: 'sms',
          purpose: 'order-updates',
          to: PHONE,
          from: '36123',
          body: big(MAX_SMS_BODY_LENGTH + 1),
        },
        'body',
      ],
      [
        'recipients',
        'POST',
        '/v1/decisions',
        {
          channel: 'email',
          purpose: 'newsletter',
          from: 'news@shop.example',
          recipients: Array.from({ length: 1001 }, (_, i) => `r${i}@example.org`),
        },
        'recipients',
      ],
      ['csv', 'POST', '/v1/imports', { csv: big(2_000_001) }, 'csv'],
      ['whole body', 'POST', '/v1/messages', newsletter(EMAIL, { html: big(11 * 1024 * 1024) }), undefined],
    ];
    for (const [label, method, path, body, field] of cases) {
      const answer = await gw.call(method, path, {
        key: path === '/v1/imports' ? gw.adminKey : gw.senderKey,
        body,
      });
      count(tally, answer.status);
      if (field === undefined) {
        expect(answer.status, label).toBe(413);
        expect(answer.text).toMatch(/too large/i);
      } else {
        expectFieldError(label, answer);
        expect(
          answer.body.issues.map((i: { field: string }) => i.field),
          label,
        ).toContain(field);
      }
    }
    const ses = await sesRequest(
      gw,
      JSON.stringify({
        FromEmailAddress: 'news@shop.example',
        Destination: { ToAddresses: [EMAIL] },
        Content: { Simple: { Subject: { Data: 'x' }, Body: { Text: { Data: big(11 * 1024 * 1024) } } } },
      }),
      credentials,
    );
    count(tally, ses.status);
    expect(ses.status).toBe(413);
    report('oversized bodies', tally, (await sentSoFar(gw)) - before);
  }, 120_000);
});

describe('hostile input: regressions found by the properties', () => {
  it('a malformed percent escape in a path parameter is a 400, not a 500 (adapter and handler)', async () => {
    const adapter = await gw.call('PUT', '/v1/purposes/%', {
      key: gw.adminKey,
      body: { name: 'x', category: 'marketing' },
    });
    expect(adapter.status).toBe(400);
    const handler = await gw.call('PUT', '/v1/purposes/%25zz', {
      key: gw.adminKey,
      body: { name: 'x', category: 'marketing' },
    });
    expectFieldError('%25zz', handler);
    expect(handler.body.issues[0].field).toBe('path.purposeId');
  });

  it('SES endpoint: a line break in a custom header name or value, or in ReplyToAddresses, is a 400 and nothing is sent', async () => {
    const before = await sentSoFar(gw);
    const payload = (simple: object, replyTo = 'help@shop.example') => ({
      FromEmailAddress: 'news@shop.example',
      ReplyToAddresses: [replyTo],
      Destination: { ToAddresses: [EMAIL] },
      EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
      Content: { Simple: { Subject: { Data: 'x' }, Body: { Text: { Data: 'x' } }, ...simple } },
    });
    for (const body of [
      payload({ Headers: [{ Name: 'X-Campaign\r\nBcc: victim@example.net', Value: 'a' }] }),
      payload({ Headers: [{ Name: 'X-Campaign', Value: 'a\r\nBcc: victim@example.net' }] }),
      payload({}, 'help@shop.example\r\nBcc: victim@example.net'),
    ]) {
      const answer = await sesRequest(gw, JSON.stringify(body), credentials);
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body?.message).toMatch(/line breaks/);
    }
    expect((await sentSoFar(gw)) - before).toBe(0);
  });
});
