import { createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, generateAccessKeyId } from '../../shared/domain/sender-credential';
import {
  type IncomingSignedRequest,
  MAX_CLOCK_SKEW_MS,
  NodeSha256,
  parseAmzDate,
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

  it("refuses a request signed for another region than the deployment's, naming both", async () => {
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

/** Rows the mutation run (docs/testing.md) showed unpinned: exact limits, scope checks, parsing. */
describe('SigV4 verification: limits and scope', () => {
  const code = async (request: IncomingSignedRequest, now: Date, service = 'ses') => {
    try {
      await verifySignature(request, parseAuthorization(request.headers.authorization), SECRET, now, {
        service,
        region: 'eu-west-3',
      });
      return 'valid';
    } catch (error) {
      if (error instanceof SignatureError) return error.code;
      throw error;
    }
  };

  it('accepts exactly five minutes of skew either way, refuses one millisecond more', async () => {
    const request = await signed();
    expect(MAX_CLOCK_SKEW_MS).toBe(300_000);
    expect(await code(request, new Date(SIGNED_AT.getTime() + 300_000))).toBe('valid');
    expect(await code(request, new Date(SIGNED_AT.getTime() - 300_000))).toBe('valid');
    expect(await code(request, new Date(SIGNED_AT.getTime() + 300_001))).toBe('InvalidSignatureException');
    expect(await code(request, new Date(SIGNED_AT.getTime() - 300_001))).toBe('InvalidSignatureException');
  });

  it('refuses a missing or malformed X-Amz-Date as an incomplete signature', async () => {
    const request = await signed();
    const { 'x-amz-date': _date, ...without } = request.headers;
    expect(await code({ ...request, headers: without }, SIGNED_AT)).toBe('IncompleteSignatureException');
    const malformed = { ...request.headers, 'x-amz-date': '2026-06-15T10:00:00Z' };
    expect(await code({ ...request, headers: malformed }, SIGNED_AT)).toBe('IncompleteSignatureException');
  });

  it('refuses a credential scoped to another service or another day', async () => {
    const request = await signed();
    expect(await code(request, SIGNED_AT, 'sesv2')).toBe('InvalidSignatureException');
    const auth = request.headers.authorization!.replace('/20260615/', '/20260614/');
    expect(await code({ ...request, headers: { ...request.headers, authorization: auth } }, SIGNED_AT)).toBe(
      'InvalidSignatureException',
    );
  });

  it('refuses a request that did not sign the Host header, or lacks a header it signed', async () => {
    const request = await signed();
    const noHost = request.headers.authorization!.replace(
      /SignedHeaders=([^,]*)/,
      (_m, list: string) =>
        `SignedHeaders=${list
          .split(';')
          .filter((h) => h !== 'host')
          .join(';')}`,
    );
    expect(noHost).not.toMatch(/SignedHeaders=[^,]*\bhost\b/);
    await expect(
      verifySignature(request, parseAuthorization(noHost), SECRET, SIGNED_AT, {
        service: 'ses',
        region: 'eu-west-3',
      }),
    ).rejects.toMatchObject({ code: 'InvalidSignatureException', message: "'Host' must be a signed header" });
    const { 'amz-sdk-invocation-id': _id, ...missing } = request.headers;
    await expect(
      verifySignature(
        { ...request, headers: missing },
        parseAuthorization(request.headers.authorization),
        SECRET,
        SIGNED_AT,
        { service: 'ses', region: 'eu-west-3' },
      ),
    ).rejects.toMatchObject({ message: 'Signed header amz-sdk-invocation-id is missing' });
  });

  it('reads every part of the Authorization header', () => {
    const signature = 'a'.repeat(64);
    expect(
      parseAuthorization(
        `AWS4-HMAC-SHA256 Credential=CGAKX/20260615/eu-west-3/ses/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
      ),
    ).toEqual({
      accessKeyId: 'CGAKX',
      scopeDate: '20260615',
      region: 'eu-west-3',
      service: 'ses',
      signedHeaders: ['host', 'x-amz-date'],
      signature,
    });
  });

  it.each([
    ['empty', ''],
    [
      'text before the scheme',
      'x AWS4-HMAC-SHA256 Credential=A/20260615/r/s/aws4_request, SignedHeaders=host, Signature=' +
        'a'.repeat(64),
    ],
    [
      'text after the signature',
      `AWS4-HMAC-SHA256 Credential=A/20260615/r/s/aws4_request, SignedHeaders=host, Signature=${'a'.repeat(64)} x`,
    ],
    [
      'a short signature',
      `AWS4-HMAC-SHA256 Credential=A/20260615/r/s/aws4_request, SignedHeaders=host, Signature=${'a'.repeat(63)}`,
    ],
  ])('refuses an Authorization header that is %s, with the AWS code an SDK knows', (_title, header) => {
    try {
      parseAuthorization(header);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SignatureError);
      expect((error as SignatureError).code).toBe(
        header === '' ? 'MissingAuthenticationTokenException' : 'IncompleteSignatureException',
      );
      expect((error as SignatureError).name).toBe('SignatureError');
    }
  });

  it('reads X-Amz-Date as UTC, and nothing else', () => {
    expect(parseAmzDate('20260115T103005Z')?.toISOString()).toBe('2026-01-15T10:30:05.000Z');
    for (const bad of [
      undefined,
      '',
      '20260115T103005',
      '20260115 103005Z',
      'x20260115T103005Z',
      '20260115T103005Zx',
    ]) {
      expect(parseAmzDate(bad)).toBeUndefined();
    }
  });

  it('NodeSha256 hashes and keys as node:crypto does, from text or bytes', async () => {
    const plain = new NodeSha256();
    plain.update(Buffer.from('abc'));
    expect(Buffer.from(await plain.digest()).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    const fromText = new NodeSha256('key');
    const fromBytes = new NodeSha256(new Uint8Array(Buffer.from('xkeyx')).subarray(1, 4));
    const fromBuffer = new NodeSha256(new Uint8Array(Buffer.from('key')).buffer);
    for (const h of [fromText, fromBytes, fromBuffer]) h.update(Buffer.from('abc'));
    const expected = createHmac('sha256', 'key').update('abc').digest('hex');
    for (const h of [fromText, fromBytes, fromBuffer])
      expect(Buffer.from(await h.digest()).toString('hex')).toBe(expected);
    expect(() => plain.reset()).toThrow('not supported');
  });
});

/** Rows the second mutation run showed unpinned: header layout, escaped paths, the expiry message. */
describe('SigV4 verification: what clients send', () => {
  const signature = 'a'.repeat(64);
  const expected = {
    accessKeyId: 'CGAKX',
    scopeDate: '20260615',
    region: 'eu-west-3',
    service: 'ses',
    signedHeaders: ['host', 'x-amz-date'],
    signature,
  };

  it.each([
    ['two spaces after the scheme', '  ', ', ', ', ', ''],
    ['no space after the commas', ' ', ',', ',', ''],
    ['spaces before the commas', ' ', ' , ', ' , ', ''],
    ['trailing white space', ' ', ', ', ', ', '  '],
  ])('reads an Authorization header with %s, as AWS does', (_title, afterScheme, comma1, comma2, tail) => {
    const header = `AWS4-HMAC-SHA256${afterScheme}Credential=CGAKX/20260615/eu-west-3/ses/aws4_request${comma1}SignedHeaders=host;x-amz-date${comma2}Signature=${signature}${tail}`;
    expect(parseAuthorization(header)).toEqual(expected);
  });

  it('verifies a path with an escaped character, escaped again in the canonical request as the SDK signs it', async () => {
    // The SES v2 API puts identities in the path (`bob%40example.org`); the SDK signs the
    // encoded path encoded once more (every service but S3), and rawPath is the encoded path.
    const path = '/v2/email/identities/bob%40example.org';
    const signer = new SignatureV4({
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
      region: 'eu-west-3',
      service: 'ses',
      sha256: NodeSha256,
    });
    const out = await signer.sign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: 'gate.example',
        path,
        query: {},
        headers: { host: 'gate.example' },
      },
      { signingDate: SIGNED_AT },
    );
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(out.headers)) headers[k.toLowerCase()] = String(v);
    const request = { method: 'GET', path, query: {}, headers, body: new Uint8Array() };
    expect(await check(request, SIGNED_AT)).toBe('valid');
    expect(await check({ ...request, path: '/v2/email/identities/eve%40example.org' }, SIGNED_AT)).toContain(
      'InvalidSignatureException: The request signature',
    );
  });

  it('says when a request expired in the AWS format: the signing time, the earliest accepted and now', async () => {
    const error = await verifySignature(
      await signed(),
      parseAuthorization((await signed()).headers.authorization),
      SECRET,
      minutes(6),
      { service: 'ses', region: 'eu-west-3' },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'InvalidSignatureException',
      message:
        'Signature expired: 20260615T100000Z is now earlier than 20260615T100100Z (20260615T100600Z - 5 min.)',
    });
  });
});
