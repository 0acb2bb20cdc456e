import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth/lib/dkim/sign';
import { dkimVerify } from 'mailauth/lib/dkim/verify';

/**
 * A sender's DKIM, as mail servers apply it, for tests: a test RSA key published under
 * `s1._domainkey.shop.example` through mailauth's resolver hook (no DNS is asked).
 */
const SELECTOR = 's1';
export const DKIM_DOMAIN = 'shop.example';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicKeyRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

const resolver = async (name: string, rrtype: string): Promise<string[][]> => {
  if (rrtype === 'TXT' && name === `${SELECTOR}._domainkey.${DKIM_DOMAIN}`) return [[publicKeyRecord]];
  throw Object.assign(new Error(`no record for ${name} ${rrtype}`), { code: 'ENOTFOUND' });
};

/** The message with a DKIM-Signature of shop.example prepended (relaxed/relaxed unless told). */
export async function signDkim(
  raw: Buffer,
  options: { canonicalization?: string; headerList?: string[] } = {},
): Promise<Buffer> {
  const { signatures, errors } = await dkimSign(raw, {
    canonicalization: options.canonicalization ?? 'relaxed/relaxed',
    signingDomain: DKIM_DOMAIN,
    selector: SELECTOR,
    privateKey: PRIVATE_KEY,
    ...(options.headerList ? { headerList: options.headerList } : {}),
    signatureData: [{ signingDomain: DKIM_DOMAIN, selector: SELECTOR, privateKey: PRIVATE_KEY }],
  });
  if (errors.length > 0 || !signatures) throw new Error(`DKIM signing failed: ${JSON.stringify(errors)}`);
  return Buffer.concat([Buffer.from(signatures), raw]);
}

/** The result of each DKIM-Signature in the message: `pass`, `fail`, `neutral`… */
export async function dkimResults(raw: Buffer): Promise<string[]> {
  const { results } = await dkimVerify(raw, { resolver });
  // A message without any signature gets one `none` result: no signature is not a failing one.
  return results.map((r) => r.status.result).filter((r) => r !== 'none');
}
