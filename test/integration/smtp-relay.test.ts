import { execFile } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbStores } from '../../shared/adapters/dynamodb-stores';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { sesSmtpPassword } from '../../shared/domain/smtp-submission';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { EmailProviderError } from '../../shared/ports/email-sender';
import type { Dependencies } from '../../shared/services/dependencies';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The SMTP submission relay against the real local stack (DynamoDB Local, local SES, the real
 * relay on smtp-server), driven by real clients: nodemailer's SMTP transport, Debian's swaks,
 * and a raw socket for what no well-behaved client sends.
 */
let gw: LocalGateway;
let real: Dependencies;
/** A credential with no purpose scope (the purpose comes from the header). */
let open: { user: string; pass: string };
/** A credential scoped to the one purpose `newsletter`: recipients are decided at RCPT TO. */
let newsletterOnly: { user: string; pass: string };

const NEWS = 'Demo Shop <news@shop.example>';

async function credential(body: Record<string, unknown>) {
  const r = await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body });
  expect(r.status).toBe(201);
  return { user: r.body.accessKeyId as string, pass: r.body.secretAccessKey as string };
}

beforeAll(async () => {
  gw = await startLocalGateway({ smtp: true });
  real = runtimeDependencies();
  open = await credential({ label: 'campaign tool' });
  newsletterOnly = await credential({ label: 'newsletter tool', scopes: { purposes: ['newsletter'] } });
  for (const to of ['ann@example.org', 'ben@example.org', 'cat@example.org', 'dan@example.org']) {
    const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(to) });
    expect(r.status).toBe(201);
  }
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  await gw?.stop();
});

function transport(
  auth: { user: string; pass: string },
  options: { secure?: boolean; authMethod?: string } = {},
) {
  const secure = options.secure ?? false;
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: secure ? gw.smtp!.tlsPort : gw.smtp!.port,
    secure,
    requireTLS: !secure,
    auth,
    authMethod: options.authMethod,
    // The local relay's self-signed certificate, trusted as its own CA (SAN 127.0.0.1).
    tls: { ca: gw.smtp!.cert },
  });
}

const mail = (to: string | string[], extra: Record<string, unknown> = {}) => ({
  from: NEWS,
  to,
  subject: 'Autumn books',
  text: 'Ten novels for long evenings.',
  html: '<html><body><p>Ten novels for long evenings.</p></body></html>',
  headers: { 'X-Consent-Gate-Purpose': 'newsletter' },
  ...extra,
});

/** Each copy handed to SES for this envelope recipient, parsed as the recipient's mailbox would. */
const delivered = (to: string) =>
  Promise.all(
    gw.outbox.emails
      .filter((e) => e.request.Destination?.ToAddresses?.includes(to))
      .map(async (e) => {
        const parsed = await simpleParser(Buffer.from(e.request.Content?.Raw?.Data ?? '', 'base64'));
        const header = (name: string) => parsed.headerLines.find((h) => h.key === name)?.line;
        return { sesMessageId: e.sesMessageId, subject: parsed.subject, parsed, header };
      }),
  );

/** SMTP by hand, for what no client library sends: each call writes a line and reads the reply. */
class RawSmtp {
  private buffer = '';
  private waiters: (() => void)[] = [];
  private constructor(private socket: Socket) {
    this.listen(socket);
  }
  static async open(port: number): Promise<RawSmtp> {
    const socket = netConnect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const smtp = new RawSmtp(socket);
    await smtp.reply();
    return smtp;
  }
  private listen(socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer += chunk.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }
  get closed() {
    return this.socket.destroyed || this.socket.readableEnded;
  }
  /** The next complete reply (multi-line replies whole). */
  async reply(): Promise<string> {
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(this.buffer);
      if (m) {
        this.buffer = this.buffer.slice(m[0].length);
        return m[0];
      }
      if (this.closed) return '';
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
  async send(line: string | Buffer): Promise<string> {
    this.socket.write(typeof line === 'string' ? `${line}\r\n` : line);
    return this.reply();
  }
  write(data: string | Buffer) {
    this.socket.write(data);
  }
  /** STARTTLS: the same connection, now under TLS. */
  async startTls(): Promise<void> {
    expect(await this.send('STARTTLS')).toMatch(/^220 /);
    const secure = tlsConnect({ socket: this.socket, ca: gw.smtp!.cert, servername: 'localhost' });
    await new Promise((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    this.socket = secure;
    this.listen(secure);
  }
  async login(auth: { user: string; pass: string }) {
    await this.send('EHLO client.example');
    await this.startTls();
    await this.send('EHLO client.example');
    const token = Buffer.from(`\0${auth.user}\0${auth.pass}`).toString('base64');
    return this.send(`AUTH PLAIN ${token}`);
  }
  end() {
    this.socket.destroy();
  }
}

describe('sending through the relay', () => {
  it('STARTTLS and AUTH PLAIN: a consented recipient gets the message with the unsubscribe link and headers; the purpose header is taken out', async () => {
    const info = await transport(open, { authMethod: 'PLAIN' }).sendMail(mail('ann@example.org'));
    expect(info.accepted).toEqual(['ann@example.org']);
    expect(info.response).toMatch(/^250 2\.0\.0 Sent to 1 recipient\(s\) id=\S+$/);
    const [email] = await delivered('ann@example.org');
    expect(email).toBeDefined();
    // The reply's id is SES's own id of the copy.
    expect(info.response).toContain(`id=${email!.sesMessageId}`);
    const parsed = email!.parsed;
    expect(email!.header('list-unsubscribe')).toMatch(
      /^List-Unsubscribe:\s+<http:\/\/127\.0\.0\.1:\d+\/u\/[^>]+>$/,
    );
    expect(email!.header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(email!.header('x-consent-gate-purpose')).toBeUndefined();
    expect(parsed.text).toMatch(/\/u\//);
    expect(parsed.html).toMatch(/href="http:\/\/127\.0\.0\.1:\d+\/u\//);
  });

  it("implicit TLS and AUTH LOGIN; SES's derived SMTP password of the same secret logs in too", async () => {
    const info = await transport(open, { secure: true, authMethod: 'LOGIN' }).sendMail(
      mail('ben@example.org'),
    );
    expect(info.response).toMatch(/^250 2\.0\.0 Sent to 1 recipient/);
    const smtpPassword = { user: open.user, pass: sesSmtpPassword(open.pass, 'eu-west-3') };
    const again = await transport(smtpPassword, { secure: true }).sendMail(
      mail('ben@example.org', { subject: 'Winter books' }),
    );
    expect(again.response).toMatch(/^250 /);
    expect((await delivered('ben@example.org')).map((e) => e.subject)).toEqual([
      'Autumn books',
      'Winter books',
    ]);
  });

  it('a refused recipient: 550 5.7.1 with the reason codes and rule ids, nothing sent', async () => {
    const error = await transport(open)
      .sendMail(mail('erin@example.org'))
      .catch((e: { responseCode?: number; response?: string }) => e);
    expect(error).toMatchObject({ responseCode: 550 });
    expect((error as { response: string }).response).toBe(
      '550 5.7.1 Refused by consent-gate, nothing sent: erin@example.org: consent_missing, soft_opt_in_not_applicable (R1, R2)',
    );
    expect(await delivered('erin@example.org')).toEqual([]);
  });

  it('mixed recipients at the end of DATA: sent to the allowed ones, the 250 names the refused one', async () => {
    const info = await transport(open).sendMail(mail(['cat@example.org', 'fay@example.org']));
    expect(info.response).toMatch(
      /^250 2\.0\.0 Sent to 1 of 2 recipient\(s\) id=\S+; refused by consent-gate, not sent: fay@example\.org: consent_missing, soft_opt_in_not_applicable \(R1, R2\)$/,
    );
    expect(await delivered('cat@example.org')).toHaveLength(1);
    expect(await delivered('fay@example.org')).toEqual([]);
    // The refused recipient's decision is in the audit trail, as at the SES endpoint.
    const key = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'email', address: 'fay@example.org', audience: 'consumer' },
      })
    ).body.recipientKey;
    const audit = await gw.call('GET', `/v1/recipients/${key}/audit`, { key: gw.adminKey });
    expect(JSON.stringify(audit.body)).toContain('"type":"decision.rejected"');
  });

  it('a credential scoped to one purpose: each recipient decided at RCPT TO, a refused one 550 5.7.1, no header needed', async () => {
    const info = await transport(newsletterOnly).sendMail(
      mail(['dan@example.org', 'gus@example.org'], { headers: {} }),
    );
    expect(info.accepted).toEqual(['dan@example.org']);
    expect(info.rejected).toEqual(['gus@example.org']);
    const [refusal] = info.rejectedErrors as unknown as { response: string }[];
    expect(refusal!.response).toBe(
      '550 5.7.1 Refused by consent-gate: consent_missing (R1), soft_opt_in_not_applicable (R2)',
    );
    expect(info.response).toMatch(/^250 2\.0\.0 Sent to 1 recipient/);
    expect(await delivered('dan@example.org')).toHaveLength(1);
  });

  it('no purpose: 550 5.7.1 naming the header', async () => {
    const error = await transport(open)
      .sendMail(mail('ann@example.org', { headers: {} }))
      .catch((e: { response?: string }) => e);
    expect((error as { response: string }).response).toMatch(
      /^550 5\.7\.1 No purpose: add the header "X-Consent-Gate-Purpose: <purpose id>"/,
    );
  });

  it('an undeclared purpose, whatever its name: 550 5.7.1 unknown_purpose (never a retryable 451)', async () => {
    // `constructor` is a valid purpose id and a member of every object's prototype.
    for (const purpose of ['garden-tools', 'constructor']) {
      const error = await transport(open)
        .sendMail(mail('ann@example.org', { headers: { 'X-Consent-Gate-Purpose': purpose } }))
        .catch((e: { response?: string }) => e);
      expect((error as { response: string }).response).toBe(
        `550 5.7.1 Message rejected by consent-gate: unknown_purpose: purpose "${purpose}" is not declared`,
      );
    }
  });

  it("a MAIL FROM that is not the tenant's: 550 5.7.1 sender_not_allowed", async () => {
    const error = await transport(open)
      .sendMail(mail('ann@example.org', { envelope: { from: 'news@other.example', to: 'ann@example.org' } }))
      .catch((e: { response?: string }) => e);
    expect((error as { response: string }).response).toMatch(
      /^550 5\.7\.1 MAIL FROM <news@other\.example> is not one of this tenant's sending identities \(R10\)/,
    );
  });

  it('the same message sent again after a failure (same Message-ID) sends no copy twice', async () => {
    // The second recipient's copy fails once at SES: the client gets a 451 and sends the message again.
    let failures = 0;
    setDependencies({
      ...real,
      email: {
        ...real.email,
        send: (e) => real.email.send(e),
        sendRaw: async (e) => {
          if (e.to === 'ben@example.org' && failures++ === 0) throw new EmailProviderError('SES down (test)');
          return real.email.sendRaw(e);
        },
      },
    });
    const message = mail(['ann@example.org', 'ben@example.org'], {
      subject: 'Retried',
      messageId: '<retry-1@shop.example>',
    });
    const first = await transport(open)
      .sendMail(message)
      .catch((e: { response?: string }) => e);
    expect((first as { response: string }).response).toMatch(/^451 4\.3\.0 /);
    const second = await transport(open).sendMail(message);
    expect(second.response).toMatch(/^250 2\.0\.0 Sent to 2 recipient/);
    const copies = [...(await delivered('ann@example.org')), ...(await delivered('ben@example.org'))].filter(
      (e) => e.subject === 'Retried',
    );
    expect(copies).toHaveLength(2);
  });
});

describe('the local stack', () => {
  it("names the relay's ports on its index page", async () => {
    const page = await gw.call('GET', '/');
    expect(page.text).toContain(
      `SMTP relay: <code>127.0.0.1</code> port ${gw.smtp!.port} (STARTTLS) or ${gw.smtp!.tlsPort} (implicit TLS)`,
    );
  });
});

describe('authentication', () => {
  it('a wrong password: 535 5.7.8; an unknown key id too', async () => {
    for (const auth of [
      { user: open.user, pass: 'wrong' },
      { user: 'CGAKAAAAAAAAAAAAAAAA', pass: open.pass },
    ]) {
      const error = await transport(auth)
        .verify()
        .catch((e: { responseCode?: number; response?: string }) => e);
      expect(error).toMatchObject({ responseCode: 535 });
      expect((error as { response: string }).response).toBe('535 5.7.8 Authentication credentials invalid');
    }
  });

  it('AUTH is not offered before STARTTLS and is refused there; after STARTTLS it is offered', async () => {
    const smtp = await RawSmtp.open(gw.smtp!.port);
    const ehlo = await smtp.send('EHLO client.example');
    expect(ehlo).toContain('STARTTLS');
    expect(ehlo).not.toMatch(/AUTH/);
    expect(
      await smtp.send(`AUTH PLAIN ${Buffer.from(`\0${open.user}\0${open.pass}`).toString('base64')}`),
    ).toMatch(/^538 /);
    expect(await smtp.send('MAIL FROM:<news@shop.example>')).toMatch(/^530 /);
    await smtp.startTls();
    expect(await smtp.send('EHLO client.example')).toMatch(/AUTH PLAIN LOGIN/);
    smtp.end();
  });

  it('the third failed AUTH on a connection closes it (421)', async () => {
    const smtp = await RawSmtp.open(gw.smtp!.port);
    await smtp.send('EHLO client.example');
    await smtp.startTls();
    await smtp.send('EHLO client.example');
    const bad = `AUTH PLAIN ${Buffer.from(`\0${open.user}\0nope`).toString('base64')}`;
    expect(await smtp.send(bad)).toMatch(/^535 5\.7\.8 /);
    expect(await smtp.send(bad)).toMatch(/^535 5\.7\.8 /);
    expect(await smtp.send(bad)).toMatch(/^421 4\.7\.0 Too many failed authentications/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.closed).toBe(true);
  });
});

describe('limits and failures', () => {
  it('a message over SIZE: 552 5.3.4', async () => {
    const big = 'x'
      .repeat(76)
      .concat('\r\n')
      .repeat(Math.ceil((4 * 1024 * 1024) / 78) + 10);
    const error = await transport(open)
      .sendMail(mail('ann@example.org', { text: big, html: undefined }))
      .catch((e: { response?: string }) => e);
    expect((error as { response: string }).response).toMatch(/^552 5\.3\.4 /);
  });

  it('more than 50 RCPT TO: the 51st gets 452 4.5.3', async () => {
    const smtp = await RawSmtp.open(gw.smtp!.port);
    expect(await smtp.login(open)).toMatch(/^235 /);
    expect(await smtp.send('MAIL FROM:<news@shop.example>')).toMatch(/^250 /);
    for (let i = 0; i < 50; i++) expect(await smtp.send(`RCPT TO:<r${i}@example.org>`)).toMatch(/^250 /);
    expect(await smtp.send('RCPT TO:<r50@example.org>')).toMatch(/^452 4\.5\.3 /);
    smtp.end();
  });

  it('the store unreachable: 451 4.3.0, nothing sent (the client keeps the message and retries)', async () => {
    const stores = createDynamoDbStores(
      createDocumentClient(new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 })),
      gw.tableName,
    );
    const before = gw.outbox.emails.length;
    // The credential was read at AUTH, with the real store; then the store goes away.
    const smtp = await RawSmtp.open(gw.smtp!.port);
    expect(await smtp.login(open)).toMatch(/^235 /);
    setDependencies({ ...real, ...stores });
    expect(await smtp.send('MAIL FROM:<news@shop.example>')).toMatch(/^451 4\.3\.0 /);
    setDependencies({ ...real, store: stores.store });
    expect(await smtp.send('MAIL FROM:<news@shop.example>')).toMatch(/^250 /);
    expect(await smtp.send('RCPT TO:<ann@example.org>')).toMatch(/^250 /);
    expect(await smtp.send('DATA')).toMatch(/^354 /);
    const reply = await smtp.send(
      'From: news@shop.example\r\nTo: ann@example.org\r\nSubject: Outage\r\nX-Consent-Gate-Purpose: newsletter\r\n\r\nHello.\r\n.',
    );
    expect(reply).toMatch(/^451 4\.3\.0 Temporarily unavailable; nothing was sent/);
    expect(gw.outbox.emails.length).toBe(before);
    smtp.end();
  });

  it('malformed MIME: 554 5.6.0 naming the problem', async () => {
    const smtp = await RawSmtp.open(gw.smtp!.port);
    expect(await smtp.login(open)).toMatch(/^235 /);
    await smtp.send('MAIL FROM:<news@shop.example>');
    await smtp.send('RCPT TO:<ann@example.org>');
    await smtp.send('DATA');
    const reply = await smtp.send(
      'To: ann@example.org\r\nX-Consent-Gate-Purpose: newsletter\r\n\r\nNo From.\r\n.',
    );
    expect(reply).toMatch(
      /^554 5\.6\.0 The message cannot be sent as written: The raw message has no From header/,
    );
    smtp.end();
  });

  it('garbage, 8-bit bytes, a huge header and a client gone mid-DATA do not stop the relay', async () => {
    const smtp = await RawSmtp.open(gw.smtp!.port);
    expect(await smtp.send(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0d, 0x0a]))).toMatch(/^5\d\d /);
    expect(await smtp.send('HELO')).toMatch(/^501 /);
    smtp.write(`${'A'.repeat(70_000)}\r\n`);
    await smtp.reply();
    smtp.end();

    const mid = await RawSmtp.open(gw.smtp!.port);
    expect(await mid.login(open)).toMatch(/^235 /);
    await mid.send('MAIL FROM:<news@shop.example>');
    await mid.send('RCPT TO:<ann@example.org>');
    expect(await mid.send('DATA')).toMatch(/^354 /);
    mid.write(
      `From: news@shop.example\r\nX-Long: ${'h'.repeat(200_000)}\r\nSubject: \u00e9\u00ff\r\n\r\nhalf a mess`,
    );
    mid.end();

    const eightBit = await RawSmtp.open(gw.smtp!.port);
    expect(await eightBit.login(open)).toMatch(/^235 /);
    await eightBit.send('MAIL FROM:<news@shop.example> BODY=8BITMIME');
    await eightBit.send('RCPT TO:<ann@example.org>');
    await eightBit.send('DATA');
    const reply = await eightBit.send(
      Buffer.concat([
        Buffer.from('From: news@shop.example\r\nTo: ann@example.org\r\nSubject: 8-bit\r\n'),
        Buffer.from('X-Consent-Gate-Purpose: newsletter\r\nContent-Type: text/plain; charset=utf-8\r\n'),
        Buffer.from('Content-Transfer-Encoding: 8bit\r\n\r\nCaf\u00e9 cr\u00e8me \u2014 ', 'utf8'),
        Buffer.from([0xc3, 0xa9, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a]),
      ]),
    );
    expect(reply).toMatch(/^250 2\.0\.0 Sent to 1 recipient/);
    eightBit.end();

    // Still serving.
    const info = await transport(open).sendMail(mail('ann@example.org', { subject: 'Still here' }));
    expect(info.response).toMatch(/^250 /);
  });
});

describe('swaks (Debian)', () => {
  const swaks = (args: string[]) =>
    promisify(execFile)('swaks', args).then(
      ({ stdout }) => ({ code: 0, out: stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }),
    );
  const common = () => [
    '--server',
    '127.0.0.1',
    '--port',
    String(gw.smtp!.port),
    '--tls',
    '--auth',
    'PLAIN',
    '--auth-user',
    open.user,
    '--auth-password',
    open.pass,
    '--from',
    'news@shop.example',
    '--header',
    'X-Consent-Gate-Purpose: newsletter',
    '--header',
    'Subject: From swaks',
  ];

  it('STARTTLS + AUTH PLAIN: sent', async () => {
    const { code, out } = await swaks([...common(), '--to', 'ann@example.org']);
    expect(out).toMatch(/<~ {1,2}250 2\.0\.0 Sent to 1 recipient/);
    expect(code).toBe(0);
    expect((await delivered('ann@example.org')).some((e) => e.subject === 'From swaks')).toBe(true);
  });

  it('a refused recipient: 550 5.7.1 with the reasons, swaks fails', async () => {
    const { code, out } = await swaks([...common(), '--to', 'erin@example.org']);
    expect(out).toContain(
      '550 5.7.1 Refused by consent-gate, nothing sent: erin@example.org: consent_missing',
    );
    expect(code).not.toBe(0);
  });
});
