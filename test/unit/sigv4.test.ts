import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, generateAccessKeyId } from '../../shared/domain/sender-credential';
import {
  type IncomingSignedRequest,
  NodeSha256,
  parseAuthorization,
  SignatureError,
  verifySignature,
} from '../../shared/domain/sigv4';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ACCESS_KEY = 'CGAKEXAMPLEEXAMPLE00';
const SIGNED_AT = new Date('2026-06-15T10:00:00Z');

/** A request signed as the AWS SDK signs it. */
async function signed(
  body = '{"Content":{}}',
  options: { applyChecksum?: boolean; region?: string } = {},
): Promise<IncomingSignedRequest> {
  const signer = new SignatureV4({
    ...options,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    region: options.region ?? 'eu-west-3',
    service: 'ses',
    sha256: NodeSha256,
  });
  const out = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: 'gate.example',
      path: '/v2/email/outbound-emails',
      query: {},
      headers: { host: 'gate.example', 'content-type': 'application/json', 'amz-sdk-invocation-id': 'abc' },
      body,
    },
    { signingDate: SIGNED_AT },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(out.headers)) headers[k.toLowerCase()] = String(v);
  return { method: 'POST', path: '/v2/email/outbound-emails', query: {}, headers, body: Buffer.from(body) };
}

const minutes = (m: number) => new Date(SIGNED_AT.getTime() + m * 60_000);

async function check(request: IncomingSignedRequest, now: Date, secret = SECRET) {
  try {
    await verifySignature(request, parseAuthorization(request.headers.authorization), secret, now, {
      service: 'ses',
      region: 'eu-west-3',
    });
    return 'valid';
  } catch (error) {
    if (error instanceof SignatureError) return `${error.code}: ${error.message.slice(0, 40)}`;
    throw error;
  }
}

describe('SigV4 verification', () => {
  it.each([
    { title: 'accepts a request signed now', at: 0, expected: 'valid' },
    { title: 'accepts 4 minutes of clock skew (late)', at: 4, expected: 'valid' },
    { title: 'accepts 4 minutes of clock skew (early)', at: -4, expected: 'valid' },
    {
      title: 'refuses a request signed 6 minutes ago',
      at: 6,
      expected: 'InvalidSignatureException: Signature expired',
    },
    {
      title: 'refuses a request signed 6 minutes ahead',
      at: -6,
      expected: 'InvalidSignatureException: Signature expired',
    },
  ])('$title', async ({ at, expected }) => {
    expect(await check(await signed(), minutes(at))).toContain(expected);
  });

  it('accepts a request signed without x-amz-content-sha256, as botocore (the AWS CLI) signs', async () => {
    const request = await signed('{"Content":{}}', { applyChecksum: false });
    expect(request.headers['x-amz-content-sha256']).toBeUndefined();
    expect(await check(request, SIGNED_AT)).toBe('valid');
  });

  it('refuses a wrong secret', async () => {
    expect(await check(await signed(), SIGNED_AT, `${SECRET}x`)).toContain(
      'InvalidSignatureException: The request signature',
    );
  });

  it('refuses a body changed after signing (with and without x-amz-content-sha256)', async () => {
    const request = await signed();
    expect(request.headers['x-amz-content-sha256']).toBeDefined();
    const body = Buffer.from('{"Content":{"x":1}}');
    expect(await check({ ...request, body }, SIGNED_AT)).toContain('InvalidSignatureException');
    const { 'x-amz-content-sha256': _hash, ...withoutHash } = request.headers;
    const unsigned = { ...request, headers: withoutHash };
    expect(await check({ ...unsigned, body }, SIGNED_AT)).toContain('InvalidSignatureException');
  });

  it('refuses a signed header changed after signing', async () => {
    const request = await signed();
    const headers = { ...request.headers, 'amz-sdk-invocation-id': 'other' };
    expect(await check({ ...request, headers }, SIGNED_AT)).toContain('InvalidSignatureException');
  });

  it("issue 11: refuses a request signed for another region than the deployment's, naming both", async () => {
    const request = await signed('{"Content":{}}', { region: 'us-east-1' });
    expect(await check(request, SIGNED_AT)).toContain(
      'InvalidSignatureException: Credential should be scoped',
    );
    const error = await verifySignature(
      request,
      parseAuthorization(request.headers.authorization),
      SECRET,
      SIGNED_AT,
      {
        service: 'ses',
        region: 'eu-west-3',
      },
    ).catch((e: Error) => e);
    expect((error as Error).message).toContain("'us-east-1'");
    expect((error as Error).message).toContain('eu-west-3');
  });

  it('names a missing or malformed Authorization header', () => {
    expect(() => parseAuthorization(undefined)).toThrow('Missing Authentication Token');
    expect(() => parseAuthorization('Bearer abc')).toThrow(SignatureError);
  });
});

describe('sender credential secrets', () => {
  const hashKey = Buffer.alloc(32, 7);

  it('decrypt to the secret under the same key and access key id', () => {
    const id = generateAccessKeyId();
    expect(id).toMatch(/^CGAK[A-Z2-7]{16}$/);
    const sealed = encryptSecret(hashKey, id, SECRET);
    expect(sealed).not.toContain(SECRET);
    expect(decryptSecret(hashKey, id, sealed)).toBe(SECRET);
  });

  it('cannot be moved to another access key id or read with another key', () => {
    const sealed = encryptSecret(hashKey, 'CGAKAAAAAAAAAAAAAAAA', SECRET);
    expect(() => decryptSecret(hashKey, 'CGAKBBBBBBBBBBBBBBBB', sealed)).toThrow('cannot be decrypted');
    expect(() => decryptSecret(Buffer.alloc(32, 8), 'CGAKAAAAAAAAAAAAAAAA', sealed)).toThrow(
      'cannot be decrypted',
    );
  });
});
