import { sesHandler } from '../shared/http/api-handler';
import { sesResponse } from '../shared/http/middleware/ses-error-handler';
import { bodyBytes } from '../shared/http/middleware/sigv4-authenticate';
import { sesSendEmailSchema } from '../shared/schemas/ses';
import { InvalidInputError, parseInput } from '../shared/schemas/validation';
import { fingerprintOf, runOnce } from '../shared/services/idempotency';
import { sendSesEmail } from '../shared/services/ses-send-email';

/**
 * POST /v2/email/outbound-emails: SES v2 SendEmail for unmodified AWS SDKs and the CLI.
 * The SDK sends the same `amz-sdk-invocation-id` on every retry of one call, which makes
 * its retries idempotent: the first outcome is answered, nothing is sent twice.
 */
export const handler = sesHandler(async ({ event, caller, deps }) => {
  let body: unknown;
  try {
    body = JSON.parse(bodyBytes(event).toString('utf8') || '{}');
  } catch {
    throw new InvalidInputError([{ field: '(body)', problem: 'is not valid JSON' }]);
  }
  const input = parseInput(sesSendEmailSchema, body);
  const invocationId = event.headers?.['amz-sdk-invocation-id'];
  if (invocationId === undefined) return sesResponse(200, await sendSesEmail(deps, caller, input));
  const idempotency = { key: `ses:${invocationId}`, fingerprint: fingerprintOf(input) };
  const { result } = await runOnce(deps, { tenantId: caller.tenantId, ...idempotency }, () =>
    sendSesEmail(deps, caller, input, { idempotency }),
  );
  return sesResponse(200, result);
});
