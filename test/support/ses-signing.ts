import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../shared/domain/sigv4';

/**
 * The headers of a POST to the SES-compatible endpoint at `url`, signed with SigV4 by
 * `credentials` as the AWS SDK signs it (region eu-west-3 unless told, service ses).
 */
export async function signSesPost(
  url: URL,
  payload: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  extraHeaders: Record<string, string> = {},
  region = 'eu-west-3',
): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials, region, service: 'ses', sha256: NodeSha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json', ...extraHeaders },
    body: payload,
  });
  return signed.headers as Record<string, string>;
}
