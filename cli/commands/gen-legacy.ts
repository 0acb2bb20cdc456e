import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { positiveInt } from '../options';

export function register(program: Command): void {
  program
    .command('gen-legacy')
    .description('write a synthetic legacy base for the demo tenant (fictitious addresses), to try import')
    .option('--rows <n>', 'number of rows', positiveInt, 10_000)
    .option('--out <file>', 'the CSV to write', '/tmp/legacy.csv')
    .option(
      '--seed <n>',
      'the same seed gives the same file',
      (value: string) => {
        const n = Number(value);
        if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer.');
        return n;
      },
      1,
    )
    .addHelpText('after', '\nExample:\n  npx consent-gate gen-legacy --rows 1000000 --out /tmp/legacy-1m.csv')
    .action(async (opts: { rows: number; out: string; seed: number }) => {
      const { generateLegacyCsv } = await import('../../scripts/gen-legacy-csv');
      await generateLegacyCsv(opts);
      console.error(`${opts.rows} rows written to ${opts.out}`);
    });
}
