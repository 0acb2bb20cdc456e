import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * SES-style credentials for senders (an access key id and a secret access key). SigV4
 * verification needs the secret itself (or a signing key derived from it per day, region
 * and service, which cannot be computed ahead without the secret), so a one-way hash
 * like the API keys' would not do: the secret is stored encrypted. Deployed, under a KMS
 * key only the SES endpoint may decrypt with (adapters/key-rings.ts); here, AES-256-GCM
 * under a key derived (HKDF) from a given key (the local runner's credential key; for
 * credentials created before the KMS key existed, the recipient hash key, which never
 * rotates, R11), the access key id as associated data so a ciphertext cannot be moved to
 * another credential. A table dump alone reveals no secret.
 */
export class CredentialDecryptionError extends Error {
  override name = 'CredentialDecryptionError';
}

const INFO = 'consent-gate/sender-credential-secret/v1';

/** The KMS encryption context's purpose: the key policy allows Encrypt and Decrypt only with it. */
export const CREDENTIAL_SECRET_PURPOSE = 'ses-credential-secret';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `CGAK` + 16 base-32 characters: the shape of an AWS access key id (20 upper-case characters). */
export function generateAccessKeyId(): string {
  const bytes = randomBytes(16);
  return `CGAK${[...bytes].map((b) => ALPHABET[b % 32]).join('')}`;
}

export function generateSecretAccessKey(): string {
  return randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

function key(hashKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', hashKey, Buffer.alloc(0), INFO, 32));
}

export function encryptSecret(hashKey: Buffer, accessKeyId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(hashKey), iv);
  cipher.setAAD(Buffer.from(accessKeyId));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function decryptSecret(hashKey: Buffer, accessKeyId: string, sealed: string): string {
  try {
    const data = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key(hashKey), data.subarray(0, 12));
    decipher.setAAD(Buffer.from(accessKeyId));
    decipher.setAuthTag(data.subarray(12, 28));
    return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new CredentialDecryptionError('The stored secret cannot be decrypted', { cause: error });
  }
}
