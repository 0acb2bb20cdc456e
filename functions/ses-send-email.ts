import { MAX_CLOCK_SKEW_MS } from '../shared/domain/sigv4';
import { sesResponse } from '../shared/http/middleware/ses-error-handler';
import { bodyBytes } from '../shared/http/middleware/sigv4-authenticate';
import { wire } from '../shared/http/runtime';
import { sesHandler } from '../shared/http/ses-handler';
import { kms, s3, secretsManager, ses, table } from '../shared/http/wiring';
import { sesSendEmailSchema } from '../shared/schemas/ses';
import { InvalidInputError, parseInput } from '../shared/schemas/validation';
import { fingerprintOf, runOnce } from '../shared/services/idempotency';
import { sendSesEmail } from '../shared/services/ses-send-email';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, ses, kms, s3);

/**
 * A signature is accepted for MAX_CLOCK_SKEW_MS either side of its signing time, so a
 * captured request can be replayed for at most twice that long: its outcome is kept as long.
 */
const REPLAY_WINDOW_S = (2 * MAX_CLOCK_SKEW_MS) / 1000;

/**
 * POST /v2/email/outbound-emails: SES v2 SendEmail for unmodified AWS SDKs and the CLI.
 * The SDK sends the same `amz-sdk-invocation-id` on every retry of one call, which makes
 * its retries idempotent: the first outcome is answered, nothing is sent twice.
 *
 * Replays: the same signed request sent again, with or without an invocation id
 * (a replayer can add one: it need not be signed), gets the first request's answer and sends
 * nothing. The signature names one request (method, path, signed headers, body hash, signing
 * second), so it is claimed once per tenant in the idempotency store for the replay window.
 * Answering the first outcome rather than an error costs nothing more (the store keeps it
 * already) and is what an honest client that resent a request wants.
 */
export const handler = sesHandler(async ({ event, caller, deps, signature }) => {
  let body: unknown;
  try {
    body = JSON.parse(bodyBytes(event).toString('utf8') || '{}');
  } catch {
    throw new InvalidInputError([{ field: '(body)', problem: 'is not valid JSON' }]);
  }
  const input = parseInput(sesSendEmailSchema, body);
  const fingerprint = fingerprintOf(input);
  const invocationId = event.headers?.['amz-sdk-invocation-id'];
  const send = async () => {
    if (invocationId === undefined) return sendSesEmail(deps, caller, input);
    const idempotency = { key: `ses:${invocationId}`, fingerprint };
    const { result } = await runOnce(deps, { tenantId: caller.tenantId, ...idempotency }, () =>
      sendSesEmail(deps, caller, input, { idempotency }),
    );
    return result;
  };
  const { result } = await runOnce(
    deps,
    { tenantId: caller.tenantId, key: `sigv4:${signature}`, fingerprint, retentionSeconds: REPLAY_WINDOW_S },
    send,
  );
  return sesResponse(200, result);
});
