import type { Command } from 'commander';
import { parseOption, targetOptions, withTargetOptions } from '../options';

/**
 * Issues an operator key (shown once) for the operator API, /v1/operator/…: whoever may
 * write the table is the operator already, so the key is issued there. `--list` shows the
 * operator keys (metadata only), `--revoke <keyId>` revokes one (refused within 5 s).
 */
export function register(program: Command): void {
  const command = program
    .command('operator-key')
    .description('issue an operator key for /v1/operator/… (creates tenants, assigns identities); shown once')
    .option('--label <text>', 'a label to tell keys apart', 'operator key')
    .option('--list', 'list the operator keys (metadata only) instead of issuing one')
    .option('--revoke <keyId>', 'revoke this operator key instead of issuing one');
  withTargetOptions(command, false)
    .addHelpText(
      'after',
      '\nExamples:\n  npx consent-gate operator-key\n  npx consent-gate operator-key --table <TableName> --region eu-west-3',
    )
    .action(async (opts: Record<string, unknown>) => {
      const [
        { issueOperatorKey },
        { systemClock },
        { openTarget },
        { OPERATOR_TENANT_ID },
        { keyIdParamSchema },
      ] = await Promise.all([
        import('../../shared/services/operator'),
        import('../../shared/ports/clock'),
        import('../target'),
        import('../../shared/ports/credential-store'),
        import('../../shared/schemas/api'),
      ]);
      const target = openTarget(targetOptions(opts), { keys: false });
      if (opts.list === true) {
        const keys = await target.credentials.listApiKeys(OPERATOR_TENANT_ID);
        console.log(JSON.stringify({ keys }, null, 2));
        return;
      }
      if (opts.revoke !== undefined) {
        const keyId = parseOption(keyIdParamSchema, opts.revoke, '--revoke');
        const revoked = await target.credentials.revokeApiKey(
          OPERATOR_TENANT_ID,
          keyId,
          systemClock.now().toISOString(),
        );
        console.log(JSON.stringify(revoked, null, 2));
        console.log(`Revoked in ${target.description}: refused by every function instance within 5 s.`);
        return;
      }
      const issued = await issueOperatorKey(
        { tenants: target.tenants, credentials: target.credentials, clock: systemClock },
        String(opts.label),
      );
      console.log(JSON.stringify(issued, null, 2));
      console.log(`Issued in ${target.description}. Keep it: it is shown once.`);
    });
}
