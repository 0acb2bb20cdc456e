import * as z from 'zod';
import { type InputIssue, InvalidInputError } from './validation';

/**
 * SES v1 (the Query API): `POST /` with a form body, `Action=SendEmail&Version=2010-12-01&…`.
 * Lists are flattened as `Name.member.N` (N from 1), structures as `Name.Field`: the form is
 * rebuilt into objects and arrays here, then each action's fields are parsed with zod.
 * Fields are strict: one the gateway does not know is refused by name, never dropped.
 */

/** A path of the rebuilt input, written back in the Query API's own spelling (`To.member.1`). */
export function queryFieldName(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `member.${p + 1}` : String(p))).join('.');
}

type Node = { [key: string]: Node | string };

function listOf(node: Node, field: string): unknown {
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === 'member' && typeof node.member === 'object') {
    const members = node.member;
    const indexes = Object.keys(members).map((k) => {
      if (!/^[1-9][0-9]{0,3}$/.test(k)) {
        throw new InvalidInputError([{ field: `${field}.member.${k}`, problem: 'a list index is 1, 2, 3…' }]);
      }
      return Number(k);
    });
    indexes.sort((a, b) => a - b);
    // SES reads members 1…N in order: a gap would silently drop the ones after it.
    indexes.forEach((n, i) => {
      if (n !== i + 1) {
        throw new InvalidInputError([
          {
            field: `${field}.member.${i + 1}`,
            problem: 'is missing: list members are numbered 1, 2, 3… without gaps',
          },
        ]);
      }
    });
    return indexes.map((n) => rebuild(members[String(n)]!, `${field}.member.${n}`));
  }
  // Own properties whatever the name: a field called `__proto__` is then just an unknown field.
  return Object.fromEntries(
    keys.map((key) => [key, rebuild(node[key]!, field === '' ? key : `${field}.${key}`)]),
  );
}

function rebuild(node: Node | string, field: string): unknown {
  return typeof node === 'string' ? node : listOf(node, field);
}

/** The form body, rebuilt: `{ Action, Version, …fields }`. A field given twice or as both a value and a structure is refused. */
export function parseQueryForm(body: string): Record<string, unknown> {
  // Null-prototype nodes: the sender names the keys, and `__proto__.x` or `constructor.prototype.x`
  // must build a node of their own, never reach Object.prototype.
  const root: Node = Object.create(null);
  const issues: InputIssue[] = [];
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split('.');
    if (parts.some((p) => p === '')) {
      issues.push({ field: key, problem: 'is not a valid parameter name' });
      continue;
    }
    let node = root;
    let ok = true;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next === 'string') {
        ok = false;
        break;
      }
      if (next === undefined) node[part] = Object.create(null);
      node = node[part] as Node;
    }
    const last = parts.at(-1)!;
    if (!ok || node[last] !== undefined) {
      issues.push({ field: key, problem: 'is given twice, or both as a value and as a structure' });
      continue;
    }
    node[last] = value;
  }
  if (issues.length > 0) throw new InvalidInputError(issues);
  return listOf(root, '') as Record<string, unknown>;
}

/** Parses one action's fields, naming a bad field as the Query API spells it. */
export function parseQueryInput<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new InvalidInputError(
    result.error.issues.map((issue) => ({
      field: issue.path.length > 0 ? queryFieldName(issue.path) : '(body)',
      problem: issue.message,
    })),
  );
}

/** Every action's envelope. The Query API's Version is fixed for SES v1. */
const common = {
  Action: z.string(),
  Version: z.literal('2010-12-01').optional(),
};
/** The SDK writes an empty list as the bare name (`Tags=`): an empty string where a list is expected is []. */
const list = <T extends z.ZodType>(member: T, max: number) =>
  z.preprocess((v) => (v === '' ? [] : v), z.array(member).max(max)).optional();
const content = z.strictObject({ Data: z.string(), Charset: z.string().max(64).optional() });
const addresses = list(z.string().max(400), 50);
const tags = list(z.strictObject({ Name: z.string().min(1).max(256), Value: z.string().max(256) }), 50);

export const sesV1SendEmailSchema = z.strictObject({
  ...common,
  Source: z.string().min(1).max(400),
  Destination: z.strictObject({ ToAddresses: addresses, CcAddresses: addresses, BccAddresses: addresses }),
  Message: z.strictObject({
    Subject: content,
    Body: z.strictObject({ Text: content.optional(), Html: content.optional() }),
  }),
  ReplyToAddresses: list(z.string().max(400), 10),
  ReturnPath: z.string().max(400).optional(),
  SourceArn: z.string().max(2048).optional(),
  ReturnPathArn: z.string().max(2048).optional(),
  Tags: tags,
  ConfigurationSetName: z.string().min(1).max(64).optional(),
});
export type SesV1SendEmailInput = z.output<typeof sesV1SendEmailSchema>;

export const sesV1SendRawEmailSchema = z.strictObject({
  ...common,
  Source: z.string().min(1).max(400).optional(),
  Destinations: addresses,
  /** The raw message's bytes, base64-encoded (the SDK encodes a Uint8Array so). */
  RawMessage: z.strictObject({ Data: z.base64() }),
  FromArn: z.string().max(2048).optional(),
  SourceArn: z.string().max(2048).optional(),
  ReturnPathArn: z.string().max(2048).optional(),
  Tags: tags,
  ConfigurationSetName: z.string().min(1).max(64).optional(),
});
export type SesV1SendRawEmailInput = z.output<typeof sesV1SendRawEmailSchema>;

export const sesV1ListIdentitiesSchema = z.strictObject({
  ...common,
  IdentityType: z.enum(['EmailAddress', 'Domain']).optional(),
  MaxItems: z.coerce.number().int().min(1).max(1000).optional(),
  NextToken: z.string().optional(),
});

/** GetSendQuota and GetSendStatistics take no fields. */
export const sesV1NoFieldsSchema = z.strictObject(common);
