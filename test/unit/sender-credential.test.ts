import { createCipheriv, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret } from '../../shared/domain/sender-credential';

/**
 * The hash key never rotates (R11) so that stored SES secrets stay readable: the sealing format
 * (HKDF-SHA256 info, AES-256-GCM, IV | tag | ciphertext, the access key id as associated data) is
 * pinned here by a secret sealed independently of the module, as a deployment has stored it.
 */
const hashKey = Buffer.alloc(32, 7);
const ACCESS_KEY_ID = 'CGAKAAAAAAAAAAAAAAAA';

function sealedAsStored(secret: string): string {
  const key = Buffer.from(
    hkdfSync('sha256', hashKey, Buffer.alloc(0), 'consent-gate/sender-credential-secret/v1', 32),
  );
  const iv = Buffer.alloc(12, 3);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(ACCESS_KEY_ID));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

describe('R11 sender credential secrets: the stored format', () => {
  it('reads a secret sealed in the stored format', () => {
    expect(decryptSecret(hashKey, ACCESS_KEY_ID, sealedAsStored('wJalrXUtnFEMI/K7MDENG'))).toBe(
      'wJalrXUtnFEMI/K7MDENG',
    );
  });

  it('seals in the stored format, readable without this module', () => {
    const sealed = Buffer.from(encryptSecret(hashKey, ACCESS_KEY_ID, 'secret-é'), 'base64');
    const key = Buffer.from(
      hkdfSync('sha256', hashKey, Buffer.alloc(0), 'consent-gate/sender-credential-secret/v1', 32),
    );
    const iv = sealed.subarray(0, 12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(ACCESS_KEY_ID));
    const body = Buffer.concat([cipher.update('secret-é', 'utf8'), cipher.final()]);
    expect(Buffer.concat([iv, cipher.getAuthTag(), body]).equals(sealed)).toBe(true);
  });
});
