import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import {
  CREDENTIAL_SECRET_PURPOSE,
  CredentialDecryptionError,
  decryptSecret,
  encryptSecret,
} from '../domain/sender-credential';
import type { KeyMaterial, KeyRing } from '../ports/key-ring';

export class KeyRingError extends Error {
  override name = 'KeyRingError';
}

/**
 * How a stored credential secret says what it is sealed under: `kms:v1:` (KMS Encrypt of
 * the secret, deployed), `local:v1:` (AES-256-GCM under the local runner's credential key),
 * or no prefix (credentials created before: AES-256-GCM under a key derived from the
 * recipient hash key, which every function that hashes addresses holds; still opened, so
 * that they keep working, until rotated).
 */
const KMS_PREFIX = 'kms:v1:';
const LOCAL_PREFIX = 'local:v1:';

/** The KMS encryption context: the key policy allows Decrypt only with this purpose, and the id binds the ciphertext. */
const encryptionContext = (accessKeyId: string) => ({
  'consent-gate:purpose': CREDENTIAL_SECRET_PURPOSE,
  'consent-gate:access-key-id': accessKeyId,
});

/** Opened secrets, per ciphertext, for this execution environment: one KMS Decrypt per credential, not per request. */
const OPENED_LIMIT = 1_000;

/** Credential secrets under a KMS key: Encrypt where the key policy allows it (Admin), Decrypt where it allows that (SesSendEmail). */
export class KmsCredentialSecrets {
  private readonly opened = new Map<string, string>();
  constructor(
    private readonly kms: KMSClient,
    private readonly keyArn: string,
  ) {}

  async seal(accessKeyId: string, secret: string): Promise<string> {
    const { CiphertextBlob } = await this.kms.send(
      new EncryptCommand({
        KeyId: this.keyArn,
        Plaintext: Buffer.from(secret, 'utf8'),
        EncryptionContext: encryptionContext(accessKeyId),
      }),
    );
    if (!CiphertextBlob) throw new KeyRingError('KMS returned no ciphertext');
    return `${KMS_PREFIX}${Buffer.from(CiphertextBlob).toString('base64')}`;
  }

  async open(accessKeyId: string, sealed: string): Promise<string> {
    const cached = this.opened.get(sealed);
    if (cached !== undefined) return cached;
    let plaintext: Uint8Array | undefined;
    try {
      ({ Plaintext: plaintext } = await this.kms.send(
        new DecryptCommand({
          KeyId: this.keyArn,
          CiphertextBlob: Buffer.from(sealed.slice(KMS_PREFIX.length), 'base64'),
          EncryptionContext: encryptionContext(accessKeyId),
        }),
      ));
    } catch (error) {
      // A ciphertext moved to another access key id fails its context: not the client's secret.
      if ((error as Error).name === 'InvalidCiphertextException')
        throw new CredentialDecryptionError('The stored secret cannot be decrypted', { cause: error });
      throw error;
    }
    if (!plaintext) throw new CredentialDecryptionError('KMS returned no plaintext');
    const secret = Buffer.from(plaintext).toString('utf8');
    if (this.opened.size >= OPENED_LIMIT) this.opened.delete(this.opened.keys().next().value as string);
    this.opened.set(sealed, secret);
    return secret;
  }
}

/** What a key ring does with credential secrets, given how it seals new ones. */
async function openWith(
  sealed: string,
  accessKeyId: string,
  ring: {
    hashKey: () => Promise<Buffer>;
    kms?: KmsCredentialSecrets;
    localKey?: Buffer;
  },
): Promise<string> {
  if (sealed.startsWith(KMS_PREFIX)) {
    if (ring.kms === undefined)
      throw new KeyRingError('This function may not decrypt credential secrets (no CREDENTIAL_KEY_ARN)');
    return ring.kms.open(accessKeyId, sealed);
  }
  if (sealed.startsWith(LOCAL_PREFIX)) {
    if (ring.localKey === undefined)
      throw new KeyRingError('A local credential secret outside the local runner');
    return decryptSecret(ring.localKey, accessKeyId, sealed.slice(LOCAL_PREFIX.length));
  }
  return decryptSecret(await ring.hashKey(), accessKeyId, sealed);
}

const hashSecretSchema = z.object({ key: z.string().min(32) });
/** `{"activeKeyId": "k2", "k1": "…", "k2": "…"}`: rotation adds a key and moves activeKeyId. */
const tokenSecretSchema = z.object({ activeKeyId: z.string() }).catchall(z.string().min(32));

export function keyMaterialFrom(hashSecret: unknown, tokenSecret: unknown): KeyMaterial {
  const hash = hashSecretSchema.parse(hashSecret);
  const { activeKeyId, ...keys } = tokenSecretSchema.parse(tokenSecret);
  const tokenKeys = new Map(Object.entries(keys).map(([id, k]) => [id, Buffer.from(k, 'utf8')] as const));
  if (!tokenKeys.has(activeKeyId)) throw new KeyRingError(`activeKeyId "${activeKeyId}" names no key`);
  return { hashKey: Buffer.from(hash.key, 'utf8'), tokenKeys, activeTokenKeyId: activeKeyId };
}

/** Keys held in Secrets Manager, loaded once per execution environment. */
export class SecretsManagerKeyRing implements KeyRing {
  private loaded?: Promise<KeyMaterial>;

  constructor(
    private readonly hashSecretArn: string,
    private readonly tokenSecretArn: string,
    private readonly client = new SecretsManagerClient({}),
    /** Only where the construct wrote CREDENTIAL_KEY_ARN (the key policy's Admin and SesSendEmail). */
    private readonly credentials?: KmsCredentialSecrets,
  ) {}

  sealCredentialSecret(accessKeyId: string, secret: string): Promise<string> {
    if (this.credentials === undefined)
      return Promise.reject(
        new KeyRingError('This function may not encrypt credential secrets (no CREDENTIAL_KEY_ARN)'),
      );
    return this.credentials.seal(accessKeyId, secret);
  }

  openCredentialSecret(accessKeyId: string, sealed: string): Promise<string> {
    return openWith(sealed, accessKeyId, {
      hashKey: async () => (await this.load()).hashKey,
      kms: this.credentials,
    });
  }

  load(): Promise<KeyMaterial> {
    this.loaded ??= this.fetch().catch((error: unknown) => {
      this.loaded = undefined; // a failed load is retried by the next request
      throw error;
    });
    return this.loaded;
  }

  private async fetch(): Promise<KeyMaterial> {
    const read = async (arn: string) => {
      const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: arn }));
      if (!SecretString) throw new KeyRingError(`Secret ${arn} has no string value`);
      return JSON.parse(SecretString) as unknown;
    };
    const [hash, tokens] = await Promise.all([read(this.hashSecretArn), read(this.tokenSecretArn)]);
    return keyMaterialFrom(hash, tokens);
  }
}

/**
 * Keys given as JSON (`{"hash": {...}, "tokens": {...}, "credentials": {"key": "…"}}`): the
 * local runner's key file. `credentials` is the local stand-in for the KMS key that seals SES
 * credential secrets (a file written before it existed has none: such a ring opens old
 * secrets but seals none).
 */
export class StaticKeyRing implements KeyRing {
  private readonly material: KeyMaterial;
  private readonly credentialKey?: Buffer;
  constructor(json: string) {
    const parsed = z
      .object({ hash: z.unknown(), tokens: z.unknown(), credentials: hashSecretSchema.optional() })
      .parse(JSON.parse(json));
    this.material = keyMaterialFrom(parsed.hash, parsed.tokens);
    this.credentialKey = parsed.credentials && Buffer.from(parsed.credentials.key, 'utf8');
  }
  load(): Promise<KeyMaterial> {
    return Promise.resolve(this.material);
  }

  sealCredentialSecret(accessKeyId: string, secret: string): Promise<string> {
    if (this.credentialKey === undefined)
      return Promise.reject(new KeyRingError('The key file has no "credentials" key to seal secrets with'));
    return Promise.resolve(`${LOCAL_PREFIX}${encryptSecret(this.credentialKey, accessKeyId, secret)}`);
  }

  openCredentialSecret(accessKeyId: string, sealed: string): Promise<string> {
    return openWith(sealed, accessKeyId, {
      hashKey: async () => this.material.hashKey,
      localKey: this.credentialKey,
    });
  }
}
