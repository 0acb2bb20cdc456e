import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AdminGetUserCommand,
  ListUsersInGroupCommand,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CognitoLocal, startCognitoLocal } from '../support/cognito-local';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * `consent-gate console-user add` as an operator runs it, on the local stack's table and a
 * user pool on cognito-local (the SDK's AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER): the
 * user created with the tenant attribute, in the group of the role, waiting for a new
 * password; a tenant that does not exist, or a role that is not a console role, refused.
 */
const exec$ = promisify(execFile);
let gw: LocalGateway;
let cognito: CognitoLocal;
let local: string;

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await exec$(process.execPath, ['bin/consent-gate.mjs', ...args], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  cognito = await startCognitoLocal();
  gw = await startLocalGateway();
  local = mkdtempSync(join(tmpdir(), 'consent-gate-cli-user-'));
  writeFileSync(
    join(local, 'local.json'),
    JSON.stringify({ dynamodbUrl: gw.dynamodbUrl, tableName: gw.tableName }),
  );
}, 120_000);
afterAll(async () => {
  await gw?.stop();
  await cognito?.stop();
  rmSync(local, { recursive: true, force: true });
});

const add = (tenant: string, email: string, role: string) =>
  cli([
    'console-user',
    'add',
    '--user-pool',
    cognito.pool.userPoolId,
    '--tenant',
    tenant,
    '--email',
    email,
    '--role',
    role,
    '--local-dir',
    local,
  ]);

describe('consent-gate console-user add', () => {
  it('creates the user with the tenant attribute, in the group of the role, waiting for a new password', async () => {
    const { code, stdout, stderr } = await add('demo', 'dpo@shop.example', 'compliance');
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.slice(0, stdout.lastIndexOf('}') + 1))).toMatchObject({
      tenant: 'demo',
      role: 'compliance',
    });
    const user = await cognito.client.send(
      new AdminGetUserCommand({ UserPoolId: cognito.pool.userPoolId, Username: 'dpo@shop.example' }),
    );
    const attributes = Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
    expect(attributes).toMatchObject({
      email: 'dpo@shop.example',
      email_verified: 'true',
      'custom:tenant': 'demo',
    });
    expect(user.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    // In the compliance group only (cognito-local lists a user's groups by their internal username only).
    for (const group of ['admin', 'compliance']) {
      const members = await cognito.client.send(
        new ListUsersInGroupCommand({ UserPoolId: cognito.pool.userPoolId, GroupName: group }),
      );
      expect(
        members.Users?.map((u) => u.Username),
        group,
      ).toEqual(group === 'compliance' ? [user.Username] : []);
    }
  });

  it('refuses a tenant that does not exist, and creates nobody', async () => {
    const { code, stderr } = await add('nosuch', 'ghost@shop.example', 'admin');
    expect(code).toBe(1);
    expect(stderr).toContain('No tenant nosuch: create it first');
    await expect(
      cognito.client.send(
        new AdminGetUserCommand({ UserPoolId: cognito.pool.userPoolId, Username: 'ghost@shop.example' }),
      ),
    ).rejects.toBeInstanceOf(UserNotFoundException);
  });

  it('refuses a role other than admin or compliance, naming the option', async () => {
    const { code, stderr } = await add('demo', 'sender@shop.example', 'sender');
    expect(code).toBe(2);
    expect(stderr).toContain('--role');
  });
});
