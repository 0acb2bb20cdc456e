import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../../shared/domain/api-key';
import { recipientKey } from '../../shared/domain/recipient-key';
import {
  CredentialDecryptionError,
  decryptSecret,
  encryptSecret,
  generateAccessKeyId,
  generateSecretAccessKey,
} from '../../shared/domain/sender-credential';

/** Keys and secrets of the domain, pinned by value (the mutation run showed api-key.ts untested). */
describe('API keys', () => {
  it('are 256-bit random secrets with a prefix naming the role', () => {
    const admin = generateApiKey('admin');
    const sender = generateApiKey('sender');
    expect(admin).toMatch(/^cg_admin_[A-Za-z0-9_-]{43}$/);
    expect(sender).toMatch(/^cg_send_[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey('admin')).not.toBe(admin);
  });

  it('are stored as their SHA-256 in hex', () => {
    expect(hashApiKey('cg_send_x')).toBe(createHash('sha256').update('cg_send_x').digest('hex'));
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('R11 recipient keys', () => {
  const key = Buffer.alloc(32, 7);
  it('R11 are the HMAC-SHA256 of tenant, channel and address, base64url', () => {
    expect(recipientKey(key, 'acme', 'email', 'alice@example.org')).toBe(
      createHmac('sha256', key).update('acme\nemail\nalice@example.org').digest('base64url'),
    );
    expect(recipientKey(key, 'acme', 'email', 'alice@example.org')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('R2/R8 differ per tenant, per channel and per address, and per hash key', () => {
    const keys = new Set([
      recipientKey(key, 'acme', 'email', 'alice@example.org'),
      recipientKey(key, 'other', 'email', 'alice@example.org'),
      recipientKey(key, 'acme', 'sms', 'alice@example.org'),
      recipientKey(key, 'acme', 'email', 'bob@example.org'),
      recipientKey(Buffer.alloc(32, 8), 'acme', 'email', 'alice@example.org'),
    ]);
    expect(keys.size).toBe(5);
  });
});

describe('sender credentials', () => {
  it('access key ids have the shape of an AWS access key id, from a base-32 alphabet', () => {
    const ids = Array.from({ length: 50 }, generateAccessKeyId);
    for (const id of ids) expect(id).toMatch(/^CGAK[A-Z2-7]{16}$/);
    expect(new Set(ids).size).toBe(50);
    // Over 800 characters every letter of the alphabet shows up.
    expect(new Set(ids.join('')).size).toBeGreaterThanOrEqual(32);
  });

  it('secret access keys are 40 characters of letters and digits (no + or /)', () => {
    for (let i = 0; i < 50; i++) expect(generateSecretAccessKey()).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  it('a sealed secret is IV, tag and ciphertext: altering any byte makes it unreadable', () => {
    const hashKey = Buffer.alloc(32, 1);
    const sealed = encryptSecret(hashKey, 'CGAKAAAAAAAAAAAAAAAA', 'secret-value');
    const bytes = Buffer.from(sealed, 'base64');
    expect(bytes.length).toBe(12 + 16 + 'secret-value'.length);
    expect(encryptSecret(hashKey, 'CGAKAAAAAAAAAAAAAAAA', 'secret-value')).not.toBe(sealed);
    for (const i of [0, 11, 12, 27, 28, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[i] = (altered[i] ?? 0) ^ 1;
      expect(() => decryptSecret(hashKey, 'CGAKAAAAAAAAAAAAAAAA', altered.toString('base64'))).toThrow(
        CredentialDecryptionError,
      );
    }
    expect(decryptSecret(hashKey, 'CGAKAAAAAAAAAAAAAAAA', sealed)).toBe('secret-value');
  });

  it('a decryption failure keeps its cause and names itself', () => {
    try {
      decryptSecret(Buffer.alloc(32, 1), 'CGAKAAAAAAAAAAAAAAAA', 'AAAA');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CredentialDecryptionError);
      expect((error as Error).name).toBe('CredentialDecryptionError');
      expect((error as Error).cause).toBeInstanceOf(Error);
    }
  });
});
