import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../errors';
import { parseOption, targetOptions, withTargetOptions } from '../options';

export function register(program: Command): void {
  const command = program
    .command('audit-segment')
    .description('count how many of a list would be sent or refused (per reason), sending nothing')
    .argument('<list.csv>', 'addresses in the first column, or in a column named "address"')
    .requiredOption('--tenant <id>', 'the tenant')
    .requiredOption('--purpose <id>', 'the purpose of the campaign')
    .option('--channel <email|sms>', 'the channel', 'email')
    .option('--from <sender>', 'the From address or SMS sender (default: the tenant’s first)');
  withTargetOptions(command, true)
    .addHelpText(
      'after',
      '\nExample:\n  npm run audit-segment -- list.csv --tenant demo --purpose newsletter --channel email',
    )
    .action(async (file: string, opts: Record<string, unknown>) => {
      // Loaded when run, so that --help answers at once.
      const [{ auditSegment }, { tenantIdSchema }, { channelSchema }, { openTarget }] = await Promise.all([
        import('../../scripts/audit-segment'),
        import('../../shared/schemas/tenant'),
        import('../../shared/schemas/vocabulary'),
        import('../target'),
      ]);
      const tenantId = parseOption(tenantIdSchema, opts.tenant, '--tenant');
      const channel = parseOption(channelSchema, opts.channel, '--channel');
      if (!existsSync(file)) throw new CliError(`${file} not found: give the path of the list to audit.`, 2);
      const target = openTarget(targetOptions(opts), { keys: true });
      const keys = await target.keys();
      const tenant = await target.tenants.getTenant(tenantId);
      if (!tenant)
        throw new CliError(
          `Tenant ${tenantId} not found in ${target.description}: check --tenant, or create it with npx consent-gate create-tenant.`,
        );
      const purpose = String(opts.purpose);
      const identity = tenant.emailIdentities[0] ?? '';
      const from =
        (opts.from as string | undefined) ??
        (channel === 'email'
          ? identity.includes('@')
            ? identity
            : `news@${identity}`
          : (Object.keys(tenant.smsSenders)[0] ?? ''));
      const audit = await auditSegment(target.store, keys, tenant, { file, purpose, channel, from });
      const lines: [string, number][] = [
        ['would be sent', audit.allowed],
        ['deferred (R14 hours)', audit.deferred],
        ['refused', audit.rejected],
        ['invalid address', audit.invalid],
        ...Object.entries(audit.reasons)
          .sort((a, b) => b[1] - a[1])
          .map(([reason, n]): [string, number] => [`  refused: ${reason}`, n]),
      ];
      console.log(`Segment of ${audit.total} for ${purpose} by ${channel} (from ${from}):`);
      for (const [label, n] of lines) console.log(`${label.padEnd(40)} ${String(n).padStart(9)}`);
      console.log(
        '(A refused recipient may have several reasons: the reason lines can add up to more than "refused".)',
      );
    });
}
