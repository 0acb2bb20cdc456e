import { randomUUID } from 'node:crypto';
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
import { MimeInjectionError } from '../domain/mime-errors';
import { own } from '../domain/own';
import { rulesOf } from '../domain/reasons';
import { recordTtl } from '../domain/retention';
import { emailUnsubscribeRecord, NO_UNSUBSCRIBE } from '../domain/sent-unsubscribe';
import { signToken } from '../domain/unsubscribe-token';
import {
  EmailProviderError,
  EmailRejectedByProviderError,
  type OutboundAttachment,
  type SesForwarded,
} from '../ports/email-sender';
import { NotFoundError } from '../ports/store-errors';
import { MAX_SES_RECIPIENTS, type SesSendBulkEmailInput, type SesSendEmailInput } from '../schemas/ses';
import type { Purpose } from '../schemas/tenant';
import { InvalidInputError } from '../schemas/validation';
import { recordAllowed, recordRejected, recordSendFailed } from './decision-records';
import { type DecisionContext, decideFor, loadContext, prefetchStates, refuseOutOfScope } from './decisions';
import type { Caller, Dependencies } from './dependencies';
import { OutOfScopeError } from './errors';
import { runOnce } from './idempotency';
import { coveredByDeployment } from './identities';
import { actorOf } from './record-change';
import { loadTemplate, renderTemplate } from './ses-templates';
import { mailtoFor } from './unsubscribe-mail';

/**
 * The MIME stack (mailsplit, libmime and its iconv-lite), loaded by the first raw message
 * rather than with the function: simple and templated sends never parse MIME, and libmime's
 * load is the largest part of this function's import (esbuild keeps these modules in the
 * bundle and runs them on the first call).
 */
const mime = () => import('../domain/inject-unsubscribe-mime');
const mimeHeaders = () => import('../domain/mime-headers');

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

/** An SES v2 operation consent-gate does not serve (answered as SES's NotFoundException). */
export class SesUnsupportedOperationError extends SesSendError {
  override name = 'SesUnsupportedOperationError';
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
  /** Every ReplyToAddresses entry, in order (a simple or template message). */
  replyTo: string[];
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

/**
 * Content.Template as SES renders it, into the Simple content it amounts to: the stored (or
 * inline) template with TemplateData applied, its headers and attachments kept. The link is
 * then injected into the rendered parts like into any simple message's (R10).
 */
async function renderedSimple(
  deps: Pick<Dependencies, 'templates'>,
  tenantId: string,
  template: NonNullable<SesSendEmailInput['Content']['Template']>,
  field: string,
): Promise<NonNullable<SesSendEmailInput['Content']['Simple']>> {
  const parts = await loadTemplate(deps, tenantId, template, field);
  const rendered = renderTemplate(parts, { value: template.TemplateData, field: `${field}.TemplateData` });
  return {
    Subject: { Data: rendered.subject },
    Body: {
      Html: rendered.html === undefined ? undefined : { Data: rendered.html },
      Text: rendered.text === undefined ? undefined : { Data: rendered.text },
    },
    Headers: template.Headers,
    Attachments: template.Attachments,
  };
}

async function readContent(
  deps: Pick<Dependencies, 'templates'>,
  tenantId: string,
  input: SesSendEmailInput,
): Promise<{ content: Content; envelope: Envelope }> {
  const { Raw, Template } = input.Content;
  const Simple =
    Template !== undefined && input.Content.Simple === undefined && Raw === undefined
      ? await renderedSimple(deps, tenantId, Template, 'Content.Template')
      : input.Content.Simple;
  const given = [input.Content.Simple, Raw, Template].filter((c) => c !== undefined).length;
  if (given > 1) throw new SesBadRequestError('Content takes one of Simple, Raw or Template');
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
    const part = input.Content.Simple === undefined ? 'Content.Template' : 'Content.Simple';
    for (const [i, h] of (Simple.Headers ?? []).entries()) {
      if (!HEADER_NAME.test(h.Name) || /[\r\n]/.test(h.Value)) {
        throw new SesBadRequestError(
          `${part}.Headers[${i}] must not contain line breaks; its Name must be printable ASCII without ":"`,
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
        replyTo: (input.ReplyToAddresses ?? []).map((a, i) => {
          mailbox(a, `ReplyToAddresses[${i}]`);
          return a;
        }),
        recipients: destination.map((a, i) => address(a, `Destination[${i}]`)),
      },
    };
  }
  if (Raw !== undefined) {
    // SES takes a raw message's Reply-To from its headers: the request's would be lost.
    if ((input.ReplyToAddresses ?? []).length > 0) {
      throw new SesBadRequestError(
        'ReplyToAddresses is not applied to Content.Raw by consent-gate: write the Reply-To header into the raw message',
      );
    }
    const raw = Buffer.from(Raw.Data, 'base64');
    // Refused before any decision is audited, rather than after (each copy is rewritten once allowed).
    await (await mime()).checkMimeStructure(raw);
    // Sender and recipients from the message's headers when the request does not name them, as SES does.
    // Only the root header block is read (shared/domain/mime-headers.ts, as mailparser reads it).
    // A message that cannot be split is the sender's error, not a 500.
    const { parseRawHeaders } = await mimeHeaders();
    const parsed = await parseRawHeaders(raw).catch((error: Error) => {
      throw new SesBadRequestError(`Content.Raw.Data could not be parsed: ${error.message}`);
    });
    // One author, named once: R10 decides on the From the recipient sees, and a second From
    // header or mailbox would be a sender the gate never checked.
    const fromHeaders = parsed.fromHeaderCount;
    if (fromHeaders > 1) {
      throw new SesBadRequestError(
        `The raw message has ${fromHeaders} From headers; exactly one is accepted`,
      );
    }
    const fromMailboxes = parsed.from;
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
    const headerRecipients = [...parsed.to, ...parsed.cc, ...parsed.bcc].map((v) => v.address ?? '');
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
        replyTo: [],
        recipients: recipients.map((a, i) => address(a, `Destination[${i}]`)),
      },
    };
  }
  throw new SesBadRequestError('Content needs Simple, Raw or Template');
}

function purposeOf(input: SesSendEmailInput, ctx: DecisionContext): Purpose {
  const name = ctx.tenant.settings.purposeTagName;
  const value = input.EmailTags?.find((t) => t.Name === name)?.Value;
  if (value === undefined || value === '') {
    throw new SesBadRequestError(
      `EmailTags must include a tag named "${name}" whose value is a purpose declared with PUT /v1/purposes/{purposeId}`,
    );
  }
  const purpose = own(ctx.tenant.purposes, value);
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

/**
 * One recipient's copy with its link (R10), and where the link was placed, for the record its
 * `decision.sent` keeps: a simple message's parts as handed to SES, or a raw message's body parts.
 */
async function copyOf(content: Content, url: string | undefined, mailto: string | undefined) {
  if (content.kind === 'raw') {
    const injected = await (await mime()).injectIntoMimePlaced(content.raw, url, mailto);
    return {
      copy: { kind: 'raw' as const, raw: injected.raw },
      placed: { in: 'mime' as const, ...injected.placed },
    };
  }
  const html = simplePart('Html', content.html, url, injectIntoHtml);
  const text = simplePart('Text', content.text, url, injectIntoText);
  return {
    copy: {
      kind: 'simple' as const,
      subject: content.subject,
      headers: content.headers,
      html,
      text,
      attachments: content.attachments,
    },
    placed: { in: 'parts' as const, html: html === undefined ? 0 : 1, text: text === undefined ? 0 : 1 },
  };
}

/** What the deployment lets senders of the SES v2 endpoint ask of SES besides sending. */
export interface SesEndpointSettings {
  /**
   * Configuration sets a sender may name in ConfigurationSetName (the construct's
   * `senderConfigurationSets`); none by default. Such a set replaces the deployment's on the
   * message, so it must publish to the gateway's feedback too (docs/senders.md).
   */
  readonly allowedConfigurationSets?: readonly string[];
}

/** The gateway's own tags on every copy: its feedback handling reads them, so a sender may not set them. */
const GATEWAY_TAGS = new Set(['tenant', 'messageId']);

/**
 * Fields of the request that ask SES for more than sending: forwarded when the gateway can
 * honour them, refused by name otherwise (never dropped).
 */
function forwardedOptions(
  input: Pick<
    SesSendEmailInput,
    | 'ConfigurationSetName'
    | 'FeedbackForwardingEmailAddress'
    | 'FeedbackForwardingEmailAddressIdentityArn'
    | 'FromEmailAddressIdentityArn'
    | 'EndpointId'
    | 'TenantName'
  > & { ListManagementOptions?: unknown },
  settings: SesEndpointSettings,
): Omit<SesForwarded, 'senderTags'> {
  if (input.ListManagementOptions !== undefined) {
    throw new SesBadRequestError(
      "ListManagementOptions is not supported by consent-gate: the gateway adds its own unsubscribe link and headers (R10); SES's contact-list unsubscribe would be a second one it does not record",
    );
  }
  for (const field of [
    'FromEmailAddressIdentityArn',
    'FeedbackForwardingEmailAddressIdentityArn',
    'EndpointId',
    'TenantName',
  ] as const) {
    if (input[field] !== undefined) {
      throw new SesBadRequestError(
        `${field} is not supported by consent-gate: it sends from the deployment's own identities and account`,
      );
    }
  }
  const set = input.ConfigurationSetName;
  if (set !== undefined && !(settings.allowedConfigurationSets ?? []).includes(set)) {
    throw new SesBadRequestError(
      `ConfigurationSetName "${set}" is not allowed by this consent-gate deployment (allowed: ${
        (settings.allowedConfigurationSets ?? []).join(', ') || 'none'
      }); leave it out, or ask the operator to add it to senderConfigurationSets`,
    );
  }
  const feedback = input.FeedbackForwardingEmailAddress;
  return {
    configurationSetName: set,
    feedbackForwardingEmailAddress:
      feedback === undefined ? undefined : address(feedback, 'FeedbackForwardingEmailAddress'),
  };
}

/**
 * The sender's EmailTags, forwarded to SES beside the gateway's. The purpose tag is read by
 * the gateway and goes out as its own `purpose` tag; a tag under a name the gateway sets
 * itself would be lost or would mislead its feedback handling, so it is refused.
 */
function senderTagsOf(input: Pick<SesSendEmailInput, 'EmailTags'>, purposeTag: string, purposeId: string) {
  const tags = (input.EmailTags ?? []).map((t) => ({ name: t.Name, value: t.Value }));
  for (const tag of tags) {
    const clash =
      GATEWAY_TAGS.has(tag.name) ||
      (tag.name === 'purpose' && purposeTag !== 'purpose' && tag.value !== purposeId);
    if (clash) {
      throw new SesBadRequestError(
        `EmailTags: the tag name "${tag.name}" is set by consent-gate on every message (tenant, purpose, messageId); use another name`,
      );
    }
  }
  return tags;
}

/**
 * R10, first: the From must be one of the tenant's identities. Answered before anything
 * else, in the words SES uses for an unverified identity (MessageRejected), which is what
 * nodemailer's `verify()` probe expects back.
 */
function refuseUnknownIdentity(input: SesSendEmailInput, ctx: DecisionContext): void {
  const from = input.FromEmailAddress;
  if (from === undefined) return;
  const loose = (/<([^<>]*)>\s*$/.exec(from)?.[1] ?? from).trim().toLowerCase();
  if (!loose.includes('@')) return;
  if (coveredByDeployment(loose, ctx.tenant.emailIdentities)) return;
  throw new SesMessageRefusedError(
    `Email address is not verified. The following identities failed the check: ${loose} (not an identity of this tenant at consent-gate)`,
    [],
  );
}

export async function sendSesEmail(
  deps: Dependencies,
  caller: Caller,
  input: SesSendEmailInput,
  /** The call's idempotency key: each recipient's copy is sent once per key, even when another copy failed. */
  options: {
    idempotency?: { key: string; fingerprint: string };
    settings?: SesEndpointSettings;
    /** The surface the message came in by, as the audit trail's `decision.sent` records it. */
    via?: 'ses-v2-endpoint' | 'smtp';
  } = {},
): Promise<{ MessageId: string }> {
  const ctx = await loadContext(deps, caller.tenantId);
  refuseUnknownIdentity(input, ctx);
  const purpose = purposeOf(input, ctx);
  refuseOutOfScope(caller, ctx.tenant, { channel: 'email', purpose: purpose.id });
  const forwarded: SesForwarded = {
    ...forwardedOptions(input, options.settings ?? {}),
    senderTags: senderTagsOf(input, ctx.tenant.settings.purposeTagName, purpose.id),
  };
  const { content, envelope } = await readContent(deps, caller.tenantId, input);
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
  /** SES's id of each copy, in recipient order (To, Cc, Bcc). */
  const sesIds: string[] = [];
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
      // R10 / RFC 2369: the mailto: address beside the https link, when an inbound domain is configured.
      const mailto = await mailtoFor(deps, url, ctx.keys);
      const target = {
        tenantId: ctx.tenant.id,
        recipientKey: d.recipientKey,
        channel: 'email' as const,
        ttl: recordTtl(d.state, ctx.tenant.settings, deps.clock.now()),
      };
      // Built before the decision is audited: content the injection refuses is a
      // 400 with no `decision.sent` in the trail, and nothing can throw between audit and send.
      const { copy, placed } = await copyOf(content, url, mailto);
      // R10: what the copy carries to unsubscribe, recorded with its decision (no write of its own).
      const linkHeaders = url === undefined ? [] : unsubscribeHeaders(url, mailto);
      const unsubscribe =
        url === undefined
          ? NO_UNSUBSCRIBE
          : emailUnsubscribeRecord(linkHeaders, placed, {
              tenant: ctx.tenant.id,
              recipientKey: d.recipientKey,
              messageId,
              purpose: purpose.id,
              channel: 'email',
            });
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
          via: options.via ?? 'ses-v2-endpoint',
          unsubscribe,
        },
        decidedAt,
      );
      const providerMessageId = await (copy.kind === 'raw'
        ? deps.email.sendRaw({ raw: copy.raw, to: d.to, tags, forwarded })
        : deps.email.send({
            from: formatMailbox(envelope.from),
            to: d.to,
            replyTo: envelope.replyTo[0],
            replyToAddresses: envelope.replyTo.length > 1 ? envelope.replyTo : undefined,
            forwarded,
            subject: copy.subject,
            html: copy.html,
            text: copy.text,
            headers: [...copy.headers, ...linkHeaders],
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
    // A retry after a copy failed must not send the copies that went out again. A single copy
    // needs no claim of its own: the call's claim (released only when nothing went out) covers
    // it, and two writes fewer per send.
    if (options.idempotency === undefined || decided.length === 1) sesIds.push(await sendCopy());
    else {
      const { result } = await runOnce(
        deps,
        {
          tenantId: ctx.tenant.id,
          key: `${options.idempotency.key}#${d.recipientKey}`,
          fingerprint: options.idempotency.fingerprint,
        },
        sendCopy,
      );
      sesIds.push(result);
    }
  }
  // SES's own MessageId, so that sender-side correlation (nodemailer's `<id@region.amazonses.com>`)
  // holds: the first recipient's copy's. The gateway's messageId stays in its records beside each
  // copy's SES id (message record `providerMessageId`, audit trail).
  return { MessageId: sesIds[0]! };
}

/** SES's per-entry answer of SendBulkEmail (BulkEmailEntryResult). */
export interface BulkEntryResult {
  Status: string;
  Error?: string;
  MessageId?: string;
}

/**
 * An entry's failure as SES reports one (BulkEmailStatus); undefined for an error that is
 * not the entry's own (the whole call then fails, and the SDK's retry with the same invocation
 * id sends none of the entries that went out again).
 */
function entryFailure(error: unknown): BulkEntryResult | undefined {
  const message = (error as Error).message;
  if (error instanceof SesMessageRefusedError) return { Status: 'MESSAGE_REJECTED', Error: message };
  if (error instanceof EmailRejectedByProviderError) return { Status: 'MESSAGE_REJECTED', Error: message };
  if (
    error instanceof SesBadRequestError ||
    error instanceof InvalidInputError ||
    error instanceof MimeInjectionError
  )
    return { Status: 'INVALID_PARAMETER', Error: message };
  if (error instanceof OutOfScopeError) return { Status: 'MESSAGE_REJECTED', Error: message };
  if (error instanceof NotFoundError) return { Status: 'TEMPLATE_NOT_FOUND', Error: message };
  if (error instanceof EmailProviderError)
    return { Status: 'TRANSIENT_FAILURE', Error: 'SES unavailable; this entry was not sent. Retry it.' };
  return undefined;
}

/**
 * SES v2 SendBulkEmail: each entry is a SendEmail of its own (its recipients decided, its
 * copies sent, one link each; R1, R10), with the call's default template, data, tags and
 * headers, an entry's replacement data and tags taking their place. A refused entry gets its
 * Status and Error, the others are sent, as SES reports per-entry failures. The template is
 * read once for the call.
 */
export async function sendSesBulkEmail(
  deps: Dependencies,
  caller: Caller,
  input: SesSendBulkEmailInput,
  options: { idempotency?: { key: string; fingerprint: string }; settings?: SesEndpointSettings } = {},
): Promise<{ BulkEmailEntryResults: BulkEntryResult[] }> {
  // What is wrong with the call itself fails the call, before any entry is decided.
  forwardedOptions(input, options.settings ?? {});
  const { Template } = input.DefaultContent;
  const parts = await loadTemplate(deps, caller.tenantId, Template, 'DefaultContent.Template');
  const results: BulkEntryResult[] = [];
  for (const [i, entry] of input.BulkEmailEntries.entries()) {
    const tags = new Map((input.DefaultEmailTags ?? []).map((t) => [t.Name, t]));
    for (const t of entry.ReplacementTags ?? []) tags.set(t.Name, t);
    const data = entry.ReplacementEmailContent?.ReplacementTemplate?.ReplacementTemplateData;
    const single: SesSendEmailInput = {
      FromEmailAddress: input.FromEmailAddress,
      Destination: entry.Destination,
      ReplyToAddresses: input.ReplyToAddresses,
      EmailTags: [...tags.values()],
      ConfigurationSetName: input.ConfigurationSetName,
      FeedbackForwardingEmailAddress: input.FeedbackForwardingEmailAddress,
      Content: {
        Template: {
          TemplateContent: { ...parts },
          TemplateData: data ?? Template.TemplateData,
          Headers: [...(Template.Headers ?? []), ...(entry.ReplacementHeaders ?? [])],
          Attachments: Template.Attachments,
        },
      },
    };
    try {
      const { MessageId } = await sendSesEmail(deps, caller, single, {
        settings: options.settings,
        idempotency:
          options.idempotency === undefined
            ? undefined
            : { key: `${options.idempotency.key}#entry${i}`, fingerprint: options.idempotency.fingerprint },
      });
      results.push({ Status: 'SUCCESS', MessageId });
    } catch (error) {
      const failure = entryFailure(error);
      if (failure === undefined) throw error;
      results.push(failure);
    }
  }
  return { BulkEmailEntryResults: results };
}
