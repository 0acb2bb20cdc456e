import { type Command, Option } from 'commander';
import { ensurePrerequisites, type Purpose } from '../prerequisites';

export function register(program: Command): void {
  program
    .command('check')
    .description('check (and as root with apt-get, install) what npm test or npm start needs; run by pretest')
    .addOption(
      new Option('--for <what>', 'the command to check for').choices(['test', 'start']).default('test'),
    )
    .action((opts: { for: Purpose }) => {
      ensurePrerequisites(opts.for);
    });
}
