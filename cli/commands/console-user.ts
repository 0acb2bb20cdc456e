import type { Command } from 'commander';
import * as z from 'zod';
import { CliError } from '../errors';
import { parseOption, targetOptions, withTargetOptions } from '../options';

export function register(program: Command): void {
  const consoleUser = program
    .command('console-user')
    .description('manage the people who sign in to the console with the user pool (Cognito)');
  const add = consoleUser
    .command('add')
    .description(
      'create a user in the console’s user pool for a tenant, in the admin or compliance group: Cognito emails a temporary password, replaced at the first sign-in',
    )
    .requiredOption('--user-pool <id>', 'the console’s user pool id (the ConsoleUserPoolId output)')
    .requiredOption('--tenant <id>', 'the tenant the user acts for (must exist)')
    .requiredOption('--email <address>', 'the user’s email address: their username')
    .requiredOption('--role <role>', 'admin (reads and changes) or compliance (reads only)');
  withTargetOptions(add, false)
    .addHelpText(
      'after',
      '\nExample:\n  npx consent-gate console-user add --table <TableName> --region eu-west-3 --user-pool <ConsoleUserPoolId> --tenant acme --email dpo@acme.example --role compliance',
    )
    .action(async (opts: Record<string, unknown>) => {
      // Loaded when run, so that --help answers at once.
      const [
        { addConsoleUser, UnknownTenantError },
        { CognitoIdentityProviderClient },
        { tenantIdSchema },
        { openTarget },
      ] = await Promise.all([
        import('../../scripts/console-user'),
        import('@aws-sdk/client-cognito-identity-provider'),
        import('../../shared/schemas/tenant'),
        import('../target'),
      ]);
      const tenantId = parseOption(tenantIdSchema, opts.tenant, '--tenant');
      const email = parseOption(z.email(), opts.email, '--email');
      const role = parseOption(z.enum(['admin', 'compliance']), opts.role, '--role');
      const userPoolId = parseOption(z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/), opts.userPool, '--user-pool');
      const target = openTarget(targetOptions(opts), { keys: false });
      const region = (opts.region as string | undefined) ?? userPoolId.split('_')[0];
      const user = await addConsoleUser(
        { tenants: target.tenants, cognito: new CognitoIdentityProviderClient({ region, maxAttempts: 3 }) },
        { userPoolId, tenantId, email, role },
      ).catch((error: unknown) => {
        if (error instanceof UnknownTenantError) throw new CliError(error.message);
        if (error instanceof Error && error.name === 'UsernameExistsException')
          throw new CliError(`${email} has an account in user pool ${userPoolId} already.`);
        throw error;
      });
      console.log(JSON.stringify(user, null, 2));
      console.log(
        `Created in user pool ${userPoolId} for tenant ${tenantId} (${target.description}). Cognito emails ${email} a temporary password; the first sign-in at /console asks for a new one.`,
      );
    });
}
