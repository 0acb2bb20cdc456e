import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { addConsoleUser } from '../../scripts/console-user';
import { TENANT_ATTRIBUTE } from '../../shared/domain/console-user';
import type { TenantStore } from '../../shared/ports/tenant-store';

/**
 * Cognito's local stand-in for the tests: cognito-local (npm, a devDependency) in a child
 * process, on 127.0.0.1 and a port it picks at run time, its data in a fresh folder; a user
 * pool as the construct makes it (email as username, groups admin and compliance, the tenant
 * attribute) and an app client. Its ID tokens' issuer is `<IssuerDomain>/<pool id>`: a fixed
 * domain here, given to the gateway as CONSOLE_USER_POOL_ISSUER, since the port is only known
 * once it listens. cognito-local does not refuse a disabled user at InitiateAuth (Cognito does):
 * the tests disable users after sign-in, which AdminGetUser reports.
 */
const require = createRequire(import.meta.url);
const ISSUER_DOMAIN = 'http://cognito-local.invalid';

export interface CognitoLocal {
  readonly endpoint: string;
  readonly client: CognitoIdentityProviderClient;
  /** What startLocalGateway's `consoleUserPool` takes. */
  readonly pool: {
    readonly endpoint: string;
    readonly userPoolId: string;
    readonly clientId: string;
    readonly issuer: string;
    readonly jwksUri: string;
  };
  /**
   * A user of `tenantId` in these groups, through the CLI's own addConsoleUser when the role is
   * one group; `password` set as permanent (no first-sign-in challenge) unless `temporary`.
   */
  addUser(user: {
    readonly email: string;
    readonly tenantId: string;
    readonly groups: readonly string[];
    readonly password: string;
    readonly temporary?: boolean;
    readonly tenants: Pick<TenantStore, 'getTenant'>;
  }): Promise<void>;
  stop(): Promise<void>;
}

export async function startCognitoLocal(): Promise<CognitoLocal> {
  const dir = mkdtempSync(join(tmpdir(), 'cognito-local-'));
  mkdirSync(join(dir, '.cognito'));
  writeFileSync(
    join(dir, '.cognito', 'config.json'),
    JSON.stringify({
      TokenConfig: { IssuerDomain: ISSUER_DOMAIN },
      ServerConfig: { port: 0, hostname: '127.0.0.1' },
    }),
  );
  const child: ChildProcess = spawn(process.execPath, [require.resolve('cognito-local/lib/bin/start.js')], {
    cwd: dir,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cognito-local did not start:\n${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /running on (http:\/\/127\.0\.0\.1:\d+)/.exec(stripVTControlCharacters(output));
      if (url?.[1]) {
        clearTimeout(timer);
        resolve(url[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cognito-local exited (${code}):\n${output}`));
    });
  });
  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: 'eu-west-3',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { UserPool } = await client.send(
    new CreateUserPoolCommand({
      PoolName: 'consent-gate-console',
      UsernameAttributes: ['email'],
      Schema: [{ Name: 'tenant', AttributeDataType: 'String', Mutable: true }],
    }),
  );
  const userPoolId = UserPool!.Id!;
  const { UserPoolClient } = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'console',
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
    }),
  );
  for (const group of ['admin', 'compliance'])
    await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));
  const issuer = `${ISSUER_DOMAIN}/${userPoolId}`;
  return {
    endpoint,
    client,
    pool: {
      endpoint,
      userPoolId,
      clientId: UserPoolClient!.ClientId!,
      issuer,
      jwksUri: `${endpoint}/${userPoolId}/.well-known/jwks.json`,
    },
    async addUser(user) {
      const [first, ...more] = user.groups;
      if (first === 'admin' || first === 'compliance') {
        // As the CLI does it (consent-gate console-user add), then any further group by hand.
        await addConsoleUser(
          { tenants: user.tenants, cognito: client },
          {
            userPoolId,
            tenantId: user.tenantId,
            email: user.email,
            role: first,
            temporaryPassword: user.password,
          },
        );
        for (const group of more)
          await client.send(
            new AdminAddUserToGroupCommand({
              UserPoolId: userPoolId,
              Username: user.email,
              GroupName: group,
            }),
          );
      } else {
        // In no console group: a user the CLI would not make, created as an administrator might by hand.
        await client.send(
          new AdminCreateUserCommand({
            UserPoolId: userPoolId,
            Username: user.email,
            TemporaryPassword: user.password,
            MessageAction: 'SUPPRESS',
            UserAttributes: [
              { Name: 'email', Value: user.email },
              { Name: TENANT_ATTRIBUTE, Value: user.tenantId },
            ],
          }),
        );
        for (const group of user.groups)
          await client.send(
            new AdminAddUserToGroupCommand({
              UserPoolId: userPoolId,
              Username: user.email,
              GroupName: group,
            }),
          );
      }
      if (user.temporary !== true)
        await client.send(
          new AdminSetUserPasswordCommand({
            UserPoolId: userPoolId,
            Username: user.email,
            Password: user.password,
            Permanent: true,
          }),
        );
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill();
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
