import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpRelay } from '../../infra/entry-points';
import { localSmtpCertificate } from '../../infra/local/smtp-local';
import { bundleEntryPoint, copyAssets, sdkPackagesCalled } from '../../scripts/bench/bundles';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The relay as the container runs it: functions/smtp-relay.ts bundled as the construct bundles
 * the functions (ESM, node24, the SDK inside), started as its own Node process with
 * SMTP_RELAY_MAIN=1 and the environment of the local stack, its certificate read from
 * Secrets Manager (a local stand-in answering the real SDK's GetSecretValue), stopped by
 * SIGTERM as ECS stops a task.
 */
let gw: LocalGateway;
let dir: string;
let secrets: Server;
let secretRequests = 0;
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-3:000000000000:secret:smtp-tls-AbCdEf';

beforeAll(async () => {
  gw = await startLocalGateway();
  dir = mkdtempSync(join(tmpdir(), 'consent-gate-relay-'));
  const certificate = await localSmtpCertificate(dir);
  secrets = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: string };
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target === 'secretsmanager.GetSecretValue' && body.SecretId === `${SECRET_ARN}-malformed`) {
        res.end(JSON.stringify({ ARN: body.SecretId, Name: 'x', SecretString: '{"key":"not a PEM"}' }));
        return;
      }
      if (target !== 'secretsmanager.GetSecretValue' || body.SecretId !== SECRET_ARN) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret' }));
        return;
      }
      secretRequests++;
      res.end(
        JSON.stringify({
          ARN: SECRET_ARN,
          Name: 'smtp-tls',
          SecretString: JSON.stringify({ key: certificate.key, cert: certificate.cert }),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => secrets.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => secrets?.close(resolve));
  await gw?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function start(
  outfile: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcessWithoutNullStreams; port: number }> {
  const child = spawn(process.execPath, [outfile], {
    env: {
      ...process.env,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      SMTP_RELAY_MAIN: '1',
      SMTP_PORT: '0',
      SMTP_TLS_PORT: '0',
      SMTP_TLS_CERT_SECRET_ARN: SECRET_ARN,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`,
      ...env,
    },
    stdio: 'pipe',
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"message":"smtp relay listening".*"port":(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) =>
      reject(Object.assign(new Error(`relay exited (${code}): ${out}`), { code, out })),
    );
  });
}

describe('the relay process', () => {
  it('bundles with exactly the SDK clients its needs grant; starts, sends through the gate, stops on SIGTERM', async () => {
    const outfile = join(dir, 'smtp-relay.mjs');
    const { sdkPackages } = await bundleEntryPoint(smtpRelay, outfile);
    // As the image holds them (infra/smtp-relay-service.ts): the files read on first use.
    copyAssets(smtpRelay.assets, outfile);
    expect(sdkPackages).toEqual(sdkPackagesCalled(smtpRelay.needs));

    const r = await gw.call('POST', '/v1/credentials', {
      key: gw.adminKey,
      body: { label: 'relay process' },
    });
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('ann@example.org') });
    const { child, port } = await start(outfile, {});
    expect(secretRequests).toBe(1);
    const info = await nodemailer
      .createTransport({
        host: '127.0.0.1',
        port,
        requireTLS: true,
        auth: { user: r.body.accessKeyId, pass: r.body.secretAccessKey },
        tls: { rejectUnauthorized: false },
      })
      .sendMail({
        from: 'news@shop.example',
        to: 'ann@example.org',
        subject: 'From the relay process',
        text: 'Hello.',
        headers: { 'X-Consent-Gate-Purpose': 'newsletter' },
      });
    expect(info.response).toMatch(/^250 2\.0\.0 Sent to 1 recipient/);
    expect(
      gw.outbox.emails.some((e) => e.request.Destination?.ToAddresses?.includes('ann@example.org')),
    ).toBe(true);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('a certificate secret that is not {key, cert}, or not there, stops it at start: exit 1, saying why', async () => {
    const outfile = join(dir, 'smtp-relay.mjs');
    for (const [arn, name] of [
      [`${SECRET_ARN}-malformed`, 'ConfigurationError'],
      [`${SECRET_ARN}-missing`, 'ResourceNotFoundException'],
    ]) {
      const error = await start(outfile, { SMTP_TLS_CERT_SECRET_ARN: arn! }).catch(
        (e: { code: number; out: string }) => e,
      );
      expect(error).toMatchObject({ code: 1 });
      expect((error as { out: string }).out).toMatch(
        new RegExp(`"message":"smtp relay did not start".*"error":"${name}"`),
      );
    }
  });
});
