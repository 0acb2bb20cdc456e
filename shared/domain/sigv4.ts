import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';

/**
 * AWS Signature Version 4, verified the way AWS services do, so that an unmodified AWS SDK
 * or CLI can call the gateway with gateway-issued credentials. The expected signature is
 * computed by @smithy/signature-v4 (the SDK's own signer) over exactly the headers the
 * client says it signed; comparing in constant time tells a forgery from a real request.
 */
export class SignatureError extends Error {
  override name = 'SignatureError';
  constructor(
    /** The AWS error code an SDK recognises (and, for skew, corrects its clock on). */
    readonly code:
      | 'MissingAuthenticationTokenException'
      | 'IncompleteSignatureException'
      | 'InvalidSignatureException'
      | 'UnrecognizedClientException',
    message: string,
  ) {
    super(message);
  }
}

/** AWS rejects a request that reaches it more than five minutes from its signing time (either way). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9;-]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;

export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (header === undefined || header === '') {
    throw new SignatureError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const m = AUTHORIZATION.exec(header);
  if (!m) {
    throw new SignatureError(
      'IncompleteSignatureException',
      'Authorization header requires AWS4-HMAC-SHA256 with Credential, SignedHeaders and Signature',
    );
  }
  return {
    accessKeyId: m[1]!,
    scopeDate: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.split(';'),
    signature: m[6]!,
  };
}

/** `20260115T103000Z` → Date. */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

const amz = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** SHA-256 / HMAC-SHA-256 from node:crypto in the shape @smithy/signature-v4 expects. */
export class NodeSha256 implements Checksum {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    throw new Error('not supported');
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export interface IncomingSignedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string | string[]>;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/**
 * Verifies the request's signature with the sender's secret. Throws a SignatureError
 * naming what is wrong; returns nothing when the signature holds.
 */
export async function verifySignature(
  request: IncomingSignedRequest,
  auth: ParsedAuthorization,
  secretAccessKey: string,
  now: Date,
  /** The service, and the one region this deployment serves (a signature for another region is refused, as AWS does). */
  expected: { service: string; region: string },
): Promise<void> {
  const expectedService = expected.service;
  const signedAt = parseAmzDate(request.headers['x-amz-date']);
  if (signedAt === undefined) {
    throw new SignatureError('IncompleteSignatureException', 'The X-Amz-Date header is missing or malformed');
  }
  if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Signature expired: ${amz(signedAt)} is now earlier than ${amz(new Date(now.getTime() - MAX_CLOCK_SKEW_MS))} (${amz(now)} - 5 min.)`,
    );
  }
  if (auth.scopeDate !== amz(signedAt).slice(0, 8) || auth.service !== expectedService) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid date and the service "${expectedService}"`,
    );
  }
  if (auth.region !== expected.region) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${auth.region}'. This gateway serves '${expected.region}': configure the client with region ${expected.region}.`,
    );
  }
  if (!auth.signedHeaders.includes('host')) {
    throw new SignatureError('InvalidSignatureException', "'Host' must be a signed header");
  }
  // The signer takes a present x-amz-content-sha256 as the payload's hash without hashing
  // the body: a body changed after signing would pass unless the header is checked here.
  const claimedHash = request.headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(request.body).digest('hex')) {
    throw new SignatureError(
      'InvalidSignatureException',
      "The provided 'x-amz-content-sha256' header does not match the request body",
    );
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) {
      throw new SignatureError('InvalidSignatureException', `Signed header ${name} is missing`);
    }
    headers[name] = value;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256: NodeSha256,
    uriEscapePath: true,
    // Never add an x-amz-content-sha256 header of our own: the JS SDK signs one, botocore
    // (the AWS CLI) does not, and an added header would change the canonical request.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: headers.host ?? '',
      path: request.path,
      query: request.query,
      headers,
      body: request.body,
    },
    // Sign exactly what the client signed, including headers the signer would otherwise skip.
    { signingDate: signedAt, signableHeaders: new Set(auth.signedHeaders) },
  );
  const computed = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  const a = Buffer.from(computed, 'hex');
  const b = Buffer.from(auth.signature, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new SignatureError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
}
