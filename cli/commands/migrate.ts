import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../errors';
import { parseOption, targetOptions, withTargetOptions } from '../options';

/**
 * Moves recipient partitions written under case-preserving keys to the case-folded key
 * (shared/adapters/dynamodb-recipient-key-migration.ts says how), and gives API keys and
 * SES credentials written before they could be listed their index attributes
 * (shared/adapters/dynamodb-key-index-migration.ts); idempotent, prints counts, never an
 * address.
 */
export function register(program: Command): void {
  const command = program
    .command('migrate')
    .description(
      're-key recipients stored before addresses were case-folded, index keys stored before they could be listed (idempotent; prints counts)',
    )
    .option('--tenant <id>', 'only this tenant (default: every tenant)')
    .option('--addresses <file>', 'one "tenant,address" a line, for old partitions that hold no profile')
    .option(
      '--identities',
      'instead: create the claims of sending identities stored in tenant items before the operator assigned them (R10; a conflict is refused and listed)',
      false,
    )
    .option('--dry-run', 'count what would move, write nothing', false);
  withTargetOptions(command, true)
    .addHelpText(
      'after',
      '\nExamples:\n  npx consent-gate migrate --dry-run\n  npm run migrate -- --tenant demo',
    )
    .action(async (opts: Record<string, unknown>) => {
      if (opts.identities === true) return migrateIdentities(opts);
      const [{ migrateRecipientKeys }, { backfillKeyIndex }, { tenantIdSchema }, { openTarget }] =
        await Promise.all([
          import('../../shared/adapters/dynamodb-recipient-key-migration'),
          import('../../shared/adapters/dynamodb-key-index-migration'),
          import('../../shared/schemas/tenant'),
          import('../target'),
        ]);
      const tenantId =
        opts.tenant === undefined ? undefined : parseOption(tenantIdSchema, opts.tenant, '--tenant');
      const file = opts.addresses as string | undefined;
      const addresses = file === undefined ? undefined : readAddresses(file);
      const target = openTarget(targetOptions(opts), { keys: true });
      const keys = await target.keys();
      const dryRun = opts.dryRun === true;
      const counts = {
        ...(await migrateRecipientKeys(
          { doc: target.table.doc, tableName: target.table.name, hashKey: keys.hashKey },
          { tenantId, addresses, dryRun },
        )),
        ...(await backfillKeyIndex(
          { doc: target.table.doc, tableName: target.table.name },
          { tenantId, dryRun },
        )),
      };
      console.log(dryRun ? 'Dry run: nothing written.' : 'Recipient keys migrated.');
      for (const [name, count] of Object.entries(counts)) console.log(`${name.padEnd(20)} ${count}`);
    });
}

/** R10: claims for the identities of tenants created before claims; conflicts listed, exit code 1. */
async function migrateIdentities(opts: Record<string, unknown>): Promise<void> {
  const [{ migrateIdentityClaims }, { tenantIdSchema }, { openTarget }, { systemClock }] = await Promise.all([
    import('../../shared/services/identities'),
    import('../../shared/schemas/tenant'),
    import('../target'),
    import('../../shared/ports/clock'),
  ]);
  const tenantId =
    opts.tenant === undefined ? undefined : parseOption(tenantIdSchema, opts.tenant, '--tenant');
  const target = openTarget(targetOptions(opts), { keys: false });
  const dryRun = opts.dryRun === true;
  const result = await migrateIdentityClaims(
    { tenants: target.tenants, clock: systemClock },
    { tenantId, dryRun },
  );
  console.log(dryRun ? 'Dry run: nothing written.' : 'Identity claims created.');
  console.log(`${'tenants'.padEnd(20)} ${result.tenants}`);
  console.log(`${'claimed'.padEnd(20)} ${result.claimed}`);
  console.log(`${'already claimed'.padEnd(20)} ${result.alreadyClaimed}`);
  console.log(`${'conflicts'.padEnd(20)} ${result.conflicts.length}`);
  for (const c of result.conflicts) {
    console.log(
      `  ${c.tenantId}: ${c.kind} ${c.identity} is held by ${c.holder} (not claimed; it sends from it no more)`,
    );
  }
  if (result.conflicts.length > 0) process.exitCode = 1;
}

function readAddresses(file: string): { tenantId: string; address: string }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`${file} cannot be read: give the path of a "tenant,address" list.`, 2);
  }
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      const comma = line.indexOf(',');
      if (comma <= 0) throw new CliError(`${file} line ${i + 1}: expected "tenant,address".`, 2);
      return { tenantId: line.slice(0, comma).trim(), address: line.slice(comma + 1).trim() };
    });
}
