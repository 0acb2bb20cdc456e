import type { Command } from 'commander';
import { parseOption, targetOptions, withTargetOptions } from '../options';

/**
 * `keys list` and `keys revoke`, on the table (a deployed one with --table, or the
 * local stack), for an operator without an admin key at hand. Metadata only: never a key, its
 * hash nor a credential's secret. A revoked key is refused by the functions within 5 s
 * (their per-instance cache, shared/adapters/tenant-cache.ts).
 */
export function register(program: Command): void {
  const keys = program
    .command('keys')
    .description("list or revoke a tenant's API keys and SES credentials (metadata only)");

  withTargetOptions(
    keys
      .command('list')
      .description(
        "list a tenant's API keys and SES credentials: id, label, role, created, last used day, expiry",
      )
      .requiredOption('--tenant <id>', 'the tenant id'),
    false,
  ).action(async (opts: Record<string, unknown>) => {
    const [{ tenantIdSchema }, { openTarget }, service] = await Promise.all([
      import('../../shared/schemas/tenant'),
      import('../target'),
      import('../../shared/services/keys'),
    ]);
    const tenantId = parseOption(tenantIdSchema, opts.tenant, '--tenant');
    const target = openTarget(targetOptions(opts), { keys: false });
    const [apiKeys, credentials] = await Promise.all([
      service.listKeys(target, tenantId),
      service.listCredentials(target, tenantId),
    ]);
    console.log(JSON.stringify({ ...apiKeys, ...credentials }, null, 2));
  });

  withTargetOptions(
    keys
      .command('revoke')
      .description('revoke an API key or SES credentials by key id (refused within 5 s)')
      .requiredOption('--tenant <id>', 'the tenant id')
      .requiredOption('--key-id <id>', 'the key id, from keys list')
      .option('--credential', 'the id is of SES credentials, not of an API key'),
    false,
  )
    .addHelpText('after', '\nExample:\n  npx consent-gate keys revoke --tenant demo --key-id <uuid>')
    .action(async (opts: Record<string, unknown>) => {
      const [{ tenantIdSchema }, { keyIdParamSchema }, { openTarget }, { systemClock }, service] =
        await Promise.all([
          import('../../shared/schemas/tenant'),
          import('../../shared/schemas/api'),
          import('../target'),
          import('../../shared/ports/clock'),
          import('../../shared/services/keys'),
        ]);
      const tenantId = parseOption(tenantIdSchema, opts.tenant, '--tenant');
      const keyId = parseOption(keyIdParamSchema, opts.keyId, '--key-id');
      const target = openTarget(targetOptions(opts), { keys: false });
      const deps = { credentials: target.credentials, tenantAudit: target.tenantAudit, clock: systemClock };
      // The tenant's trail names the operator's CLI as the one who revoked it.
      const actor = { type: 'system' as const, id: 'cli' };
      const revoked =
        opts.credential === true
          ? await service.revokeCredential(deps, tenantId, keyId, actor)
          : await service.revokeKey(deps, tenantId, keyId, actor);
      console.log(JSON.stringify(revoked, null, 2));
      console.log(`Revoked in ${target.description}: refused by every function instance within 5 s.`);
    });
}
