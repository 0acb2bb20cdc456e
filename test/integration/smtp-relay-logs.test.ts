import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';

// Powertools reads the level when the logger is made: set it before.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway({ smtp: true });
});
afterAll(async () => {
  await gw?.stop();
});

it('the relay logs each outcome, never an address, a secret or the message', async () => {
  const open = (await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: { label: 'a' } })).body;
  const scoped = (
    await gw.call('POST', '/v1/credentials', {
      key: gw.adminKey,
      body: { label: 'b', scopes: { purposes: ['newsletter'] } },
    })
  ).body;
  await gw.call('POST', '/v1/consents', {
    key: gw.adminKey,
    body: provableConsent('grace.smtp@example.org'),
  });
  const transport = (user: string, pass: string) =>
    nodemailer.createTransport({
      host: '127.0.0.1',
      port: gw.smtp!.port,
      requireTLS: true,
      auth: { user, pass },
      tls: { ca: gw.smtp!.cert },
    });
  const message = (to: string[]) => ({
    from: 'news@shop.example',
    to,
    subject: 'Secret subject line',
    text: 'A body nobody logs.',
    headers: { 'X-Consent-Gate-Purpose': 'newsletter' },
  });
  const lines: string[] = [];
  // Powertools writes INFO to stdout, WARN and ERROR to stderr: both are read.
  const [out, err] = [process.stdout.write, process.stderr.write];
  const capture = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    await transport(open.accessKeyId, open.secretAccessKey).sendMail(
      message(['grace.smtp@example.org', 'hidden.smtp@example.org']),
    );
    await transport(scoped.accessKeyId, scoped.secretAccessKey)
      .sendMail(message(['refused.smtp@example.org']))
      .catch(() => undefined);
    await transport(open.accessKeyId, 'wrong-password')
      .verify()
      .catch(() => undefined);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const output = lines.join('');
  expect(output).toContain('"message":"smtp auth"');
  expect(output).toContain('"message":"smtp message"');
  expect(output).toContain('"message":"smtp recipient refused"');
  expect(output).toContain('"message":"smtp auth refused"');
  expect(output).toContain('"message":"message sent"');
  expect(output).not.toMatch(/grace\.smtp|hidden\.smtp|refused\.smtp|Secret subject|nobody logs/);
  expect(output).not.toContain(open.secretAccessKey);
  expect(output).not.toContain('wrong-password');
});
