import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** Where the local relay's certificate and key are kept (git-ignored `.consent-gate/`). */
export const SMTP_CERT_FILE = 'smtp-tls-cert.pem';
export const SMTP_KEY_FILE = 'smtp-tls-key.pem';

/** Renewed once it has less than this left (a certificate of two years, made once). */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

/**
 * The local SMTP relay's self-signed certificate (localhost, 127.0.0.1): made once with
 * `selfsigned` (node's crypto cannot issue an X.509 certificate by itself) and reused, so a
 * client that pinned it (swaks `--tls-ca-path`, nodemailer's `tls.ca`) keeps working across
 * restarts. In AWS the certificate comes from Secrets Manager (SMTP_TLS_CERT_SECRET_ARN).
 */
export async function localSmtpCertificate(
  dir: string,
): Promise<{ key: string; cert: string; certFile: string }> {
  const certFile = join(dir, SMTP_CERT_FILE);
  const keyFile = join(dir, SMTP_KEY_FILE);
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, 'utf8');
    const validTo = Date.parse(new X509Certificate(cert).validTo);
    if (validTo - Date.now() > RENEW_BEFORE_MS) return { key: readFileSync(keyFile, 'utf8'), cert, certFile };
  }
  const pems = await new Promise<{ private: string; cert: string }>((resolve, reject) =>
    generate(
      [{ name: 'commonName', value: 'localhost' }],
      {
        days: 730,
        keySize: 2048,
        algorithm: 'sha256',
        extensions: [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true },
          {
            name: 'subjectAltName',
            altNames: [
              { type: 2, value: 'localhost' },
              { type: 7, ip: '127.0.0.1' },
            ],
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
  return { key: pems.private, cert: pems.cert, certFile };
}
