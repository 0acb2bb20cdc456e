import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';

/**
 * The local engine is Amazon DynamoDB Local, a JVM: `npm start` keeps its data on disk
 * under the stack's folder, and no JVM outlives the stack, whether it is stopped
 * (SIGTERM, Ctrl-C) or killed outright.
 */
const BIN = 'bin/consent-gate.mjs';
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !alive(pid);
}

/** `consent-gate start` in `dir` on free ports; resolves with its output once it is up. */
async function start(
  dir: string,
): Promise<{ child: ChildProcessWithoutNullStreams; out: string; jvm: number }> {
  const env = {
    ...process.env,
    CONSENT_GATE_DIR: dir,
    PORT: '0',
    SES_PORT: '0',
    SMS_PORT: '0',
    DYNAMODB_PORT: '0',
  };
  const child = spawn(process.execPath, [BIN, 'start'], { env, stdio: 'pipe' });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Stop with Ctrl-C')) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`the stack exited (${code}): ${out}`)));
  });
  const jvm = Number(/DynamoDB +\S+ +\(DynamoDB Local [\d.]+, pid (\d+), data in /.exec(out)?.[1]);
  return { child, out, jvm };
}

function exit(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals) {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

describe('npm start on DynamoDB Local', () => {
  it('keeps its data under the folder across restarts, and stops its JVM with the stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'consent-gate-engine-'));
    dirs.push(dir);
    const first = await start(dir);
    expect(first.out).toContain(`data in ${join(dir, 'dynamodb-local')}`);
    expect(alive(first.jvm)).toBe(true);
    const { adminKey, apiUrl, consoleUrl } = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as {
      adminKey: string;
      apiUrl: string;
      consoleUrl: string;
    };
    // The console's address, printed and written for scripts (docs/console.md).
    expect(consoleUrl).toBe(`${apiUrl}/console`);
    expect(first.out).toMatch(new RegExp(`Console +${consoleUrl.replaceAll('.', '\\.')} `));
    expect(existsSync(join(dir, 'dynamodb-local', 'shared-local-instance.db'))).toBe(true);
    expect(await exit(first.child, 'SIGTERM')).toBe(0);
    // Stopped with the stack: no JVM left behind.
    expect(alive(first.jvm)).toBe(false);

    // The same folder again: the key seeded the first time is still in the table, so it is kept.
    const second = await start(dir);
    const local = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as {
      adminKey: string;
      apiUrl: string;
    };
    expect(local.adminKey).toBe(adminKey);
    const tenant = await fetch(`${local.apiUrl}/v1/tenant`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(tenant.status).toBe(200);
    expect(second.jvm).not.toBe(first.jvm);
    await exit(second.child, 'SIGINT');
    expect(alive(second.jvm)).toBe(false);
  }, 120_000);

  it('a stack killed outright (SIGKILL, no handler runs) leaves no JVM behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'consent-gate-engine-'));
    dirs.push(dir);
    const { child, jvm } = await start(dir);
    expect(alive(jvm)).toBe(true);
    await exit(child, 'SIGKILL');
    expect(await gone(jvm, 10_000)).toBe(true);
  }, 120_000);
});

describe('DynamoDB Local for tests', () => {
  it('in memory on a free port, answering DynamoDB requests, gone once stopped', async () => {
    const engine = await startDynamoDbLocal();
    try {
      expect(engine.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(engine.version).toMatch(/^3\./);
      const answer = await fetch(engine.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization:
            'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-3/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: '{}',
      });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ TableNames: [] });
    } finally {
      await engine.stop();
    }
    expect(alive(engine.pid)).toBe(false);
  }, 60_000);

  it('a port already taken is said as such (the start command turns it into its port sentence)', async () => {
    const engine = await startDynamoDbLocal();
    try {
      await expect(startDynamoDbLocal({ port: engine.port })).rejects.toMatchObject({
        code: 'EADDRINUSE',
        message: `DynamoDB Local: port ${engine.port} is already in use`,
      });
    } finally {
      await engine.stop();
    }
  }, 60_000);
});
