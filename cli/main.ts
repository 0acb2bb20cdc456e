import { Command, CommanderError } from 'commander';
import { register as assignIdentity } from './commands/assign-identity';
import { register as auditSegment } from './commands/audit-segment';
import { register as bench } from './commands/bench';
import { register as check } from './commands/check';
import { register as consoleUser } from './commands/console-user';
import { register as createTenant } from './commands/create-tenant';
import { register as genLegacy } from './commands/gen-legacy';
import { register as importBase } from './commands/import';
import { register as keys } from './commands/keys';
import { register as migrate } from './commands/migrate';
import { register as operatorKey } from './commands/operator-key';
import { register as redrive } from './commands/redrive';
import { register as redriveEvents } from './commands/redrive-events';
import { register as start } from './commands/start';
import { register as verifyAudit } from './commands/verify-audit';
import { explain } from './errors';

/**
 * `consent-gate <command>`: one CLI for the operator's commands. Each command is a small
 * module under cli/commands/ that registers itself and calls a plain exported function
 * (scripts/*.ts, infra/local/start.ts), so a new command is one file and one line here.
 */
export const COMMANDS = [
  start,
  createTenant,
  assignIdentity,
  operatorKey,
  importBase,
  auditSegment,
  verifyAudit,
  migrate,
  redrive,
  redriveEvents,
  bench,
  genLegacy,
  check,
  keys,
  consoleUser,
] as const;

export function buildProgram(): Command {
  const program = new Command('consent-gate')
    .description('A gateway that lets through only the marketing email and SMS the law allows.')
    .option('--verbose', 'on an error, show the stack trace and its causes')
    .showHelpAfterError('(add --help for the options)')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander printed its one line (or the help) already.
      process.exitCode = error.exitCode;
      return;
    }
    const verbose = argv.includes('--verbose');
    console.error(`consent-gate: ${explain(error)}`);
    if (verbose) console.error(error);
    process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
  }
}
