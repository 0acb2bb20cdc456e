import { type Command, Option } from 'commander';
import type { BenchSection } from '../../scripts/bench/index';
import { positiveInt } from '../options';

export function register(program: Command): void {
  program
    .command('bench')
    .description(
      'measure decide(), the local end-to-end path, store requests, bundles and the cost per million',
    )
    .option(
      '--messages <n>',
      'messages per path and body in the gateway section (default 1500, 150 with --quick)',
      positiveInt,
    )
    .option('--concurrency <n>', 'messages in flight', positiveInt)
    .option('--quick', 'a fast check: fewer messages and samples', false)
    .option(
      '--out <file>',
      'where the markdown report is written (default bench/latest.md, or bench/<section>.md)',
    )
    .addOption(
      new Option('--section <name>', 'run one part only').choices([
        'decide',
        'inject',
        'bundles',
        'gateway',
        'partition',
        'overview',
      ]),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  npm run bench -- --quick\n  npx consent-gate bench --messages 2000 --concurrency 16 --out /tmp/bench.md',
    )
    .action(
      async (opts: {
        messages?: number;
        concurrency?: number;
        quick: boolean;
        out?: string;
        section?: BenchSection;
      }) => {
        const { runBench } = await import('../../scripts/bench/index');
        const args = process.argv.slice(3);
        await runBench({
          ...opts,
          command: `npx consent-gate bench${args.length > 0 ? ` ${args.join(' ')}` : ''}`,
        });
        // The bench's local stack and bundles leave handles behind (as before: it always exited).
        process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      },
    );
}
