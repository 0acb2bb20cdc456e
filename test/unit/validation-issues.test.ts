import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type InvalidInputError, parseInput } from '../../shared/schemas/validation';

const schema = z.object({ limit: z.number(), nested: z.object({ a: z.string() }).strict() }).strict();
const issues = (data: unknown, prefix?: string) => {
  try {
    parseInput(schema, data, prefix);
  } catch (error) {
    return (error as InvalidInputError).issues;
  }
  throw new Error('parsed');
};

describe('the fields a 400 names', () => {
  it('names each field the request may not carry, not the object holding it', () => {
    // Before, both were one issue named '(body)' / 'nested' ("Unrecognized keys: …").
    expect(issues({ limit: 1, nested: { a: 'x' }, tenant: 'other', role: 'admin' })).toEqual([
      { field: 'tenant', problem: 'is not a field of this request' },
      { field: 'role', problem: 'is not a field of this request' },
    ]);
    expect(issues({ limit: 1, nested: { a: 'x' }, '': 1 }).map((i) => i.field)).toEqual(['""']);
    expect(issues({ limit: 1, nested: { a: 'x', b: 1 } }, 'query')).toEqual([
      { field: 'query.nested.b', problem: 'is not a field of this request' },
    ]);
  });

  it('names a wrong field by its path, and a wrong whole body as (body)', () => {
    expect(issues({ limit: 'x', nested: { a: 'x' } }).map((i) => i.field)).toEqual(['limit']);
    expect(issues('text').map((i) => i.field)).toEqual(['(body)']);
  });
});
