/** Secret keys the domain needs; where they come from (Secrets Manager, a local file) is an adapter's business. */
export interface KeyMaterial {
  /** R11: key of the keyed hash that names recipients. Never rotated: rotating it would orphan suppressions. */
  readonly hashKey: Buffer;
  /** Unsubscribe token keys by key id; all verify, the active one signs. */
  readonly tokenKeys: ReadonlyMap<string, Buffer>;
  readonly activeTokenKeyId: string;
}

export interface KeyRing {
  load(): Promise<KeyMaterial>;
}
