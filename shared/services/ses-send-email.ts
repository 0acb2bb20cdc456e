import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import {
  type AddressError,
  displayNameProblem,
  formatMailbox,
  type Mailbox,
  normalizeEmail,
  parseMailbox,
} from '../domain/address';
import type { Decision } from '../domain/decide';
import {
  FRAMESET_PROBLEM,
  htmlCanShowLink,
  injectIntoHtml,
  injectIntoText,
  LinkPlacementError,
  unsubscribeHeaders,
} from '../domain/inject-unsubscribe';
import { checkMimeStructure, injectIntoMime } from '../domain/inject-unsubscribe-mime';
import { rulesOf } from '../domain/reasons';
import { recordTtl } from '../domain/retention';
import { signToken } from '../domain/unsubscribe-token';
import type { OutboundAttachment } from '../ports/email-sender';
import { MAX_SES_RECIPIENTS, type SesSendEmailInput } from '../schemas/ses';
import type { Purpose } from '../schemas/tenant';
import { type DecisionContext, decideFor, loadContext, prefetchStates, refuseOutOfScope } from './decisions';
import type { Caller, Dependencies } from './dependencies';
import { runOnce } from './idempotency';
import { actorOf } from './record-change';
import { recordAllowed, recordRejected, recordSendFailed } from './send-message';

/**
 * SES v2 SendEmail through the gate: the purpose comes from an EmailTags entry, every
 * recipient of Destination (To, Cc, Bcc) is decided, and the message goes out only when
 * all of them are allowed. Each recipient then gets an own copy carrying an own
 * unsubscribe link (R10: the link names one recipient; a shared link would let one
 * recipient unsubscribe another).
 */
export class SesSendError extends Error {
  override name = 'SesSendError';
}
/** The request cannot be served as written (SES's BadRequestException). */
export class SesBadRequestError extends SesSendError {
  override name = 'SesBadRequestError';
}
/** The gate refused the message (SES's MessageRejected): the message lists reasons and rules per recipient. */
export class SesMessageRefusedError extends SesSendError {
  override name = 'SesMessageRefusedError';
  constructor(
    message: string,
    readonly refused: readonly { to: string; reasons: string[]; rules: string[] }[],
  ) {
    super(message);
  }
}

/** Copy headers a sender may not set: the gate sets the unsubscribe headers itself (R10). */
/** RFC 5322 §2.2: a field name is printable US-ASCII except ":". */
const HEADER_NAME = /^[!-9;-~]+$/;
const GATE_HEADERS = new Set(['list-unsubscribe', 'list-unsubscribe-post']);

type Content =
  | {
      kind: 'simple';
      subject: string;
      html?: string;
      text?: string;
      headers: { name: string; value: string }[];
      attachments: OutboundAttachment[];
    }
  | { kind: 'raw'; raw: Buffer };

interface Envelope {
  from: Mailbox;
  replyTo?: string;
  recipients: string[];
}

function mailbox(value: string, field: string): Mailbox {
  try {
    return parseMailbox(value);
  } catch (error) {
    throw new SesBadRequestError(`${field}: not a valid address (${(error as AddressError).message})`);
  }
}

function address(value: string, field: string): string {
  try {
    return normalizeEmail(mailbox(value, field).address);
  } catch (error) {
    if (error instanceof SesBadRequestError) throw error;
    throw new SesBadRequestError(`${field}: not a valid address (${(error as Error).message})`);
  }
}

/** SES's own limit, checked here because raw header recipients escape the schema's per-field caps. */
function capRecipients(count: number, where: string): void {
  if (count > MAX_SES_RECIPIENTS) {
    throw new SesBadRequestError(
      `${where} names ${count} recipients; at most ${MAX_SES_RECIPIENTS} are accepted per message (To, Cc and Bcc together), as SES does`,
    );
  }
}

async function readContent(input: SesSendEmailInput): Promise<{ content: Content; envelope: Envelope }> {
  const { Simple, Raw, Template } = input.Content;
  if (Template !== undefined) {
    throw new SesBadRequestError(
      'Content.Template is not supported by consent-gate: send Content.Simple or Content.Raw',
    );
  }
  const destination = [
    ...(input.Destination?.ToAddresses ?? []),
    ...(input.Destination?.CcAddresses ?? []),
    ...(input.Destination?.BccAddresses ?? []),
  ];
  capRecipients(destination.length, 'Destination');
  if (Simple !== undefined) {
    if (input.FromEmailAddress === undefined) throw new SesBadRequestError('FromEmailAddress is required');
    if (Simple.Body.Html === undefined && Simple.Body.Text === undefined) {
      throw new SesBadRequestError('Content.Simple.Body needs Html or Text');
    }
    if (/[\r\n]/.test(Simple.Subject.Data))
      throw new SesBadRequestError('Subject must not contain line breaks');
    if (Simple.Body.Html !== undefined && !htmlCanShowLink(Simple.Body.Html.Data))
      throw new SesBadRequestError(`Content.Simple.Body.Html ${FRAMESET_PROBLEM}`);
    // A line break in a header would end it and start one of the sender's choosing (a Bcc).
    if (input.ReplyToAddresses?.some((a) => /[\r\n]/.test(a)))
      throw new SesBadRequestError('ReplyToAddresses must not contain line breaks');
    for (const [i, h] of (Simple.Headers ?? []).entries()) {
      if (!HEADER_NAME.test(h.Name) || /[\r\n]/.test(h.Value)) {
        throw new SesBadRequestError(
          `Content.Simple.Headers[${i}] must not contain line breaks; its Name must be printable ASCII without ":"`,
        );
      }
    }
    return {
      content: {
        kind: 'simple',
        subject: Simple.Subject.Data,
        html: Simple.Body.Html?.Data,
        text: Simple.Body.Text?.Data,
        headers: (Simple.Headers ?? [])
          .filter((h) => !GATE_HEADERS.has(h.Name.toLowerCase()))
          .map((h) => ({ name: h.Name, value: h.Value })),
        // Forwarded as given, never dropped; SES builds their MIME parts.
        attachments: (Simple.Attachments ?? []).map((a) => ({
          fileName: a.FileName,
          content: Buffer.from(a.RawContent, 'base64'),
          contentType: a.ContentType,
          disposition: a.ContentDisposition,
          contentId: a.ContentId,
          description: a.ContentDescription,
          transferEncoding: a.ContentTransferEncoding,
        })),
      },
      envelope: {
        from: mailbox(input.FromEmailAddress, 'FromEmailAddress'),
        replyTo: input.ReplyToAddresses?.[0],
        recipients: destination.map((a, i) => address(a, `Destination[${i}]`)),
      },
    };
  }
  if (Raw !== undefined) {
    const raw = Buffer.from(Raw.Data, 'base64');
    // Refused before any decision is audited, rather than after (each copy is rewritten once allowed).
    await checkMimeStructure(raw);
    // Sender and recipients from the message's headers when the request does not name them, as SES does.
    // A message mailparser cannot read (nesting beyond its limits, say) is the sender's error, not a 500.
    const parsed = await simpleParser(raw, {
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipTextLinks: true,
    }).catch((error: Error) => {
      throw new SesBadRequestError(`Content.Raw.Data could not be parsed: ${error.message}`);
    });
    // One author, named once: R10 decides on the From the recipient sees, and a second From
    // header or mailbox would be a sender the gate never checked.
    const fromHeaders = parsed.headerLines.filter((h) => h.key === 'from').length;
    if (fromHeaders > 1) {
      throw new SesBadRequestError(
        `The raw message has ${fromHeaders} From headers; exactly one is accepted`,
      );
    }
    const fromMailboxes = parsed.from?.value ?? [];
    if (fromMailboxes.length > 1 || fromMailboxes.some((m) => m.group !== undefined)) {
      throw new SesBadRequestError(
        `The raw message's From header names ${fromMailboxes.length} mailboxes or a group; exactly one mailbox is accepted`,
      );
    }
    const fromHeader = fromMailboxes[0]?.address;
    // R10: the raw From goes out as written, so its display name is checked here too.
    const nameProblem = displayNameProblem(fromMailboxes[0]?.name ?? '', fromHeader ?? '');
    if (nameProblem !== undefined) throw new SesBadRequestError(`From: ${nameProblem}`);
    const from = input.FromEmailAddress ?? fromHeader;
    if (from === undefined) throw new SesBadRequestError('The raw message has no From header');
    const headerRecipients = [parsed.to, parsed.cc, parsed.bcc]
      .flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a : [a]))
      .flatMap((a) => a.value.map((v) => v.address ?? ''));
    const recipients = destination.length > 0 ? destination : headerRecipients;
    capRecipients(
      recipients.length,
      destination.length > 0 ? 'Destination' : "The raw message's To, Cc and Bcc",
    );
    return {
      content: { kind: 'raw', raw },
      envelope: {
        // R10 checks the From the recipient sees, so a raw message's From header must be allowed too.
        from: mailbox(fromHeader ?? from, 'From'),
        recipients: recipients.map((a, i) => address(a, `Destination[${i}]`)),
      },
    };
  }
  throw new SesBadRequestError('Content needs Simple or Raw');
}

function purposeOf(input: SesSendEmailInput, ctx: DecisionContext): Purpose {
  const name = ctx.tenant.settings.purposeTagName;
  const value = input.EmailTags?.find((t) => t.Name === name)?.Value;
  if (value === undefined || value === '') {
    throw new SesBadRequestError(
      `EmailTags must include a tag named "${name}" whose value is a purpose declared with PUT /v1/purposes/{purposeId}`,
    );
  }
  const purpose = ctx.tenant.purposes[value];
  if (purpose === undefined) {
    throw new SesMessageRefusedError(
      `Message rejected by consent-gate: unknown_purpose: purpose "${value}" is not declared`,
      [],
    );
  }
  return purpose;
}

/** R10: a Simple body part with the link, or the SES-shaped 400 naming the part the injection refuses. */
function simplePart(
  part: 'Html' | 'Text',
  value: string | undefined,
  url: string | undefined,
  inject: (value: string, url: string) => string,
): string | undefined {
  if (value === undefined || url === undefined) return value;
  try {
    return inject(value, url);
  } catch (error) {
    if (error instanceof LinkPlacementError)
      throw new SesBadRequestError(`Content.Simple.Body.${part} ${error.problem}`);
    throw error;
  }
}

export async function sendSesEmail(
  deps: Dependencies,
  caller: Caller,
  input: SesSendEmailInput,
  /** The call's idempotency key: each recipient's copy is sent once per key, even when another copy failed. */
  options: { idempotency?: { key: string; fingerprint: string } } = {},
): Promise<{ MessageId: string }> {
  const ctx = await loadContext(deps, caller.tenantId);
  const purpose = purposeOf(input, ctx);
  refuseOutOfScope(caller, ctx.tenant, { channel: 'email', purpose: purpose.id });
  const { content, envelope } = await readContent(input);
  const recipients = [...new Set(envelope.recipients)];
  if (recipients.length === 0) throw new SesBadRequestError('Destination names no recipient');

  // One batched read for every recipient, then one decision each.
  const states = await prefetchStates(
    deps,
    ctx,
    recipients.map((to) => ({ purpose: purpose.id, to })),
  );
  const decided = await Promise.all(
    recipients.map(async (to) => ({
      to,
      ...(await decideFor(
        deps,
        ctx,
        { channel: 'email', purpose: purpose.id, from: envelope.from.address, to },
        states.get(to),
      )),
    })),
  );
  const refused = decided.filter(
    (d): d is typeof d & { decision: Extract<Decision, { outcome: 'rejected' }> } =>
      d.decision.outcome === 'rejected',
  );
  if (refused.length > 0) {
    // Audit trail: each refused recipient's decision (failing to record it refuses all the same).
    const rejectedAt = deps.clock.now().toISOString();
    await Promise.all(
      refused.map((r) =>
        recordRejected(
          deps,
          { tenantId: ctx.tenant.id, recipientKey: r.recipientKey, channel: 'email' },
          actorOf(caller),
          { purpose: purpose.id, from: envelope.from.address, decidedAt: rejectedAt },
          r.decision,
        ),
      ),
    );
    const lines = refused.map(
      (r) =>
        `${r.to}: ${r.decision.failures.map((f) => `${f.reason}${f.rule ? ` (${f.rule})` : ''}: ${f.message}`).join('; ')}`,
    );
    throw new SesMessageRefusedError(
      `Message rejected by consent-gate for ${refused.length} of ${recipients.length} recipient(s); nothing was sent. ${lines.join(' | ')}`,
      refused.map((r) => ({
        to: r.to,
        reasons: r.decision.failures.map((f) => f.reason),
        rules: rulesOf(r.decision.failures),
      })),
    );
  }

  const messageId = randomUUID();
  const decidedAt = deps.clock.now().toISOString();
  for (const d of decided) {
    const allowed = d.decision;
    if (allowed.outcome !== 'allowed') continue;
    const tags = [
      { name: 'tenant', value: ctx.tenant.id },
      { name: 'purpose', value: purpose.id },
      { name: 'messageId', value: messageId },
    ];
    const sendCopy = async (): Promise<string> => {
      // R6: transactional messages need no link; every other category gets one (R10).
      const url =
        purpose.category === 'transactional'
          ? undefined
          : `${deps.publicBaseUrl.replace(/\/$/, '')}/u/${signToken(
              {
                tenant: ctx.tenant.id,
                recipientKey: d.recipientKey,
                purpose: purpose.id,
                channel: 'email',
                messageId,
              },
              ctx.keys,
            )}`;
      const target = {
        tenantId: ctx.tenant.id,
        recipientKey: d.recipientKey,
        channel: 'email' as const,
        ttl: recordTtl(d.state, ctx.tenant.settings, deps.clock.now()),
      };
      // Built before the decision is audited: content the injection refuses is a
      // 400 with no `decision.sent` in the trail, and nothing can throw between audit and send.
      const copy =
        content.kind === 'raw'
          ? { kind: 'raw' as const, raw: await injectIntoMime(content.raw, url) }
          : {
              kind: 'simple' as const,
              subject: content.subject,
              headers: content.headers,
              html: simplePart('Html', content.html, url, injectIntoHtml),
              text: simplePart('Text', content.text, url, injectIntoText),
              attachments: content.attachments,
            };
      // Audit before acting: an allowed decision that cannot be recorded sends nothing.
      await recordAllowed(
        deps,
        {
          tenantId: ctx.tenant.id,
          recipientKey: d.recipientKey,
          channel: 'email',
          ttl: recordTtl(d.state, ctx.tenant.settings, deps.clock.now()),
        },
        actorOf(caller),
        'decision.sent',
        {
          messageId,
          purpose: purpose.id,
          category: purpose.category,
          from: envelope.from.address,
          basis: allowed.basis,
          proof: allowed.proof,
          via: 'ses-v2-endpoint',
        },
        decidedAt,
      );
      const providerMessageId = await (copy.kind === 'raw'
        ? deps.email.sendRaw({ raw: copy.raw, to: d.to, tags })
        : deps.email.send({
            from: formatMailbox(envelope.from),
            to: d.to,
            replyTo: envelope.replyTo,
            subject: copy.subject,
            html: copy.html,
            text: copy.text,
            headers: [...copy.headers, ...(url === undefined ? [] : unsubscribeHeaders(url))],
            attachments: copy.attachments,
            tags,
          })
      ).catch(async (error: unknown) => {
        await recordSendFailed(deps, target, actorOf(caller), messageId, error);
        throw error;
      });
      try {
        await deps.store.putMessage(
          ctx.tenant.id,
          d.recipientKey,
          {
            messageId,
            providerMessageId,
            channel: 'email',
            purpose: purpose.id,
            category: purpose.category,
            basis: allowed.basis,
            proof: allowed.proof,
            from: envelope.from.address,
            decidedAt,
            sentAt: deps.clock.now().toISOString(),
            senderKeyId: caller.keyId,
          },
          recordTtl(d.state, ctx.tenant.settings, deps.clock.now()),
        );
      } catch (error) {
        // Already sent: an error answer would make the SDK retry (the idempotency record still replays).
        deps.log.error('message sent but its record could not be written', {
          messageId,
          recipientKey: d.recipientKey,
          error: (error as Error).name,
        });
      }
      deps.log.info('message sent', {
        messageId,
        recipientKey: d.recipientKey,
        purpose: purpose.id,
        basis: allowed.basis,
      });
      return providerMessageId;
    };
    // A retry after a copy failed must not send the copies that went out again.
    if (options.idempotency === undefined) await sendCopy();
    else
      await runOnce(
        deps,
        {
          tenantId: ctx.tenant.id,
          key: `${options.idempotency.key}#${d.recipientKey}`,
          fingerprint: options.idempotency.fingerprint,
        },
        sendCopy,
      );
  }
  return { MessageId: messageId };
}
