/**
 * The value of `record`'s own property `key`, or undefined. Purpose ids, SMS sender ids and
 * wording versions are the tenant's or the sender's words, used as keys of plain objects:
 * `record[key]` would answer an inherited `constructor` or `toString` for a key nobody
 * declared (the id patterns let `constructor` through), and `__proto__` would answer the
 * prototype. Every lookup by such a key goes through here.
 */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
