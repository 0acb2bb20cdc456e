import type { Command } from 'commander';
import { CliError } from '../errors';
import { parseOption, targetOptions, withTargetOptions } from '../options';

/**
 * The operator's assignment of a sending identity to one tenant (docs/rules.md, Vocabulary
 * "Tenant"; R10), on the table: an email identity, or an SMS sender id with the origination
 * identity it sends through. Each is a claim item written only if absent: an identity another
 * tenant holds is refused, naming it. `--release` takes it back.
 */
export function register(program: Command): void {
  const command = program
    .command('assign-identity')
    .description(
      'assign a sending identity to one tenant (email domain or address, or SMS sender), or --release it',
    )
    .requiredOption('--tenant <id>', 'the tenant id')
    .option('--identity <domain-or-address>', 'an email identity (SES domain or address)')
    .option('--sms-sender <id>', 'an SMS sender id: short code, E.164 number or alphanumeric id')
    .option(
      '--origination <identity>',
      'with --sms-sender: the End User Messaging origination identity it sends through',
    )
    .option(
      '--type <type>',
      'with --sms-sender: short_code, alphanumeric or long_code (default: what the id is)',
    )
    .option('--release', 'take the identity back from the tenant (frees its claim)', false);
  withTargetOptions(command, false)
    .addHelpText(
      'after',
      '\nExamples:\n  npx consent-gate assign-identity --tenant acme --identity acme.com\n  npx consent-gate assign-identity --tenant acme --sms-sender 36200 --origination phone-number/local-36200\n  npx consent-gate assign-identity --tenant acme --identity acme.com --release',
    )
    .action(async (opts: Record<string, unknown>) => {
      const [{ tenantIdSchema, smsSenderTypeSchema }, api, { openTarget }, { systemClock }, identities] =
        await Promise.all([
          import('../../shared/schemas/tenant'),
          import('../../shared/schemas/api'),
          import('../target'),
          import('../../shared/ports/clock'),
          import('../../shared/services/identities'),
        ]);
      const tenantId = parseOption(tenantIdSchema, opts.tenant, '--tenant');
      if ((opts.identity === undefined) === (opts.smsSender === undefined)) {
        throw new CliError('Give one of --identity <domain-or-address> or --sms-sender <id>.', 2);
      }
      const target = openTarget(targetOptions(opts), { keys: false });
      const deps = { tenants: target.tenants, clock: systemClock };
      const release = opts.release === true;
      if (opts.identity !== undefined) {
        const identity = parseOption(api.identityParamSchema, opts.identity, '--identity');
        if (release) await identities.unassignEmailIdentity(deps, tenantId, identity);
        else await identities.assignEmailIdentity(deps, tenantId, identity);
        console.log(
          `${release ? 'Released' : 'Assigned'} ${identity} ${release ? 'from' : 'to'} ${tenantId} in ${target.description}.`,
        );
        return;
      }
      const senderId = parseOption(api.smsSenderIdSchema, opts.smsSender, '--sms-sender');
      if (release) {
        await identities.unassignSmsSender(deps, tenantId, senderId);
        console.log(`Released SMS sender ${senderId} from ${tenantId} in ${target.description}.`);
        return;
      }
      if (opts.origination === undefined) {
        throw new CliError(
          '--sms-sender needs --origination <identity> (the End User Messaging origination identity).',
          2,
        );
      }
      const type =
        opts.type === undefined ? undefined : parseOption(smsSenderTypeSchema, opts.type, '--type');
      const sender = await identities.assignSmsSender(deps, tenantId, senderId, {
        originationIdentity: String(opts.origination).trim(),
        type,
      });
      console.log(JSON.stringify(sender, null, 2));
      console.log(`Assigned in ${target.description}.`);
    });
}
