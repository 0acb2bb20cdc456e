/**
 * An error the CLI shows as it is: one sentence saying what went wrong and how to fix
 * it. Anything else is explained by `explain()`; the stack is shown only with --verbose.
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    /** 2 for a usage error (as commander), 1 otherwise. */
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && chain.length < 8; e = (e as { cause?: unknown }).cause)
    chain.push(e);
  return chain;
}

const text = (e: unknown) => `${(e as Error)?.name ?? ''}: ${(e as Error)?.message ?? String(e)}`;

/** Errors of the modules the commands call whose message is already one sentence with its fix. */
const SENTENCES = new Set(['StartError', 'StackLockedError', 'PrerequisiteError', 'IdentityTakenError']);

/** The one sentence shown for an error that is not a CliError: the known causes first. */
export function explain(error: unknown): string {
  if (error instanceof CliError || SENTENCES.has((error as Error)?.name)) return (error as Error).message;
  const chain = causes(error);
  const all = chain.map(text).join(' / ');
  if (/Region is missing/i.test(all))
    return 'No AWS region is set: add --region <the table’s region> (or set AWS_REGION), or leave out --table to use the local stack of npm start.';
  if (/Could not load credentials|CredentialsProviderError/i.test(all))
    return 'No AWS credentials were found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or leave out --table to use the local stack of npm start.';
  if (chain.some((e) => (e as NodeJS.ErrnoException)?.code === 'ECONNREFUSED') || /ECONNREFUSED/.test(all))
    return 'The local stack does not answer: start it with npm start (in another terminal), or pass --local-dir for another checkout’s stack.';
  if (/ResourceNotFoundException/.test(all))
    return 'The table does not exist: check --table (the TableName output of the deployed stack) and --region.';
  // By name, so that --help does not load zod.
  const zod = chain.find((e) => (e as Error)?.name === 'ZodError') as
    | { issues: { path: PropertyKey[]; message: string }[] }
    | undefined;
  if (zod) {
    const issue = zod.issues[0];
    return `Invalid ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'see --verbose'}.`;
  }
  const first = chain[0] as Error | undefined;
  return `${first?.message ?? String(error)} (run again with --verbose for the details).`;
}
