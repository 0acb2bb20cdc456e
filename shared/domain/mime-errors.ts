/**
 * A raw message the gateway cannot rewrite with its unsubscribe link (R10): the SES endpoint's
 * 400. Apart from ./inject-unsubscribe-mime.ts so that the error handlers can test for it
 * without loading the MIME stack (mailsplit, libmime, iconv-lite), which the SES endpoint
 * loads with its first raw message.
 */
export class MimeInjectionError extends Error {
  override name = 'MimeInjectionError';
}
