import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from 'zod';
import { senderConfigurationSets } from '../shared/config';
import { MAX_CLOCK_SKEW_MS } from '../shared/domain/sigv4';
import { keyRateLimit } from '../shared/http/api-handler';
import { isSesV1Request, sesResponse } from '../shared/http/middleware/ses-error-handler';
import { bodyBytes } from '../shared/http/middleware/sigv4-authenticate';
import type { HttpResponse } from '../shared/http/responses';
import { wire } from '../shared/http/runtime';
import { type SesRequest, sesHandler } from '../shared/http/ses-handler';
import { sesV1Result } from '../shared/http/ses-v1-xml';
import { kms, s3, secretsManager, ses, table } from '../shared/http/wiring';
import {
  sesCreateTemplateSchema,
  sesSendBulkEmailSchema,
  sesSendEmailSchema,
  sesTemplateNameSchema,
  sesUpdateTemplateSchema,
} from '../shared/schemas/ses';
import {
  parseQueryForm,
  parseQueryInput,
  sesV1ListIdentitiesSchema,
  sesV1NoFieldsSchema,
  sesV1SendEmailSchema,
  sesV1SendRawEmailSchema,
} from '../shared/schemas/ses-v1';
import { InvalidInputError, parseInput } from '../shared/schemas/validation';
import { fingerprintOf, runOnce } from '../shared/services/idempotency';
import {
  SesUnsupportedOperationError,
  sendSesBulkEmail,
  sendSesEmail,
} from '../shared/services/ses-send-email';
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  updateTemplate,
} from '../shared/services/ses-templates';
import {
  getSesV1SendQuota,
  listSesV1Identities,
  sendEmailV1ToV2,
  sendRawEmailV1ToV2,
} from '../shared/services/ses-v1';
import {
  getSesAccount,
  getSesEmailIdentity,
  listSesEmailIdentities,
} from '../shared/services/ses-v2-account';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, ses, kms, s3);

/**
 * A signature is accepted for MAX_CLOCK_SKEW_MS either side of its signing time, so a
 * captured request can be replayed for at most twice that long: its outcome is kept as long.
 */
const REPLAY_WINDOW_S = (2 * MAX_CLOCK_SKEW_MS) / 1000;

function jsonBody<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S): z.output<S> {
  let body: unknown;
  try {
    body = JSON.parse(bodyBytes(event).toString('utf8') || '{}');
  } catch {
    throw new InvalidInputError([{ field: '(body)', problem: 'is not valid JSON' }]);
  }
  return parseInput(schema, body);
}

/**
 * A send, once per SDK call and once per signed request. The SDK sends the same
 * `amz-sdk-invocation-id` on every retry of one call, which makes its retries idempotent: the
 * first outcome is answered, nothing is sent twice.
 *
 * Replays: the same signed request sent again, with or without an invocation id
 * (a replayer can add one: it need not be signed), gets the first request's answer and sends
 * nothing. The signature names one request (method, path, signed headers, body hash, signing
 * second), so it is claimed once per tenant in the idempotency store for the replay window.
 * Answering the first outcome rather than an error costs nothing more (the store keeps it
 * already) and is what an honest client that resent a request wants. With an invocation id,
 * the signature's claim is answered by the invocation id's (never completed itself: one
 * write fewer), and a live one is never taken over, even past its lease: a replayer with an
 * invocation id of its own would send again. If the first request died between the two
 * claims, its replays are asked to retry until the window ends; the SDK's own retries are
 * signed anew and unaffected.
 */
async function sendOnce<T>(
  { event, caller, deps, signature }: SesRequest,
  input: unknown,
  send: (options: { idempotency?: { key: string; fingerprint: string } }) => Promise<T>,
): Promise<T> {
  const fingerprint = fingerprintOf(input);
  const invocationId = event.headers?.['amz-sdk-invocation-id'];
  const once = async () => {
    if (invocationId === undefined) return send({});
    const idempotency = { key: `ses:${invocationId}`, fingerprint };
    const { result } = await runOnce(deps, { tenantId: caller.tenantId, ...idempotency }, () =>
      send({ idempotency }),
    );
    return result;
  };
  const { result } = await runOnce(
    deps,
    {
      tenantId: caller.tenantId,
      key: `sigv4:${signature}`,
      fingerprint,
      retentionSeconds: REPLAY_WINDOW_S,
      // With an invocation id, its claim holds the outcome: this one is not completed.
      ...(invocationId === undefined ? {} : { answeredBy: `ses:${invocationId}` }),
    },
    once,
  );
  return result;
}

type Operation = (request: SesRequest, params: string[]) => Promise<{ status?: number; body: unknown }>;

/** A path segment, percent-decoded; a malformed escape is the sender's error, not a 500. */
function segment(value: string | undefined, field: string): string {
  try {
    return decodeURIComponent(value ?? '');
  } catch {
    throw new InvalidInputError([{ field, problem: 'has malformed percent-encoding' }]);
  }
}
function name(value: string | undefined): string {
  const parsed = sesTemplateNameSchema.safeParse(segment(value, 'TemplateName'));
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(
    parsed.error.issues.map((i) => ({ field: 'TemplateName', problem: i.message })),
  );
}
const settings = () => ({ allowedConfigurationSets: senderConfigurationSets() });

/**
 * SES v1's Query API actions served at `POST /`, by Action. SendEmail and SendRawEmail are
 * translated into SES v2's SendEmail and go through the same gate and send (sendSesEmail).
 */
const v1Actions: Record<
  string,
  (request: SesRequest, form: Record<string, unknown>) => Promise<HttpResponse>
> = {
  SendEmail: async (request, form) => {
    const input = sendEmailV1ToV2(parseQueryInput(sesV1SendEmailSchema, form));
    const { MessageId } = await sendOnce(request, input, (options) =>
      sendSesEmail(request.deps, request.caller, input, { ...options, settings: settings() }),
    );
    return sesV1Result('SendEmail', { MessageId });
  },
  SendRawEmail: async (request, form) => {
    const input = sendRawEmailV1ToV2(parseQueryInput(sesV1SendRawEmailSchema, form));
    const { MessageId } = await sendOnce(request, input, (options) =>
      sendSesEmail(request.deps, request.caller, input, { ...options, settings: settings() }),
    );
    return sesV1Result('SendRawEmail', { MessageId });
  },
  GetSendQuota: async ({ deps, caller }, form) => {
    parseQueryInput(sesV1NoFieldsSchema, form);
    return sesV1Result('GetSendQuota', await getSesV1SendQuota(deps, caller, { perKey: keyRateLimit() }));
  },
  // The gateway keeps no per-15-minute send counts: an empty list of data points, as SES
  // answers an account that sent nothing in the last two weeks (docs/senders.md).
  GetSendStatistics: async (_request, form) => {
    parseQueryInput(sesV1NoFieldsSchema, form);
    return sesV1Result('GetSendStatistics', { SendDataPoints: [] });
  },
  ListIdentities: async ({ deps, caller }, form) =>
    sesV1Result(
      'ListIdentities',
      await listSesV1Identities(deps, caller, parseQueryInput(sesV1ListIdentitiesSchema, form)),
    ),
};

async function runV1Action(request: SesRequest): Promise<HttpResponse> {
  const form = parseQueryForm(bodyBytes(request.event).toString('utf8'));
  const action = typeof form.Action === 'string' ? form.Action : undefined;
  if (action === undefined) throw new InvalidInputError([{ field: 'Action', problem: 'is required' }]);
  const run = Object.hasOwn(v1Actions, action) ? v1Actions[action] : undefined;
  if (run === undefined) {
    throw new SesUnsupportedOperationError(
      `consent-gate does not serve the SES v1 action ${action}: its SES v1 (Query API) endpoint serves ${Object.keys(v1Actions).join(', ')} (see docs/senders.md)`,
    );
  }
  return run(request, form);
}

/** The SES v2 operations served, by method and path (SES v2's REST routes). */
const operations: { method: string; path: RegExp; run: Operation }[] = [
  {
    method: 'POST',
    path: /^\/v2\/email\/outbound-emails$/,
    run: async (request) => {
      const input = jsonBody(request.event, sesSendEmailSchema);
      return {
        body: await sendOnce(request, input, (options) =>
          sendSesEmail(request.deps, request.caller, input, { ...options, settings: settings() }),
        ),
      };
    },
  },
  {
    method: 'POST',
    path: /^\/v2\/email\/outbound-bulk-emails$/,
    run: async (request) => {
      const input = jsonBody(request.event, sesSendBulkEmailSchema);
      return {
        body: await sendOnce(request, input, (options) =>
          sendSesBulkEmail(request.deps, request.caller, input, { ...options, settings: settings() }),
        ),
      };
    },
  },
  {
    method: 'GET',
    path: /^\/v2\/email\/account$/,
    run: async ({ deps, caller }) => ({
      body: await getSesAccount(deps, caller, { perKey: keyRateLimit() }),
    }),
  },
  // ListEmailIdentities: GET /v2/email/identities in SES v2's first model (the CLI, boto3, older
  // SDKs); POST /v2/email/list-identities in the SDK's current one. One page answers both.
  {
    method: 'GET',
    path: /^\/v2\/email\/identities$/,
    run: async ({ deps, caller }) => ({ body: await listSesEmailIdentities(deps, caller) }),
  },
  {
    method: 'POST',
    path: /^\/v2\/email\/list-identities$/,
    run: async ({ deps, caller }) => ({ body: await listSesEmailIdentities(deps, caller) }),
  },
  {
    method: 'GET',
    path: /^\/v2\/email\/identities\/([^/]+)$/,
    run: async ({ deps, caller }, [identity]) => ({
      body: await getSesEmailIdentity(deps, caller, segment(identity, 'EmailIdentity')),
    }),
  },
  {
    method: 'POST',
    path: /^\/v2\/email\/templates$/,
    run: async ({ event, deps, caller }) => {
      await createTemplate(deps, caller, jsonBody(event, sesCreateTemplateSchema));
      return { body: {} };
    },
  },
  {
    method: 'GET',
    path: /^\/v2\/email\/templates$/,
    run: async ({ event, deps, caller }) => {
      const q = event.queryStringParameters ?? {};
      const pageSize = q.PageSize === undefined ? undefined : Number(q.PageSize);
      if (pageSize !== undefined && !Number.isInteger(pageSize)) {
        throw new InvalidInputError([{ field: 'PageSize', problem: 'must be an integer' }]);
      }
      return { body: await listTemplates(deps, caller, { nextToken: q.NextToken, pageSize }) };
    },
  },
  {
    method: 'GET',
    path: /^\/v2\/email\/templates\/([^/]+)$/,
    run: async ({ deps, caller }, [template]) => ({ body: await getTemplate(deps, caller, name(template)) }),
  },
  {
    method: 'PUT',
    path: /^\/v2\/email\/templates\/([^/]+)$/,
    run: async ({ event, deps, caller }, [template]) => {
      const input = jsonBody(event, sesUpdateTemplateSchema);
      await updateTemplate(deps, caller, name(template), input.TemplateContent);
      return { body: {} };
    },
  },
  {
    method: 'DELETE',
    path: /^\/v2\/email\/templates\/([^/]+)$/,
    run: async ({ deps, caller }, [template]) => {
      await deleteTemplate(deps, caller, name(template));
      return { body: {} };
    },
  },
];

/**
 * The SES v2 endpoint (`/v2/email/…`), and SES v1's Query API at `POST /`, for unmodified AWS SDKs, the CLI and nodemailer's SES
 * transport, SigV4-signed with gateway credentials: SendEmail, SendBulkEmail, the templates,
 * GetAccount and the identities. Any other SES v2 operation is answered with SES's
 * NotFoundException naming consent-gate, never a bare 404.
 */
export const handler = sesHandler(async (request) => {
  // SES v1 (the Query API) shares the endpoint: `POST /`, the action in the form body.
  if (isSesV1Request(request.event)) return runV1Action(request);
  const method = request.event.requestContext.http.method;
  const path = request.event.rawPath;
  for (const operation of operations) {
    if (operation.method !== method) continue;
    const match = operation.path.exec(path);
    if (match === null) continue;
    const { status, body } = await operation.run(request, match.slice(1));
    return sesResponse(status ?? 200, body);
  }
  throw new SesUnsupportedOperationError(
    `consent-gate does not serve ${method} ${path}: its SES v2 endpoint serves SendEmail, SendBulkEmail, the email templates, GetAccount, ListEmailIdentities and GetEmailIdentity (see docs/senders.md)`,
  );
});
