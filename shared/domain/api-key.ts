import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys are random 256-bit secrets shown once; the store keeps only their SHA-256
 * (a fast hash is enough for high-entropy secrets: nothing to brute-force).
 */
export function generateApiKey(role: 'admin' | 'sender'): string {
  return `cg_${role === 'admin' ? 'admin' : 'send'}_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
