import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { PDFDocument } from 'pdf-lib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { axeViolations, launchChromium } from '../support/browser';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { pdfText } from '../support/pdf-text';

/**
 * The evidence pack in real Chromium: a compliance officer justifies a message and downloads
 * its pack, then the recipient's from the Recipient page (playwright's download event); the
 * unzipped files pass `sha256sum -c SHA256SUMS`; the pages with the buttons pass axe-core.
 */
const CAROL = 'carol.evidence@example.org';
let gw: LocalGateway;
let browser: Browser;
let messageId: string;

beforeAll(async () => {
  [gw, browser] = await Promise.all([startLocalGateway(), launchChromium()]);
  await gw.call('PUT', '/v1/recipients', {
    key: gw.adminKey,
    body: { channel: 'email', address: CAROL, audience: 'consumer' },
  });
  expect(
    (await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(CAROL) })).status,
  ).toBe(201);
  const sent = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(CAROL) });
  expect(sent.status).toBe(202);
  messageId = sent.body.messageId;
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

async function noAxeViolation(page: Page, name: string) {
  const violations = (await axeViolations(page)).map((v) => `${v.id}: ${v.nodes[0]?.html}`);
  expect(violations, `${name}: axe violations`).toEqual([]);
}

/** The downloaded ZIP unzipped into a fresh directory, checked by the real `sha256sum -c`. */
function unzipAndVerify(path: string) {
  const files = unzipSync(new Uint8Array(readFileSync(path)));
  const dir = mkdtempSync(join(tmpdir(), 'evidence-e2e-'));
  try {
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const check = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    return { files, check };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('downloads the evidence pack of a message and of its recipient as a compliance officer; sha256sum -c verifies both', async () => {
  const context = await browser.newContext({ locale: 'en-GB', bypassCSP: true, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${gw.apiUrl}/console`);
  await page.getByLabel('API key').fill(gw.complianceKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
  await page.getByLabel('Message id').fill(messageId);
  await page.getByLabel(/Address/).fill(CAROL);
  await page.getByRole('button', { name: 'Justify' }).click();
  await page.waitForLoadState();
  await noAxeViolation(page, 'justify with the evidence button');

  const [message] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download evidence pack' }).click(),
  ]);
  expect(message.suggestedFilename()).toMatch(/^evidence-message-.+\.zip$/);
  const fromMessage = unzipAndVerify((await message.path())!);
  expect(fromMessage.check).toBe('evidence.json: OK\nevidence.pdf: OK\n');
  const content = JSON.parse(new TextDecoder().decode(fromMessage.files['evidence.json']));
  expect(content.subject.messageId).toBe(messageId);
  expect(content.message.proof.wording.text).toBe(
    'Yes, I want to receive the Demo Shop newsletter by email.',
  );
  expect((await PDFDocument.load(fromMessage.files['evidence.pdf']!)).getTitle()).toContain(messageId);
  // R10: the unsubscribe it carried, in both files, with no working token: a click in the pack unsubscribes no one.
  expect(content.message.unsubscribe).toMatchObject({
    status: 'recorded',
    carried: {
      kind: 'email',
      oneClick: true,
      placed: { in: 'parts', html: 1, text: 1 },
      keyId: expect.any(String),
    },
  });
  const recorded = content.message.unsubscribe.carried.listUnsubscribe as string;
  expect(recorded).toMatch(/^<http:\/\/[^>]+\/u\/\{sha256:[0-9a-f]{16}\}>$/);
  const pdf = (await pdfText(fromMessage.files['evidence.pdf']!)).replace(/\n {4}/g, '');
  expect(pdf).toContain(`message.unsubscribe.carried.listUnsubscribe: ${recorded}`);
  expect(pdf).toContain('message.unsubscribe.status: recorded');
  const handed = gw.outbox.emails.find((m) => m.request.Destination?.ToAddresses?.includes(CAROL));
  const header = handed?.request.Content?.Simple?.Headers?.find((h) => h.Name === 'List-Unsubscribe');
  const token = /\/u\/([^>]+)>/.exec(header?.Value ?? '')?.[1];
  expect(token).toMatch(/^v1\./);
  expect(new TextDecoder().decode(fromMessage.files['evidence.json'])).not.toContain(token!);
  expect(pdf).not.toContain(token!);

  await page.getByRole('link', { name: 'A recipient' }).click();
  await page.waitForLoadState();
  await page.getByLabel(/Address/).fill(CAROL);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.waitForLoadState();
  await noAxeViolation(page, 'recipient with the evidence button');
  const [recipient] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download evidence pack' }).click(),
  ]);
  const fromRecipient = unzipAndVerify((await recipient.path())!);
  expect(fromRecipient.check).toBe('evidence.json: OK\nevidence.pdf: OK\n');
  const pack = JSON.parse(new TextDecoder().decode(fromRecipient.files['evidence.json']));
  expect(pack.subject).toMatchObject({ type: 'recipient', recipientKey: content.subject.recipientKey });
  // The first download is in the recipient's timeline of the second pack, as an export by the console user.
  expect(
    pack.recipient.timeline.some(
      (entry: { type: string; actor: { via?: string } }) =>
        entry.type === 'data.exported' && entry.actor.via === 'console',
    ),
  ).toBe(true);
  await context.close();
});
