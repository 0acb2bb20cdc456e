import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { rawBody } from './middleware/json-body';

/** Form bodies through the platform's own parser (undici's FormData): urlencoded and multipart alike. */
export async function readForm(
  contentType: string | undefined,
  body: string | undefined,
): Promise<FormData | undefined> {
  if (body === undefined) return undefined;
  try {
    return await new Response(body, {
      headers: { 'content-type': contentType ?? 'application/x-www-form-urlencoded' },
    }).formData();
  } catch {
    return undefined;
  }
}

export function formOf(event: APIGatewayProxyEventV2): Promise<FormData | undefined> {
  return readForm(event.headers?.['content-type'], rawBody(event));
}

/** The proof a recipient's own request carries (R3, R7): where it came from and with what. */
export function proofOf(event: APIGatewayProxyEventV2): { ip?: string; userAgent?: string } {
  return { ip: event.requestContext.http.sourceIp, userAgent: event.requestContext.http.userAgent };
}

/** `wording:<purpose>` hidden fields: the wording version shown next to each box. */
export function wordingsOf(form: FormData): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of form.entries()) {
    if (name.startsWith('wording:') && typeof value === 'string') out.set(name.slice(8), value);
  }
  return out;
}

export function valuesOf(form: FormData, name: string): Set<string> {
  return new Set(form.getAll(name).filter((v): v is string => typeof v === 'string'));
}
