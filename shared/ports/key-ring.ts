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
  /**
   * SES credential secrets: SigV4 verification needs the secret itself, so it is stored
   * encrypted (never hashed), under a key only the functions that create credentials may
   * encrypt with and only the SES endpoint may decrypt with (KMS in AWS, a local key in
   * the local runner). The access key id binds a ciphertext to its credential.
   */
  sealCredentialSecret(accessKeyId: string, secret: string): Promise<string>;
  openCredentialSecret(accessKeyId: string, sealed: string): Promise<string>;
}
