import type { Command } from 'commander';
import { parseOption, targetOptions, withTargetOptions } from '../options';

export function register(program: Command): void {
  const command = program
    .command('create-tenant')
    .description(
      'create a tenant, assign its email identities (claimed: one tenant each) and issue its first admin key (one more admin key if it exists)',
    )
    .requiredOption('--tenant <id>', 'the tenant id (lower case, digits, dashes)')
    .requiredOption('--name <brand>', 'the brand name shown to recipients')
    .option(
      '--identity <domain-or-address>',
      'an SES identity the tenant sends from, assigned to it alone (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    );
  withTargetOptions(command, false)
    .addHelpText(
      'after',
      '\nExamples:\n  npx consent-gate create-tenant --tenant acme --name "Acme" --identity acme.com\n  npx consent-gate create-tenant --table <TableName> --region eu-west-3 --tenant acme --name "Acme"',
    )
    .action(async (opts: Record<string, unknown>) => {
      // Loaded when run, so that --help answers at once.
      const [{ createTenant }, { systemClock }, { tenantIdSchema }, { identityParamSchema }, { openTarget }] =
        await Promise.all([
          import('../../scripts/create-tenant'),
          import('../../shared/ports/clock'),
          import('../../shared/schemas/tenant'),
          import('../../shared/schemas/api'),
          import('../target'),
        ]);
      const tenantId = parseOption(tenantIdSchema, opts.tenant, '--tenant');
      const identities = (opts.identity as string[]).map((i) =>
        parseOption(identityParamSchema, i, '--identity'),
      );
      const target = openTarget(targetOptions(opts), { keys: false });
      const result = await createTenant(
        { tenants: target.tenants, credentials: target.credentials, clock: systemClock },
        { id: tenantId, name: String(opts.name), identities },
      );
      if (!result.created) console.log(`Tenant ${tenantId} exists already: issuing one more admin key.`);
      const { created: _created, ...shown } = result;
      console.log(JSON.stringify(shown, null, 2));
      console.log(
        `Created in ${target.description}. Keep the admin key: it is shown once. Declare purposes and sender keys through the API; assign more identities with npx consent-gate assign-identity.`,
      );
    });
}
