import type { Command } from 'commander';
import { CliError } from '../errors';
import { parseOption, targetOptions, withTargetOptions } from '../options';

export function register(program: Command): void {
  const command = program
    .command('verify-audit')
    .description(
      "R15: check the audit trails' hash chains of one recipient, or of every recipient of a tenant",
    )
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--recipient <key>', 'one recipient key (default: every recipient of the tenant, streamed)');
  withTargetOptions(command, false)
    .addHelpText(
      'after',
      '\nExit code 1 when a chain is broken (its first break is printed: chain, kind, seq).\nExamples:\n  npx consent-gate verify-audit --tenant demo\n  npx consent-gate verify-audit --tenant demo --recipient <recipientKey>',
    )
    .action(async (opts: Record<string, unknown>) => {
      // Loaded when run, so that --help answers at once.
      const [{ verifyRecipientAudit, verifyTenantAudit }, { tenantIdSchema }, { openTarget }, progress] =
        await Promise.all([
          import('../../shared/services/audit-verify'),
          import('../../shared/schemas/tenant'),
          import('../target'),
          import('cli-progress'),
        ]);
      const tenantId = parseOption(tenantIdSchema, opts.tenant, '--tenant');
      const target = openTarget(targetOptions(opts), { keys: false });
      const describe = (v: Awaited<ReturnType<typeof verifyRecipientAudit>>) =>
        v.break
          ? `${v.recipientKey}: BROKEN in ${v.break.chain} at seq ${v.break.seq}: ${v.break.kind} (${v.break.detail})`
          : `${v.recipientKey}: ok (changes ${summary(v.changes)}, decisions ${summary(v.decisions)}${v.unchained ? `, ${v.unchained} events of before the chain, not verifiable` : ''})`;
      if (opts.recipient !== undefined) {
        const verdict = await verifyRecipientAudit({ store: target.store }, tenantId, String(opts.recipient));
        console.log(describe(verdict));
        if (!verdict.ok) throw new CliError('The audit chain is broken.', 1);
        return;
      }
      // A progress line on a terminal only (a pipe or a CI log gets the summary alone); the
      // total is unknown while the tenant's recipients are streamed.
      const bar = process.stderr.isTTY
        ? new progress.SingleBar(
            {
              stream: process.stderr,
              format: 'verify-audit {value} recipients checked, {broken} broken ({duration}s)',
              hideCursor: true,
            },
            progress.Presets.shades_classic,
          )
        : undefined;
      bar?.start(0, 0, { broken: 0 });
      let broken = 0;
      const result = await verifyTenantAudit({ store: target.store }, tenantId, (v) => {
        if (!v.ok) broken += 1;
        bar?.increment(1, { broken });
      });
      bar?.stop();
      for (const v of result.broken) console.log(describe(v));
      console.log(
        `${result.recipients} recipients checked in ${tenantId}: ${result.broken.length} broken${result.unchained ? `; ${result.unchained} events of before the chain, not verifiable` : ''}`,
      );
      if (result.broken.length > 0) throw new CliError('At least one audit chain is broken.', 1);
    });
}

function summary(chain: { ok: boolean; events?: number; tombstones?: number }): string {
  return `${chain.events ?? 0} events${chain.tombstones ? `, ${chain.tombstones} tombstones` : ''}`;
}
