import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { TENANT_CACHE_MS } from '../../shared/adapters/tenant-cache';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/** The CLI as a user runs it: `node bin/consent-gate.mjs …` (what `npx consent-gate` and the npm scripts run). */
const exec$ = promisify(execFile);
const BIN = 'bin/consent-gate.mjs';
const COMMANDS = [
  'start',
  'create-tenant',
  'assign-identity',
  'operator-key',
  'import',
  'audit-segment',
  'verify-audit',
  'migrate',
  'redrive',
  'redrive-events',
  'bench',
  'gen-legacy',
  'check',
  'keys',
  'console-user',
];

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await exec$(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('consent-gate --help', () => {
  it('lists every command', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  // Every option the hand-written parsers of scripts/*.ts and infra/local/start.ts had.
  const OPTIONS: Record<string, string[]> = {
    start: [
      'PORT',
      'SES_PORT',
      'SMS_PORT',
      'DYNAMODB_PORT',
      'SMTP_PORT',
      'SMTP_TLS_PORT',
      'HOST',
      'CONSENT_GATE_DIR',
      'DEFERRED_SMS_INTERVAL_MS',
      'RETENTION_REPLAN_INTERVAL_MS',
    ],
    'create-tenant': ['--table', '--tenant', '--name', '--identity', '--region', '--local-dir'],
    'assign-identity': [
      '--tenant',
      '--identity',
      '--sms-sender',
      '--origination',
      '--type',
      '--release',
      '--table',
      '--region',
      '--local-dir',
    ],
    'operator-key': ['--label', '--list', '--revoke', '--table', '--region', '--local-dir'],
    // Its subcommands (each has --tenant and the target options).
    keys: ['list', 'revoke'],
    import: [
      '--tenant',
      '--mapping',
      '--out',
      '--table',
      '--hash-secret',
      '--token-secret',
      '--local-dir',
      '--batch-size',
    ],
    'audit-segment': [
      '--tenant',
      '--purpose',
      '--channel',
      '--from',
      '--table',
      '--hash-secret',
      '--token-secret',
      '--local-dir',
    ],
    'verify-audit': ['--tenant', '--recipient', '--table', '--region', '--local-dir'],
    migrate: [
      '--tenant',
      '--identities',
      '--addresses',
      '--dry-run',
      '--table',
      '--hash-secret',
      '--token-secret',
      '--local-dir',
    ],
    redrive: ['--queue-url', '--function-name', '--max'],
    'redrive-events': ['--queue-url', '--event-bus-name', '--max'],
    bench: ['--messages', '--concurrency', '--quick', '--out', '--section'],
    'gen-legacy': ['--rows', '--out', '--seed'],
    check: ['--for'],
    // Its subcommand (with --user-pool, --tenant, --email, --role and the target options).
    'console-user': ['add'],
  };

  it.each(COMMANDS)('%s --help describes every option it takes', async (command) => {
    const { code, stdout } = await cli([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: consent-gate ${command}`);
    for (const option of OPTIONS[command]!) expect(stdout).toContain(option);
  });
});

describe('consent-gate errors', () => {
  it('create-tenant on a table without a region: one sentence naming the fix, no stack trace', async () => {
    const { code, stdout, stderr } = await cli(
      ['create-tenant', '--table', 'consent-gate-prod', '--tenant', 'acme', '--name', 'Acme'],
      { AWS_REGION: '', AWS_DEFAULT_REGION: '' },
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      'consent-gate: No AWS region for table consent-gate-prod: add --region <region> (e.g. --region eu-west-3) or set AWS_REGION.',
    ]);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('a missing local stack: one sentence, and the stack trace only with --verbose', async () => {
    const args = ['create-tenant', '--tenant', 'acme', '--name', 'Acme', '--local-dir', '/nonexistent-cg'];
    const plain = await cli(args);
    expect(plain.code).toBe(1);
    expect(plain.stderr.trim()).toBe(
      'consent-gate: /nonexistent-cg/local.json not found: start the local stack with npm start first, or pass --table <name> for a deployed one.',
    );
    const verbose = await cli([...args, '--verbose']);
    expect(verbose.stderr).toMatch(/^\s+at openTarget /m);
  });

  it('a missing option is named with commander’s one line', async () => {
    const { code, stderr } = await cli(['import', 'base.csv']);
    expect(code).toBe(1);
    expect(stderr).toContain("error: required option '--tenant <id>' not specified");
  });
});

describe('consent-gate against the local stack', () => {
  let gw: LocalGateway;
  let local: string;
  beforeAll(async () => {
    gw = await startLocalGateway();
    local = mkdtempSync(join(tmpdir(), 'consent-gate-cli-'));
    writeFileSync(
      join(local, 'local.json'),
      JSON.stringify({ dynamodbUrl: gw.dynamodbUrl, tableName: gw.tableName }),
    );
    writeFileSync(join(local, 'keys.json'), readFileSync(join(gw.dir, 'keys.json')));
  });
  afterAll(async () => {
    await gw?.stop();
    rmSync(local, { recursive: true, force: true });
  });

  it('verify-audit checks every chain of a tenant (exit 0), and names the first break of a tampered one (exit 1)', async () => {
    const address = 'cli-verify@example.org';
    const put = await gw.call('PUT', '/v1/recipients', {
      key: gw.adminKey,
      body: { channel: 'email', address, audience: 'consumer' },
    });
    const key = put.body.recipientKey as string;
    await gw.call('POST', '/v1/objections', {
      key: gw.adminKey,
      body: { channel: 'email', address, scope: { type: 'channel' } },
    });
    const clean = await cli(['verify-audit', '--tenant', 'demo', '--local-dir', local]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^\d+ recipients checked in demo: 0 broken/m);
    const doc = createDocumentClient(new DynamoDBClient({ endpoint: gw.dynamodbUrl }));
    await doc.send(
      new UpdateCommand({
        TableName: gw.tableName,
        Key: { pk: `TENANT#demo#R#${key}`, sk: 'A#C#000000000002' },
        UpdateExpression: 'SET #data.#why = :why',
        ExpressionAttributeNames: { '#data': 'data', '#why': 'why' },
        ExpressionAttributeValues: { ':why': 'rewritten' },
      }),
    );
    doc.destroy();
    const one = await cli(['verify-audit', '--tenant', 'demo', '--recipient', key, '--local-dir', local]);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain(`${key}: BROKEN in changes at seq 2: altered`);
    const all = await cli(['verify-audit', '--tenant', 'demo', '--local-dir', local]);
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(/recipients checked in demo: 1 broken/);
  });

  it('create-tenant with no --table creates the tenant in the local stack, and its admin key works', async () => {
    const { code, stdout, stderr } = await cli([
      'create-tenant',
      '--tenant',
      'cli-shop',
      '--name',
      'CLI Shop',
      '--identity',
      'cli.example',
      '--local-dir',
      local,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { adminKey, tenant } = JSON.parse(/\{[\s\S]*?\}/.exec(stdout)![0]) as {
      adminKey: string;
      tenant: string;
    };
    expect(tenant).toBe('cli-shop');
    const settings = await gw.call('GET', '/v1/tenant', { key: adminKey });
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({
      id: 'cli-shop',
      name: 'CLI Shop',
      emailIdentities: ['cli.example'],
    });
  });

  const json = (stdout: string) => JSON.parse(/\{[\s\S]*\}/.exec(stdout)![0]);

  it('operator-key issues a key the operator routes take and the tenant routes refuse; --revoke ends it', async () => {
    const issued = await cli(['operator-key', '--label', 'ops laptop', '--local-dir', local]);
    expect(issued.stderr).toBe('');
    const { key, keyId } = json(issued.stdout) as { key: string; keyId: string };
    expect(key).toMatch(/^cg_operator_/);
    const list = await gw.call('GET', '/v1/operator/tenants/demo/identities', { key });
    expect(list.status, list.text).toBe(200);
    expect(list.body.emailIdentities).toEqual(['shop.example']);
    expect((await gw.call('GET', '/v1/tenant', { key })).status).toBe(403);
    const listed = await cli(['operator-key', '--list', '--local-dir', local]);
    expect(json(listed.stdout).keys.map((k: { label: string }) => k.label)).toContain('ops laptop');
    // The key was used above, so the gateway holds it in its cache: the CLI is another
    // process, and the gateway learns of the revocation at most TENANT_CACHE_MS after it.
    expect((await cli(['operator-key', '--revoke', keyId, '--local-dir', local])).code).toBe(0);
    const revokedAt = Date.now();
    for (;;) {
      const r = await gw.call('GET', '/v1/operator/tenants/demo/identities', { key });
      if (r.status === 401) break;
      expect(r.status, r.text).toBe(200);
      expect(Date.now() - revokedAt, 'still accepted past the cache time').toBeLessThan(
        TENANT_CACHE_MS + 1_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  it('create-tenant and assign-identity claim identities for one tenant; another tenant’s is refused in one sentence; --release frees it', async () => {
    const created = await cli([
      'create-tenant',
      '--tenant',
      'cli-two',
      '--name',
      'Two',
      '--identity',
      'two.example',
      '--local-dir',
      local,
    ]);
    expect(created.code, created.stderr).toBe(0);
    const { adminKey } = json(created.stdout) as { adminKey: string };
    const taken = await cli([
      'create-tenant',
      '--tenant',
      'cli-three',
      '--name',
      'Three',
      '--identity',
      'two.example',
      '--local-dir',
      local,
    ]);
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe(
      'consent-gate: email identity "two.example" is assigned to tenant cli-two: release it from that tenant first',
    );

    const assigned = await cli([
      'assign-identity',
      '--tenant',
      'cli-two',
      '--identity',
      'News@Two-News.example',
      '--local-dir',
      local,
    ]);
    expect(assigned.code, assigned.stderr).toBe(0);
    const sms = await cli([
      'assign-identity',
      '--tenant',
      'cli-two',
      '--sms-sender',
      'TWOSHOP',
      '--origination',
      'sender-id/TWOSHOP/FR',
      '--local-dir',
      local,
    ]);
    expect(sms.code, sms.stderr).toBe(0);
    expect(json(sms.stdout)).toMatchObject({ id: 'TWOSHOP', type: 'alphanumeric' });
    const demoNumber = await cli([
      'assign-identity',
      '--tenant',
      'cli-two',
      '--sms-sender',
      '36999',
      '--origination',
      'phone-number/local-36123',
      '--local-dir',
      local,
    ]);
    expect(demoNumber.code).toBe(1);
    expect(demoNumber.stderr).toContain('is assigned to tenant demo');

    const mine = await gw.call('GET', '/v1/identities', { key: adminKey });
    expect(mine.body).toEqual({
      tenantId: 'cli-two',
      emailIdentities: ['news@two-news.example', 'two.example'],
      smsSenders: [{ senderId: 'TWOSHOP', originationIdentity: 'sender-id/TWOSHOP/FR' }],
    });
    const released = await cli([
      'assign-identity',
      '--tenant',
      'cli-two',
      '--identity',
      'two.example',
      '--release',
      '--local-dir',
      local,
    ]);
    expect(released.code, released.stderr).toBe(0);
    expect(
      // Refused above, cli-three was not created: it is now, with the identity freed.
      (
        await cli([
          'create-tenant',
          '--tenant',
          'cli-three',
          '--name',
          'Three',
          '--identity',
          'two.example',
          '--local-dir',
          local,
        ])
      ).code,
    ).toBe(0);
    expect((await gw.call('GET', '/v1/tenant', { key: adminKey })).body.emailIdentities).toEqual([
      'news@two-news.example',
    ]);
  });

  it('migrate --identities claims what tenants of before hold, and lists (exit 1) what another tenant holds', async () => {
    const { runtimeDependencies } = await import('../../shared/http/runtime');
    const { newTenant } = await import('../../shared/services/state');
    await runtimeDependencies().tenants.createTenant(
      newTenant('cli-old', 'Old', ['old.example', 'shop.example']),
    );
    const run = await cli(['migrate', '--identities', '--tenant', 'cli-old', '--local-dir', local]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^claimed\s+1$/m);
    expect(run.stdout).toContain('cli-old: email shop.example is held by demo');
    const claim = await runtimeDependencies().tenants.getIdentityClaim('email', 'old.example');
    expect(claim?.tenantId).toBe('cli-old');
  });
});

describe('consent-gate start twice in one folder', () => {
  it('the second says which stack holds the folder (pid, URL), in one sentence, and exits; no SDK warning on Node 20', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'consent-gate-start-'));
    const env = {
      ...process.env,
      CONSENT_GATE_DIR: dir,
      PORT: '0',
      SES_PORT: '0',
      SMS_PORT: '0',
      DYNAMODB_PORT: '0',
      SMTP_PORT: '0',
      SMTP_TLS_PORT: '0',
    };
    const first = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let errors = '';
      first.stderr.on('data', (chunk: Buffer) => {
        errors += chunk.toString();
      });
      await new Promise<void>((resolve, reject) => {
        first.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('Stop with Ctrl-C')) resolve();
        });
        first.once('exit', (code) => reject(new Error(`first stack exited (${code}): ${out}`)));
      });
      const apiUrl = /^ {2}API +(\S+)/m.exec(out)![1]!;
      const second = await cli(['start'], {
        CONSENT_GATE_DIR: dir,
        PORT: '0',
        SES_PORT: '0',
        SMS_PORT: '0',
        DYNAMODB_PORT: '0',
        SMTP_PORT: '0',
        SMTP_TLS_PORT: '0',
      });
      expect(second.code).toBe(1);
      expect(second.stderr.trim().split('\n')).toEqual([
        `consent-gate: Another consent-gate stack already runs from ${dir} (pid ${first.pid}, API ${apiUrl}): use it, stop it (kill ${first.pid}), or start another in its own folder with CONSENT_GATE_DIR=/tmp/cg2 PORT=0 SES_PORT=0 SMS_PORT=0 DYNAMODB_PORT=0 SMTP_PORT=0 SMTP_TLS_PORT=0 npm start.`,
      ]);
      // Node 20 stays supported: the SDK's end-of-support warning is not the first thing a newcomer reads.
      expect(errors).not.toContain('NodeVersionSupportWarning');
      expect(second.stderr).not.toContain('NodeVersionSupportWarning');
      // The first stack is unharmed.
      expect((await fetch(`${apiUrl}/openapi.json`)).status).toBe(200);
    } finally {
      const exited = new Promise((resolve) => first.once('exit', resolve));
      first.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
