import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

// Powertools resets the level to its initial value at each invocation: set it before the logger exists.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  await gw?.stop();
});

it('logs never contain an address in clear', async () => {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: provableConsent('grace.hopper@example.org'),
    });
    await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('grace.hopper@example.org'),
    });
    await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter('nobody.else@example.org') });
    // The preference centre, the export and the erasure log too.
    const link = await gw.call('POST', '/v1/links', {
      key: gw.adminKey,
      body: { channel: 'email', address: 'grace.hopper@example.org', kind: 'preferences' },
    });
    const path = new URL(link.body.url).pathname;
    const form = (action: string) => ({
      body: `action=${action}&purpose=newsletter`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    await gw.call('POST', path, form('save'));
    await gw.call('POST', path, form('stop_all'));
    await gw.call('POST', path, form('forget_confirmed'));
    // The bulk queue: a sent, a refused and an invalid message.
    await gw.call('POST', '/local/bulk-queue/messages', {
      key: gw.senderKey,
      body: [
        newsletter('grace.hopper@example.org'),
        newsletter('ada.queue@example.org'),
        { ...newsletter('ada.invalid@example.org'), subject: '' },
      ],
    });
    await gw.call('GET', '/local/bulk-queue?wait');
  } finally {
    process.stdout.write = write;
  }
  const output = lines.join('');
  expect(output).toContain('"message":"message sent"');
  expect(output).toContain('"message":"message rejected"');
  expect(output).toContain('"recipientKey"');
  expect(output).toContain('"message":"preferences saved"');
  expect(output).toContain('"message":"recipient erased"');
  expect(output).not.toMatch(/grace\.hopper|nobody\.else|ada\.queue|ada\.invalid/);
});
