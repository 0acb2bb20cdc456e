import type { ZodType, z } from 'zod';

/** One problem with the input, safe to show: the field's path and what is wrong with it. */
export interface InputIssue {
  readonly field: string;
  readonly problem: string;
}

export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(readonly issues: readonly InputIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.problem}`).join('; '));
  }
}

export function issuesOf(error: z.ZodError): InputIssue[] {
  const fieldOf = (path: readonly PropertyKey[]) => (path.length > 0 ? path.map(String).join('.') : '(body)');
  return error.issues.flatMap((issue) =>
    // A field the request may not carry is named itself, not the object that holds it.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          // An empty key still names something a client can find.
          field: fieldOf([...issue.path, key === '' ? '""' : key]),
          problem: 'is not a field of this request',
        }))
      : [{ field: fieldOf(issue.path), problem: issue.message }],
  );
}

/** Parses at the edge; inside, data is trusted. */
export function parseInput<S extends ZodType>(schema: S, data: unknown, prefix?: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  throw new InvalidInputError(prefix ? issues.map((i) => ({ ...i, field: `${prefix}.${i.field}` })) : issues);
}
