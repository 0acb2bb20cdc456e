import { type Command, InvalidArgumentError } from 'commander';
import { CliError } from './errors';

/** The options every command that reads or writes the table shares. */
export interface TargetOptions {
  readonly table?: string;
  readonly region?: string;
  readonly hashSecret?: string;
  readonly tokenSecret?: string;
  readonly localDir: string;
}

export const DEFAULT_LOCAL_DIR = process.env.CONSENT_GATE_DIR ?? '.consent-gate';

/** --table/--region/--hash-secret/--token-secret/--local-dir, shared by the commands that use the table. */
export function withTargetOptions(command: Command, needsKeys: boolean): Command {
  command
    .option('--table <name>', 'a deployed gateway’s table (the TableName output); default: the local stack')
    .option('--region <region>', 'the table’s AWS region (default: AWS_REGION)');
  if (needsKeys) {
    command
      .option('--hash-secret <arn>', 'with --table: the recipient hash key’s Secrets Manager ARN')
      .option('--token-secret <arn>', 'with --table: the token keys’ Secrets Manager ARN');
  }
  return command.option(
    '--local-dir <dir>',
    'the local stack’s folder (local.json, keys.json) used when no --table is given',
    DEFAULT_LOCAL_DIR,
  );
}

export function targetOptions(opts: Record<string, unknown>): TargetOptions {
  return {
    table: opts.table as string | undefined,
    region: opts.region as string | undefined,
    hashSecret: opts.hashSecret as string | undefined,
    tokenSecret: opts.tokenSecret as string | undefined,
    localDir: opts.localDir as string,
  };
}

/** A commander argument parser for a positive integer ("--rows 1000"). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}

/** Parses an option's value with its zod schema; a bad value is a usage error naming the option. */
export function parseOption<T>(
  schema: {
    safeParse(
      value: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } };
  },
  value: unknown,
  flag: string,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new CliError(`${flag} "${String(value)}" ${result.error.issues[0]?.message ?? 'is invalid'}.`, 2);
}
