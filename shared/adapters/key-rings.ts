import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import type { KeyMaterial, KeyRing } from '../ports/key-ring';

export class KeyRingError extends Error {
  override name = 'KeyRingError';
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
  ) {}

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

/** Keys given as JSON (`{"hash": {...}, "tokens": {...}}`): the local runner's key file. */
export class StaticKeyRing implements KeyRing {
  private readonly material: KeyMaterial;
  constructor(json: string) {
    const parsed = z.object({ hash: z.unknown(), tokens: z.unknown() }).parse(JSON.parse(json));
    this.material = keyMaterialFrom(parsed.hash, parsed.tokens);
  }
  load(): Promise<KeyMaterial> {
    return Promise.resolve(this.material);
  }
}
