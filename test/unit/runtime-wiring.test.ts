import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { entryPoints } from '../../infra/entry-points';
import { ENV } from '../../shared/config';

/**
 * shared/http/runtime.ts builds only the adapters an entry point wired (shared/http/wiring.ts),
 * from the environment the construct writes with each grant (infra/gateway.ts): here the
 * environment of a function whose `needs` are the table alone, as CancelMessage's.
 */
const cancel = entryPoints.find((e) => e.id === 'CancelMessage');

beforeEach(() => {
  vi.resetModules();
  vi.stubEnv(ENV.tableName, 'consent-gate');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  for (const name of [ENV.hashKeySecretArn, ENV.tokenKeysSecretArn, ENV.keyRingJson]) vi.stubEnv(name, '');
});
afterEach(() => vi.unstubAllEnvs());

describe('runtime wiring', () => {
  it('a function with the table and no keys (CancelMessage) builds its dependencies: the secrets it may not read are never asked for', async () => {
    expect(cancel?.needs).toEqual({ table: 'readWrite' });
    const { runtimeDependencies, wire } = await import('../../shared/http/runtime');
    const { table } = await import('../../shared/http/wiring');
    wire(table);
    const deps = runtimeDependencies();
    expect(deps.dueQueue).toBeDefined();
    // What it was not wired for refuses when used, as the missing grant would.
    await expect(deps.keys.load()).rejects.toMatchObject({ name: 'ConfigurationError' });
    await expect(
      deps.email.send({ from: 'a@b.fr', to: 'c@d.fr', subject: 's', headers: [], tags: [] }),
    ).rejects.toThrow(/may not use SES/);
    await expect(
      deps.sms.send({
        originationIdentity: 'x',
        to: '+33612345678',
        body: 'b',
        messageType: 'PROMOTIONAL',
        context: {},
      }),
    ).rejects.toThrow(/may not use End User Messaging/);
    // Awaiting a refusing port is not mistaken for a promise.
    expect(await Promise.resolve(deps.email)).toBe(deps.email);
  });

  it('a function wired for the keys still fails closed on a missing secret ARN (ConfigurationError)', async () => {
    const { runtimeDependencies, wire } = await import('../../shared/http/runtime');
    const { secretsManager, table } = await import('../../shared/http/wiring');
    wire(table, secretsManager);
    expect(() => runtimeDependencies()).toThrow(/HASH_KEY_SECRET_ARN/);
  });

  it('a function without the table refuses to build store-backed dependencies; TABLE_NAME is read on first use only', async () => {
    vi.stubEnv(ENV.tableName, '');
    const { runtimeDependencies, wire } = await import('../../shared/http/runtime');
    const { table } = await import('../../shared/http/wiring');
    expect(() => runtimeDependencies()).toThrow(/may not use the table/);
    wire(table);
    expect(() => runtimeDependencies()).toThrow(/TABLE_NAME/);
  });

  it('wiring added after a first build is taken into account (the local runner imports entry points one by one)', async () => {
    vi.stubEnv(ENV.keyRingJson, '');
    const { runtimeDependencies, wire } = await import('../../shared/http/runtime');
    const { ses, table } = await import('../../shared/http/wiring');
    wire(table);
    const before = runtimeDependencies();
    await expect(before.email.sendRaw({ raw: Buffer.from(''), to: 'c@d.fr', tags: [] })).rejects.toThrow(
      /may not use SES/,
    );
    wire(ses);
    const after = runtimeDependencies();
    expect(after).not.toBe(before);
    expect(after.email.constructor.name).toBe('SesEmailSender');
  });
});
