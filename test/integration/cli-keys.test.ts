import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTarget } from '../../cli/target';
import { TENANT_CACHE_MS } from '../../shared/adapters/tenant-cache';
import { generateApiKey, hashApiKey } from '../../shared/domain/api-key';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * `npx consent-gate keys list|revoke` and `migrate` as an operator runs them against the
 * local stack (node bin/consent-gate.mjs, as npx does), checked through HTTP afterwards.
 */
const exec$ = promisify(execFile);

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await exec$(process.execPath, ['bin/consent-gate.mjs', ...args], {
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let gw: LocalGateway;
let local: string;
const to = 'cli-keys@example.org';
beforeAll(async () => {
  gw = await startLocalGateway();
  local = mkdtempSync(join(tmpdir(), 'consent-gate-cli-keys-'));
  writeFileSync(
    join(local, 'local.json'),
    JSON.stringify({ dynamodbUrl: gw.dynamodbUrl, tableName: gw.tableName }),
  );
  writeFileSync(join(local, 'keys.json'), readFileSync(join(gw.dir, 'keys.json')));
  const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(to) });
  expect(r.status).toBe(201);
}, 60_000);
afterAll(async () => {
  await gw?.stop();
  rmSync(local, { recursive: true, force: true });
});

const send = (key: string) => gw.call('POST', '/v1/messages', { key, body: newsletter(to) });
const listed = async () => {
  const r = await cli(['keys', 'list', '--tenant', 'demo', '--local-dir', local]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { ...r, parsed: JSON.parse(r.stdout) as { keys: { keyId: string }[]; credentials: unknown[] } };
};

/** Sends until refused (the gateway's instance may hold the key in its cache that long); the wait in ms. */
async function refusedWithin(key: string, limitMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const r = await send(key);
    if (r.status === 401) {
      expect(r.body.message).toMatch(/revoked/);
      return Date.now() - start;
    }
    expect(r.status, r.text).toBe(202);
    if (Date.now() - start > limitMs) throw new Error(`still accepted after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('npx consent-gate keys', () => {
  it('keys list shows metadata only; keys revoke revokes, and the key is then refused through HTTP within the cache time', async () => {
    const created = await gw.call('POST', '/v1/keys', {
      key: gw.adminKey,
      body: { role: 'sender', label: 'cli test', scopes: { categories: ['marketing'] } },
    });
    expect(created.status, created.text).toBe(201);
    const { keyId, key } = created.body as { keyId: string; key: string };
    expect((await send(key)).status).toBe(202); // now in the gateway's cache

    const list = await listed();
    expect(list.parsed.keys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          keyId,
          label: 'cli test',
          role: 'sender',
          scopes: { categories: ['marketing'] },
        }),
      ]),
    );
    expect(list.stdout).not.toContain(key);
    expect(list.stdout).not.toContain(hashApiKey(key));

    expect((await send(key)).status).toBe(202); // cached afresh in the gateway's instance
    const revoked = await cli([
      'keys',
      'revoke',
      '--tenant',
      'demo',
      '--key-id',
      keyId,
      '--local-dir',
      local,
    ]);
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    expect(JSON.parse(/\{[\s\S]*\}/.exec(revoked.stdout)![0])).toMatchObject({
      keyId,
      revokedAt: expect.any(String),
    });
    // The CLI is another process: the gateway's instance learns it when its cache entry ends,
    // at most TENANT_CACHE_MS after the CLI returns (here the CLI itself may take that long).
    await refusedWithin(key, TENANT_CACHE_MS + 1_000);
  });

  it('keys revoke --credential revokes SES credentials; an unknown key id is one sentence, no stack trace', async () => {
    const created = await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: { label: 'cli' } });
    expect(created.status).toBe(201);
    const r = await cli([
      'keys',
      'revoke',
      '--credential',
      '--tenant',
      'demo',
      '--key-id',
      created.body.keyId,
      '--local-dir',
      local,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const stored = await openTarget({ localDir: local }, { keys: false }).credentials.getSenderCredential(
      created.body.accessKeyId,
    );
    expect(stored?.revokedAt).toEqual(expect.any(String));
    const unknown = await cli([
      'keys',
      'revoke',
      '--tenant',
      'demo',
      '--key-id',
      '00000000-0000-4000-8000-000000000000',
      '--local-dir',
      local,
    ]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('npx consent-gate migrate: keys stored before they could be listed', () => {
  it('indexes them, so that they are listed and can be revoked; a second run indexes nothing', async () => {
    // An API key item as written before keys could be listed: no gsi1 attributes.
    const key = generateApiKey('sender');
    const keyId = '11111111-2222-4333-8444-555555555555';
    const target = openTarget({ localDir: local }, { keys: false });
    await target.table.doc.send(
      new PutCommand({
        TableName: target.table.name,
        Item: {
          pk: `APIKEY#${hashApiKey(key)}`,
          sk: 'APIKEY',
          entity: 'apiKey',
          v: 1,
          data: {
            keyId,
            tenantId: 'demo',
            role: 'sender',
            label: 'old crm',
            createdAt: '2026-01-05T10:00:00.000Z',
          },
        },
      }),
    );
    expect((await send(key)).status).toBe(202); // it authenticates…
    expect((await listed()).parsed.keys.map((k) => k.keyId)).not.toContain(keyId); // …but is not listed
    const before = await gw.call('DELETE', `/v1/keys/${keyId}`, { key: gw.adminKey });
    expect(before.status).toBe(404); // …and cannot be revoked

    const dry = await cli(['migrate', '--dry-run', '--local-dir', local]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^keysIndexed\s+1$/m);
    const run = await cli(['migrate', '--local-dir', local]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^keysIndexed\s+1$/m);

    expect((await listed()).parsed.keys).toEqual(
      expect.arrayContaining([expect.objectContaining({ keyId, label: 'old crm', role: 'sender' })]),
    );
    const revoked = await gw.call('DELETE', `/v1/keys/${keyId}`, { key: gw.adminKey });
    expect(revoked.status, revoked.text).toBe(200);
    expect((await send(key)).status).toBe(401); // revoked through the instance that holds it: at once

    const again = await cli(['migrate', '--local-dir', local]);
    expect(again.stdout).toMatch(/^keysIndexed\s+0$/m);
  });
});
