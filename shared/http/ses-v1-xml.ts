import { randomUUID } from 'node:crypto';
import type { HttpResponse } from './responses';

/**
 * SES v1's answers (the Query API's XML): `<{Action}Response xmlns=…><{Action}Result>…`
 * with the request id in ResponseMetadata, errors as `<ErrorResponse><Error><Type>…`, which
 * the AWS SDK reads to raise the matching exception class (MessageRejected and the like).
 * The documents are a handful of fixed elements holding text: they are written here, each
 * value escaped, rather than with an XML library.
 */
export const SES_V1_NAMESPACE = 'http://ses.amazonaws.com/doc/2010-12-01/';

/** An XML value: text, a list of `<member>`s, or nested elements. Undefined is left out. */
export type XmlValue = string | number | boolean | undefined | XmlValue[] | { [name: string]: XmlValue };

/** Markup escaped; characters XML 1.0 cannot carry (controls, lone surrogates) replaced, so an echoed field name cannot break the document. */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding the characters XML cannot carry is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const escapeXml = (text: string) =>
  text
    .replace(NOT_XML, '\uFFFD')
    .replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
    );

export function xml(value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${xml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([name, v]) => `<${name}>${xml(v)}</${name}>`)
      .join('');
  }
  return escapeXml(String(value));
}

function response(statusCode: number, body: string, requestId: string): HttpResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'text/xml',
      'x-amzn-requestid': requestId,
      // Lets the SDK correct its clock after a skew error, as it does against AWS.
      date: new Date().toUTCString(),
    },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

export function sesV1Result(action: string, result: { [name: string]: XmlValue }): HttpResponse {
  const requestId = randomUUID();
  return response(
    200,
    `<${action}Response xmlns="${SES_V1_NAMESPACE}"><${action}Result>${xml(result)}</${action}Result>${xml({
      ResponseMetadata: { RequestId: requestId },
    })}</${action}Response>`,
    requestId,
  );
}

/** `Type` is Sender for the caller's errors (4xx), Receiver for the gateway's (5xx), as SES answers. */
export function sesV1Error(statusCode: number, code: string, message: string): HttpResponse {
  const requestId = randomUUID();
  return response(
    statusCode,
    `<ErrorResponse xmlns="${SES_V1_NAMESPACE}">${xml({
      Error: { Type: statusCode >= 500 ? 'Receiver' : 'Sender', Code: code, Message: message },
      RequestId: requestId,
    })}</ErrorResponse>`,
    requestId,
  );
}
