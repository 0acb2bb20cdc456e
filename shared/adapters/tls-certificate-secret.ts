import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { ConfigurationError } from '../config';

/** The SMTP relay's certificate as kept in Secrets Manager: both PEM, the chain after the leaf in `cert`. */
export const tlsCertificateSecretSchema = z
  .object({
    key: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }),
    cert: z.string().includes('BEGIN CERTIFICATE', { message: 'must be a PEM certificate (chain)' }),
  })
  .strict();
export type TlsCertificate = z.output<typeof tlsCertificateSecretSchema>;

/** Reads and checks the secret once, at start: a malformed one stops the relay with a clear error. */
export async function loadTlsCertificate(
  client: SecretsManagerClient,
  secretArn: string,
): Promise<TlsCertificate> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  let json: unknown;
  try {
    json = JSON.parse(SecretString ?? '');
  } catch {
    throw new ConfigurationError(`The secret ${secretArn} is not JSON {"key":"<PEM>","cert":"<PEM>"}`);
  }
  const parsed = tlsCertificateSecretSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigurationError(
      `The secret ${secretArn} is not {"key":"<PEM>","cert":"<PEM>"}: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(secret)'} ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}
