import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { KmsCredentialSecrets, SecretsManagerKeyRing, StaticKeyRing } from '../../shared/adapters/key-rings';
import {
  CredentialDecryptionError,
  decryptSecret,
  encryptSecret,
} from '../../shared/domain/sender-credential';

/** SES credential secrets: KMS where deployed, a local key in the local runner, old ones still opened. */
const ID = 'CGAKAAAAAAAAAAAAAAAA';
const SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEYab';
const KEY_ARN = 'arn:aws:kms:eu-west-3:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A KMS stand-in: "encrypts" by wrapping, and checks the key and the context as KMS would. */
function fakeKms() {
  const calls: (EncryptCommand | DecryptCommand)[] = [];
  const client = {
    send: async (command: EncryptCommand | DecryptCommand) => {
      calls.push(command);
      const context = JSON.stringify(command.input.EncryptionContext);
      if (command instanceof EncryptCommand) {
        const blob = Buffer.from(
          JSON.stringify({ context, text: Buffer.from(command.input.Plaintext!).toString('hex') }),
        );
        return { CiphertextBlob: new Uint8Array(blob) };
      }
      const sealed = JSON.parse(Buffer.from(command.input.CiphertextBlob!).toString()) as {
        context: string;
        text: string;
      };
      if (sealed.context !== context || command.input.KeyId !== KEY_ARN) {
        throw Object.assign(new Error('bad context'), { name: 'InvalidCiphertextException' });
      }
      return { Plaintext: new Uint8Array(Buffer.from(sealed.text, 'hex')) };
    },
  };
  return { client: client as unknown as KMSClient, calls };
}

const hashKey = 'h'.repeat(40);
const keyFile = (credentials?: string) =>
  JSON.stringify({
    hash: { key: hashKey },
    tokens: { activeKeyId: 'k1', k1: 't'.repeat(40) },
    ...(credentials === undefined ? {} : { credentials: { key: credentials } }),
  });
const secretsManager = {
  send: async (command: { input: { SecretId: string } }) => ({
    SecretString:
      command.input.SecretId === 'hash'
        ? JSON.stringify({ key: hashKey })
        : JSON.stringify({ activeKeyId: 'k1', k1: 't'.repeat(40) }),
  }),
} as unknown as SecretsManagerClient;

describe('KmsCredentialSecrets', () => {
  it('encrypts with the key and an encryption context of purpose and access key id; the result names KMS, never the secret', async () => {
    const kms = fakeKms();
    const sealed = await new KmsCredentialSecrets(kms.client, KEY_ARN).seal(ID, SECRET);
    expect(sealed.startsWith('kms:v1:')).toBe(true);
    expect(sealed).not.toContain(SECRET);
    expect(kms.calls[0]!.input).toMatchObject({
      KeyId: KEY_ARN,
      EncryptionContext: {
        'consent-gate:purpose': 'ses-credential-secret',
        'consent-gate:access-key-id': ID,
      },
    });
  });

  it('decrypts once per ciphertext and execution environment', async () => {
    const kms = fakeKms();
    const box = new KmsCredentialSecrets(kms.client, KEY_ARN);
    const sealed = await box.seal(ID, SECRET);
    expect(await box.open(ID, sealed)).toBe(SECRET);
    expect(await box.open(ID, sealed)).toBe(SECRET);
    expect(kms.calls.filter((c) => c instanceof DecryptCommand)).toHaveLength(1);
  });

  it('refuses a ciphertext moved to another access key id (its context fails)', async () => {
    const kms = fakeKms();
    const box = new KmsCredentialSecrets(kms.client, KEY_ARN);
    const sealed = await box.seal(ID, SECRET);
    await expect(box.open('CGAKBBBBBBBBBBBBBBBB', sealed)).rejects.toBeInstanceOf(CredentialDecryptionError);
  });
});

describe('SecretsManagerKeyRing (deployed)', () => {
  it('seals and opens through KMS where the construct wrote CREDENTIAL_KEY_ARN', async () => {
    const ring = new SecretsManagerKeyRing(
      'hash',
      'tokens',
      secretsManager,
      new KmsCredentialSecrets(fakeKms().client, KEY_ARN),
    );
    const sealed = await ring.sealCredentialSecret(ID, SECRET);
    expect(await ring.openCredentialSecret(ID, sealed)).toBe(SECRET);
  });

  it('elsewhere neither seals nor opens a KMS-sealed secret: the hash key does not open it', async () => {
    const sealed = await new KmsCredentialSecrets(fakeKms().client, KEY_ARN).seal(ID, SECRET);
    const ring = new SecretsManagerKeyRing('hash', 'tokens', secretsManager);
    await expect(ring.sealCredentialSecret(ID, SECRET)).rejects.toThrow(/may not encrypt/);
    await expect(ring.openCredentialSecret(ID, sealed)).rejects.toThrow(/may not decrypt/);
  });

  it('still opens a secret sealed before the KMS key existed (under the hash key), so old credentials keep working', async () => {
    const ring = new SecretsManagerKeyRing(
      'hash',
      'tokens',
      secretsManager,
      new KmsCredentialSecrets(fakeKms().client, KEY_ARN),
    );
    const old = encryptSecret(Buffer.from(hashKey), ID, SECRET);
    expect(await ring.openCredentialSecret(ID, old)).toBe(SECRET);
  });
});

describe('StaticKeyRing (local runner)', () => {
  it("seals under the key file's credential key, which the hash key does not open", async () => {
    const ring = new StaticKeyRing(keyFile('c'.repeat(40)));
    const sealed = await ring.sealCredentialSecret(ID, SECRET);
    expect(sealed.startsWith('local:v1:')).toBe(true);
    expect(sealed).not.toContain(SECRET);
    expect(await ring.openCredentialSecret(ID, sealed)).toBe(SECRET);
    expect(() => decryptSecret(Buffer.from(hashKey), ID, sealed.slice('local:v1:'.length))).toThrow(
      CredentialDecryptionError,
    );
    await expect(
      new StaticKeyRing(keyFile('d'.repeat(40))).openCredentialSecret(ID, sealed),
    ).rejects.toBeInstanceOf(CredentialDecryptionError);
  });

  it('a key file without a credential key seals nothing, and still opens old secrets', async () => {
    const ring = new StaticKeyRing(keyFile());
    await expect(ring.sealCredentialSecret(ID, SECRET)).rejects.toThrow(/no "credentials" key/);
    expect(await ring.openCredentialSecret(ID, encryptSecret(Buffer.from(hashKey), ID, SECRET))).toBe(SECRET);
  });
});
