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
  expect(output).not.toMatch(/grace\.hopper|nobody\.else|ada\.queue|ada\.invalid/);
});
