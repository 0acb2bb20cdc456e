import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { inject } from 'vitest';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/local-stack';
import { seedDemo } from '../../infra/local/seed';
import type { RateLimit } from '../../shared/domain/rate-limit';
import { runtimeDependencies } from '../../shared/http/runtime';

/**
 * The real local stack for integration tests: DynamoDB Local (in memory, one engine per
 * test run, a table per gateway) and aws-ses-v2-local on ports chosen at run time, the
 * real handlers behind the local HTTP adapter, the demo tenant.
 */
export interface LocalGateway extends LocalStack {
  /** The stack's folder (keys.json), removed by stop(). */
  readonly dir: string;
  readonly adminKey: string;
  readonly senderKey: string;
  /** The operator key: creates tenants and assigns sending identities (/v1/operator/…). */
  readonly operatorKey: string;
  /** The demo tenant's compliance key: reads only. */
  readonly complianceKey: string;
  /** Calls the gateway's API as a client would. */
  call(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{
    status: number;
    // biome-ignore lint/suspicious/noExplicitAny: tests read answers of many shapes; assertions check them.
    body: any;
    text: string;
    headers: Headers;
  }>;
  /** Messages held by the local SES. */
  sentEmails(): Promise<StoredEmail[]>;
  /** A delivered message as the recipient's mailbox would parse it (the EML the local SES builds). */
  deliveredMessage(sesMessageId: string): ReturnType<typeof simpleParser>;
}

export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
}

export interface LocalGatewayOptions {
  /** The construct's limits, applied locally (all off by default). */
  readonly limits?: {
    readonly public: RateLimit;
    readonly authenticated: RateLimit;
    readonly perKey?: RateLimit;
  };
  /** R10 / RFC 2369: the inbound domain of mailto: unsubscribe addresses; off when absent. */
  readonly unsubscribeMailDomain?: string;
  /** The console's user pool on cognito-local (test/support/cognito-local.ts); off when absent. */
  readonly consoleUserPool?: LocalStackOptions['consoleUserPool'];
  /** Starts the SMTP relay too, on free ports (`true`), or with these options. */
  readonly smtp?: boolean | { readonly authFailureDelayMs?: number };
}

/** The run's shared DynamoDB Local (test/support/dynamodb-local-setup.ts); undefined without that globalSetup. */
export async function sharedDynamoDb(): Promise<string | undefined> {
  const broker = inject('dynamodbLocalBroker');
  if (!broker) return undefined;
  const response = await fetch(broker, { method: 'POST' });
  if (!response.ok) throw new Error(`DynamoDB Local did not start: ${await response.text()}`);
  return ((await response.json()) as { url: string }).url;
}

/** Gives back a lease taken by sharedDynamoDb (the broker stops a retired engine once all are back). */
export async function releaseDynamoDb(url: string | undefined): Promise<void> {
  const broker = inject('dynamodbLocalBroker');
  if (!broker || url === undefined) return;
  await fetch(`${broker}/release?engine=${encodeURIComponent(url)}`, { method: 'POST' }).catch(
    () => undefined,
  );
}

export async function startLocalGateway(options: LocalGatewayOptions = {}): Promise<LocalGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'consent-gate-test-'));
  const { limits } = options;
  const dynamodbEndpoint = await sharedDynamoDb();
  const stack = await startLocalStack({
    dir,
    persist: false,
    dynamodbEndpoint,
    throttle: limits && { public: limits.public, authenticated: limits.authenticated },
    keyRateLimit: limits?.perKey,
    unsubscribeMailDomain: options.unsubscribeMailDomain,
    consoleUserPool: options.consoleUserPool,
    smtp: options.smtp
      ? {
          port: 0,
          tlsPort: 0,
          // A wrong password answered at once: the tests try several.
          authFailureDelayMs: typeof options.smtp === 'object' ? options.smtp.authFailureDelayMs : 0,
        }
      : undefined,
  });
  const { adminKey, senderKey, operatorKey, complianceKey } = await seedDemo(runtimeDependencies());
  return {
    ...stack,
    dir,
    adminKey,
    senderKey,
    operatorKey,
    complianceKey,
    stop: async () => {
      await stack.stop();
      await releaseDynamoDb(dynamodbEndpoint);
      rmSync(dir, { recursive: true, force: true });
    },
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key) headers.authorization = `Bearer ${options.key}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${stack.apiUrl}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, body: parsed, text, headers: response.headers };
    },
    async sentEmails() {
      const response = await fetch(`${stack.sesUrl}/store`);
      return ((await response.json()) as { emails: StoredEmail[] }).emails;
    },
    async deliveredMessage(sesMessageId) {
      const response = await fetch(
        `${stack.sesUrl}/get-emlContent?messageId=${encodeURIComponent(sesMessageId)}`,
      );
      // The local SES answers {messageId, fileName, body}, body being the EML as a serialised Buffer.
      const { body } = (await response.json()) as { body: { data: number[] } };
      return simpleParser(Buffer.from(body.data));
    },
  };
}

/** A consent with every piece of R3's proof. */
export function provableConsent(address: string, purpose = 'newsletter') {
  return {
    channel: 'email',
    address,
    purpose,
    givenAt: new Date(Date.now() - 86_400_000).toISOString(),
    method: 'web_form',
    wordingVersion: 'newsletter-v1',
    source: 'https://shop.example/signup',
    controllers: ['Demo Shop'],
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
  };
}

/**
 * An SMS consent with R3's proof (its wording given as text), given at `givenAt`: by default
 * 1 June 2026, before the fixed clocks of the SMS tests.
 */
export function smsConsent(address: string, givenAt = '2026-06-01T10:00:00Z') {
  return {
    channel: 'sms',
    address,
    purpose: 'newsletter',
    givenAt,
    method: 'web_form',
    wording: 'Yes, send me Demo Shop offers by SMS',
    source: 'https://shop.example/sms',
    controllers: ['Demo Shop'],
  };
}

/** A marketing SMS from the demo's short code. */
export function smsPromo(to: string, extra: Record<string, unknown> = {}) {
  return {
    channel: 'sms',
    purpose: 'newsletter',
    to,
    from: '36123',
    body: 'Demo Shop: -20% on books this week',
    ...extra,
  };
}

export function newsletter(to: string, extra: Record<string, unknown> = {}) {
  return {
    channel: 'email',
    purpose: 'newsletter',
    to,
    from: 'Demo Shop <news@shop.example>',
    subject: 'Our autumn reading list',
    html: '<html><body><h1>Autumn books</h1><p>Ten novels for long evenings.</p></body></html>',
    text: 'Autumn books\n\nTen novels for long evenings.',
    ...extra,
  };
}
