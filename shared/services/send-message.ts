import { randomUUID } from 'node:crypto';
import { formatMailbox } from '../domain/address';
import {
  CONSENT_LINK,
  injectIntoHtml,
  injectIntoText,
  injectPreferencesUrl,
  LinkPlacementError,
  unsubscribeHeaders,
} from '../domain/inject-unsubscribe';
import { rulesOf } from '../domain/reasons';
import { recordTtl } from '../domain/retention';
import { checkSendAt } from '../domain/schedule';
import { emailUnsubscribeRecord, NO_UNSUBSCRIBE, smsUnsubscribeRecord } from '../domain/sent-unsubscribe';
import { defaultOptOutMention, measureSms, type SmsMeasure, withOptOutMention } from '../domain/sms-content';
import { effectiveSenderType } from '../domain/sms-sender';
import { expiryFor, signPageToken, signToken } from '../domain/unsubscribe-token';
import type { ScheduledEmail } from '../ports/due-queue';
import type { MessageRecord, SendOnce } from '../ports/gateway-store';
import type { Actor } from '../schemas/audit';
import type { SendEmailRequest, SendMessageRequest, SendSmsRequest } from '../schemas/message';
import type { Purpose, Tenant } from '../schemas/tenant';
import { InvalidInputError } from '../schemas/validation';
import { recordAllowed, recordRejected, recordSendFailed } from './decision-records';
import {
  type DecisionContext,
  decideFor,
  loadContext,
  normalizeAddress,
  type PrefetchedState,
  type RejectedBody,
  refuseOutOfScope,
  rejectedBody,
} from './decisions';
import type { Caller, Dependencies } from './dependencies';
import { TenantConfigurationError } from './errors';
import { actorOf } from './record-change';
import { withMailtoUnsubscribe } from './unsubscribe-mail';

type SmsSize = Pick<SmsMeasure, 'encoding' | 'segments'>;

export type SendResult =
  | ({ decision: 'sent'; messageId: string; basis: string; proof: unknown } & Partial<SmsSize>)
  | ({
      decision: 'deferred';
      messageId: string;
      notBefore: string;
      reasons: string[];
      rules: string[];
    } & SmsSize)
  | ({ decision: 'scheduled'; messageId: string; sendAt: string } & Partial<SmsSize>)
  | RejectedBody;

/**
 * A scheduled email keeps its request in one table item (400 KB at most): html and text
 * together stay well under it. Larger bodies are sent now, or scheduled by the sender.
 */
export const MAX_SCHEDULED_EMAIL_LENGTH = 300_000;

/**
 * POST /v1/messages. Decide against the latest state, then (for an allowed message only)
 * add the opt-out, send, and keep the record that justifies it. Any store or provider
 * failure before the send throws, so nothing goes out without a verified basis.
 */
export async function sendMessage(
  deps: Dependencies,
  caller: Caller,
  request: SendMessageRequest,
  /** The bulk queue loads the context once and reads the states of a whole batch ahead (email). */
  ahead?: { ctx: DecisionContext; state?: PrefetchedState },
  /** A keyed send (sendMessageOnce): its decision is its claim. */
  once?: SendOnce,
): Promise<SendResult> {
  const schedule = checkSendAt(request.sendAt, deps.clock.now());
  if (schedule !== undefined && !schedule.ok)
    throw new InvalidInputError([{ field: 'sendAt', problem: schedule.problem }]);
  const ctx = ahead?.ctx ?? (await loadContext(deps, caller.tenantId));
  refuseOutOfScope(caller, ctx.tenant, request);
  const at = schedule?.at;
  if (request.channel === 'sms') return sendSms(deps, caller, ctx, request, at, once);
  return at === undefined
    ? sendEmail(deps, caller, ctx, request, ahead?.state, once)
    : scheduleEmail(deps, caller, ctx, request, at, once);
}

/**
 * `sendAt`: decided now as at that instant (a message refused today is refused at once,
 * with its reasons), then stored in the due queue with its request as sent; when due it
 * goes through sendEmail like any other, decided against the latest state (R7: an
 * objection recorded meanwhile wins) with links built then.
 */
async function scheduleEmail(
  deps: Dependencies,
  caller: Caller,
  ctx: DecisionContext,
  request: SendEmailRequest,
  at: Date,
  once?: SendOnce,
): Promise<SendResult> {
  const size = (request.html?.length ?? 0) + (request.text?.length ?? 0);
  if (size > MAX_SCHEDULED_EMAIL_LENGTH) {
    throw new InvalidInputError([
      {
        field: 'html',
        problem: `html and text together are ${size} characters; a scheduled email keeps at most ${MAX_SCHEDULED_EMAIL_LENGTH} (send it now, without sendAt)`,
      },
    ]);
  }
  const decided = await decideEmail(deps, caller, ctx, request, undefined, at, once);
  if (decided.kind === 'rejected') return decided.body;
  const { decision, recipientKey, target, decidedAt } = decided;
  const messageId = randomUUID();
  const sendAt = at.toISOString();
  await recordAllowed(
    deps,
    target,
    actorOf(caller),
    'decision.scheduled',
    { messageId, purpose: request.purpose, from: request.from.address, basis: decision.basis, sendAt },
    decidedAt,
  );
  const { sendAt: _sendAt, idempotencyKey: _key, ...kept } = request;
  await deps.dueQueue.putDeferredSms({
    channel: 'email',
    scheduled: true,
    messageId,
    tenantId: ctx.tenant.id,
    recipientKey,
    purpose: request.purpose,
    from: request.from.address,
    to: request.to,
    request: kept,
    notBefore: sendAt,
    createdAt: decidedAt,
    senderKeyId: caller.keyId,
    attempts: 0,
  });
  deps.log.info('message scheduled', { messageId, recipientKey, purpose: request.purpose, sendAt });
  return { decision: 'scheduled', messageId, sendAt };
}

/** The email of a due scheduled message, decided again and sent as if posted now (R7). */
export function sendScheduledEmail(
  deps: Dependencies,
  ctx: DecisionContext,
  message: ScheduledEmail,
): Promise<SendResult> {
  return sendEmail(deps, { tenantId: message.tenantId, keyId: message.senderKeyId, role: 'sender' }, ctx, {
    ...message.request,
    channel: 'email',
  });
}

/**
 * The message went out. Its record is the `decision.sent` event written before the send
 * (one write per send: nothing more is written here); the provider's message id is in
 * this log line and reaches the trail from SES's own events (shared/domain/sent-messages.ts).
 */
function logSent(
  deps: Dependencies,
  m: {
    messageId: string;
    providerMessageId: string;
    recipientKey: string;
    channel: string;
    purpose: string;
    basis: string;
  },
) {
  deps.log.info('message sent', m);
}

/** R10: content the injection refuses is the sender's input error, named by its field. */
function asInput(
  field: 'html' | 'text',
  value: string | undefined,
  inject: (value: string) => string,
): string | undefined {
  if (value === undefined) return undefined;
  try {
    return inject(value);
  } catch (error) {
    if (error instanceof LinkPlacementError) throw new InvalidInputError([{ field, problem: error.problem }]);
    throw error;
  }
}

/** The message as sent: preferences link (R15), consent link (R13), unsubscribe footer and headers (R10). */
function emailContent(
  deps: Dependencies,
  ctx: DecisionContext,
  request: SendEmailRequest,
  purpose: Purpose,
  recipientKey: string,
  messageId: string,
): { html?: string; text?: string; headers: { name: string; value: string }[] } {
  let { html, text } = request;
  const base = deps.publicBaseUrl.replace(/\/$/, '');
  const preferencesUrl = `${base}/p/${signPageToken(
    {
      kind: 'preferences',
      tenant: ctx.tenant.id,
      recipientKey,
      channel: 'email',
      expiresAt: expiryFor('preferences', deps.clock.now()),
    },
    ctx.keys,
  )}`;
  html = html === undefined ? undefined : injectPreferencesUrl(html, preferencesUrl);
  text = text === undefined ? undefined : injectPreferencesUrl(text, preferencesUrl);
  let headers: { name: string; value: string }[] = [];
  // R13: a repermission message links to the consent page, placed like the unsubscribe link.
  if (purpose.category === 'repermission') {
    const offered =
      purpose.offers ??
      Object.values(ctx.tenant.purposes)
        .filter((p) => p.category === 'marketing')
        .map((p) => p.id);
    const consentUrl = `${base}/c/${signPageToken(
      {
        kind: 'consent',
        tenant: ctx.tenant.id,
        recipientKey,
        channel: 'email',
        expiresAt: expiryFor('consent', deps.clock.now()),
        ...(offered.length > 0 ? { purposes: offered } : {}),
      },
      ctx.keys,
    )}`;
    html = asInput('html', html, (v) => injectIntoHtml(v, consentUrl, CONSENT_LINK));
    text = asInput('text', text, (v) => injectIntoText(v, consentUrl, CONSENT_LINK));
  }
  // R6: transactional messages need no unsubscribe link; every other category gets one (R10).
  if (purpose.category !== 'transactional') {
    const token = signToken(
      { tenant: ctx.tenant.id, recipientKey, purpose: purpose.id, channel: 'email', messageId },
      ctx.keys,
    );
    const url = `${base}/u/${token}`;
    html = asInput('html', html, (v) => injectIntoHtml(v, url));
    text = asInput('text', text, (v) => injectIntoText(v, url));
    headers = unsubscribeHeaders(url);
  }
  return { html, text, headers };
}

/**
 * The email decision, now or as at `at`, with a refusal recorded and answered: what
 * sendEmail and scheduleEmail share. Deferral is an SMS matter (R14); an email decision is
 * allowed or rejected.
 */
async function decideEmail(
  deps: Dependencies,
  caller: Caller,
  ctx: DecisionContext,
  request: SendEmailRequest,
  prefetched?: PrefetchedState,
  at?: Date,
  once?: SendOnce,
) {
  const decidedAt = deps.clock.now().toISOString();
  const { decision, recipientKey, state } = await decideFor(
    deps,
    ctx,
    { channel: 'email', purpose: request.purpose, from: request.from.address, to: request.to },
    prefetched,
    at,
  );
  // R9: what is written about this send expires with the recipient's data.
  const ttl = recordTtl(state, ctx.tenant.settings, deps.clock.now());
  const target = { tenantId: ctx.tenant.id, recipientKey, channel: 'email' as const, ttl, once };
  if (decision.outcome === 'allowed') {
    return { kind: 'allowed' as const, decision, recipientKey, target, decidedAt };
  }
  const rejected =
    decision.outcome === 'rejected'
      ? decision
      : { outcome: 'rejected' as const, failures: decision.failures };
  await recordRejected(
    deps,
    target,
    actorOf(caller),
    { purpose: request.purpose, from: request.from.address, decidedAt },
    rejected,
  );
  return { kind: 'rejected' as const, body: rejectedBody(rejected) };
}

async function sendEmail(
  deps: Dependencies,
  caller: Caller,
  ctx: DecisionContext,
  request: SendEmailRequest,
  prefetched?: PrefetchedState,
  once?: SendOnce,
): Promise<SendResult> {
  const decided = await decideEmail(deps, caller, ctx, request, prefetched, undefined, once);
  if (decided.kind === 'rejected') return decided.body;
  const { decision, recipientKey, target, decidedAt } = decided;

  const messageId = randomUUID();
  const purpose = ctx.tenant.purposes[request.purpose]!;
  // Built before the decision is audited: content the gateway refuses (R10: markup too deep,
  // too many placeholders) is a 400 naming its field, with no `decision.sent` in the trail.
  const content = emailContent(deps, ctx, request, purpose, recipientKey, messageId);
  const { html, text } = content;
  // R10 / RFC 2369: the mailto: address beside the https link, when an inbound domain is configured.
  const headers = await withMailtoUnsubscribe(deps, content.headers, ctx.keys);
  // R10: what the message carries to unsubscribe, recorded in its decision (the same write).
  const unsubscribe =
    purpose.category === 'transactional'
      ? NO_UNSUBSCRIBE
      : emailUnsubscribeRecord(
          headers,
          { in: 'parts', html: html === undefined ? 0 : 1, text: text === undefined ? 0 : 1 },
          { tenant: ctx.tenant.id, recipientKey, messageId, purpose: purpose.id, channel: 'email' },
        );
  await recordAllowed(
    deps,
    target,
    actorOf(caller),
    'decision.sent',
    {
      messageId,
      purpose: purpose.id,
      category: purpose.category,
      from: request.from.address,
      basis: decision.basis,
      proof: decision.proof,
      unsubscribe,
    },
    decidedAt,
  );

  // R13: counted before the send (a count that cannot be written sends nothing), taken back
  // if the provider fails (nothing was sent).
  let counted = false;
  let providerMessageId: string;
  try {
    if (purpose.category === 'repermission') {
      await deps.store.countRepermission(ctx.tenant.id, recipientKey, purpose.id, 1, decidedAt);
      counted = true;
    }
    providerMessageId = await deps.email.send({
      from: formatMailbox(request.from),
      to: request.to,
      replyTo: request.replyTo ? formatMailbox(request.replyTo) : undefined,
      subject: request.subject,
      html,
      text,
      headers,
      tags: [
        { name: 'tenant', value: ctx.tenant.id },
        { name: 'purpose', value: purpose.id },
        { name: 'messageId', value: messageId },
      ],
    });
  } catch (error) {
    // Whatever failed after `decision.sent` was audited, the trail says nothing went out.
    await recordSendFailed(deps, target, actorOf(caller), messageId, error);
    if (counted) {
      await deps.store
        .countRepermission(ctx.tenant.id, recipientKey, purpose.id, -1, decidedAt)
        .catch((undo: Error) =>
          deps.log.error('repermission count not taken back', { recipientKey, error: undo.name }),
        );
    }
    throw error;
  }
  logSent(deps, {
    messageId,
    providerMessageId,
    recipientKey,
    channel: 'email',
    purpose: purpose.id,
    basis: decision.basis,
  });
  return { decision: 'sent', messageId, basis: decision.basis, proof: decision.proof };
}

/** R10: the mention every marketing SMS ends with; transactional SMS carry none (undefined). */
export function smsOptOutMention(tenant: Tenant, purpose: Purpose): string | undefined {
  if (purpose.category === 'transactional') return undefined;
  // R10: the mention names a real short code, never a number declared as one.
  const shortCode = Object.values(tenant.smsSenders).find(
    (s) => effectiveSenderType(s, tenant.settings.sms.defaultRegion) === 'short_code',
  );
  const mention =
    tenant.settings.sms.optOutMention ?? (shortCode ? defaultOptOutMention(shortCode.id) : undefined);
  if (mention === undefined) {
    throw new TenantConfigurationError(
      'The tenant has no SMS opt-out mention: declare a short code (PUT /v1/sms-senders/{id}) or set optOutMention (PUT /v1/settings/sms)',
    );
  }
  return mention;
}

async function sendSms(
  deps: Dependencies,
  caller: Caller,
  ctx: DecisionContext,
  request: SendSmsRequest,
  /** `sendAt`: decided as at that instant, stored, decided again when due. */
  at?: Date,
  once?: SendOnce,
): Promise<SendResult> {
  const to = normalizeAddress(ctx.tenant, 'sms', request.to, 'to');
  const decidedAt = deps.clock.now().toISOString();
  const { decision, recipientKey, state } = await decideFor(
    deps,
    ctx,
    { channel: 'sms', purpose: request.purpose, from: request.from, to },
    undefined,
    at,
  );
  const ttl = recordTtl(state, ctx.tenant.settings, deps.clock.now());
  const target = { tenantId: ctx.tenant.id, recipientKey, channel: 'sms' as const, ttl, once };
  // What a replay of this send answers beyond its decision event (sendMessageOnce).
  const answering = (answer: Record<string, unknown>) =>
    once === undefined ? target : { ...target, once: { ...once, answer } };
  if (decision.outcome === 'rejected') {
    await recordRejected(
      deps,
      target,
      actorOf(caller),
      { purpose: request.purpose, from: request.from, decidedAt },
      decision,
    );
    return rejectedBody(decision);
  }
  const purpose = ctx.tenant.purposes[request.purpose]!;
  if (purpose.category === 'repermission') {
    // R13 wants a link to a consent page; the consent page exists for email recipients only.
    throw new TenantConfigurationError(
      'Repermission by SMS is not available: its consent page link exists for email only (R13)',
    );
  }
  const optOutMention = smsOptOutMention(ctx.tenant, purpose);
  const text = optOutMention === undefined ? request.body : withOptOutMention(request.body, optOutMention);
  const measure = measureSms(text);
  const max = ctx.tenant.settings.sms.maxSegments;
  if (measure.segments > max) {
    throw new InvalidInputError([
      {
        field: 'body',
        problem: `is ${measure.segments} ${measure.encoding} segments with the opt-out mention (${measure.characters} characters); the tenant allows at most ${max}`,
      },
    ]);
  }
  const messageId = randomUUID();

  if (at !== undefined) {
    // Scheduled: the same due queue as R14 deferral; a sendAt outside the sending hours waits for them.
    const notBefore = decision.outcome === 'deferred' ? decision.notBefore.toISOString() : at.toISOString();
    await recordAllowed(
      deps,
      answering({ encoding: measure.encoding, segments: measure.segments }),
      actorOf(caller),
      'decision.scheduled',
      { messageId, purpose: purpose.id, from: request.from, basis: decision.basis, sendAt: notBefore },
      decidedAt,
    );
    await deps.dueQueue.putDeferredSms({
      channel: 'sms',
      scheduled: true,
      messageId,
      tenantId: ctx.tenant.id,
      recipientKey,
      purpose: purpose.id,
      from: request.from,
      to,
      text,
      optOutMention,
      notBefore,
      createdAt: decidedAt,
      senderKeyId: caller.keyId,
      attempts: 0,
    });
    deps.log.info('message scheduled', { messageId, recipientKey, purpose: purpose.id, sendAt: notBefore });
    return {
      decision: 'scheduled',
      messageId,
      sendAt: notBefore,
      encoding: measure.encoding,
      segments: measure.segments,
    };
  }

  if (decision.outcome === 'deferred') {
    const notBefore = decision.notBefore.toISOString();
    const reasons = decision.failures.map((f) => f.reason);
    const rules = rulesOf(decision.failures);
    await recordAllowed(
      deps,
      answering({ reasons, rules, encoding: measure.encoding, segments: measure.segments }),
      actorOf(caller),
      'decision.deferred',
      {
        messageId,
        purpose: purpose.id,
        from: request.from,
        basis: decision.basis,
        notBefore,
      },
      decidedAt,
    );
    await deps.dueQueue.putDeferredSms({
      messageId,
      tenantId: ctx.tenant.id,
      recipientKey,
      purpose: purpose.id,
      from: request.from,
      to,
      text,
      optOutMention,
      notBefore,
      createdAt: decidedAt,
      senderKeyId: caller.keyId,
      attempts: 0,
    });
    deps.log.info('message deferred', { messageId, recipientKey, purpose: purpose.id, notBefore });
    return {
      decision: 'deferred',
      messageId,
      notBefore,
      reasons,
      rules,
      encoding: measure.encoding,
      segments: measure.segments,
    };
  }

  await deliverSms(deps, ctx.tenant, actorOf(caller), {
    ttl,
    messageId,
    recipientKey,
    purpose,
    from: request.from,
    to,
    text,
    optOutMention,
    decidedAt,
    senderKeyId: caller.keyId,
    basis: decision.basis,
    proof: decision.proof,
    once,
  });
  return {
    decision: 'sent',
    messageId,
    basis: decision.basis,
    proof: decision.proof,
    encoding: measure.encoding,
    segments: measure.segments,
  };
}

/** Sends an SMS already decided allowed and records it. Shared by direct and deferred sends. */
export async function deliverSms(
  deps: Dependencies,
  tenant: Tenant,
  actor: Actor,
  m: {
    messageId: string;
    recipientKey: string;
    purpose: Purpose;
    from: string;
    to: string;
    text: string;
    /**
     * R10: the opt-out mention `text` ends with, for the record; absent for an SMS queued before
     * the mention was kept with it (its decision then records none).
     */
    optOutMention?: string;
    decidedAt: string;
    senderKeyId: string;
    basis: MessageRecord['basis'];
    proof: unknown;
    /** R9: expiry of what is written about this send. */
    ttl: number;
    /** A keyed send: its decision is its claim. */
    once?: SendOnce;
  },
): Promise<void> {
  const sender = tenant.smsSenders[m.from]!;
  const measure = measureSms(m.text);
  await recordAllowed(
    deps,
    { tenantId: tenant.id, recipientKey: m.recipientKey, channel: 'sms', ttl: m.ttl, once: m.once },
    actor,
    'decision.sent',
    {
      messageId: m.messageId,
      purpose: m.purpose.id,
      category: m.purpose.category,
      from: m.from,
      basis: m.basis,
      proof: m.proof,
      sms: { encoding: measure.encoding, segments: measure.segments },
      ...(m.purpose.category === 'transactional'
        ? { unsubscribe: NO_UNSUBSCRIBE }
        : m.optOutMention === undefined
          ? {}
          : { unsubscribe: smsUnsubscribeRecord(m.optOutMention) }),
    },
    m.decidedAt,
  );
  const providerMessageId = await deps.sms
    .send({
      originationIdentity: sender.originationIdentity,
      to: m.to,
      body: m.text,
      messageType: m.purpose.category === 'transactional' ? 'TRANSACTIONAL' : 'PROMOTIONAL',
      configurationSetName: tenant.settings.sms.configurationSetName,
      context: { tenant: tenant.id, purpose: m.purpose.id, messageId: m.messageId },
    })
    .catch(async (error: unknown) => {
      await recordSendFailed(
        deps,
        { tenantId: tenant.id, recipientKey: m.recipientKey, channel: 'sms', ttl: m.ttl },
        actor,
        m.messageId,
        error,
      );
      throw error;
    });
  logSent(deps, {
    messageId: m.messageId,
    providerMessageId,
    recipientKey: m.recipientKey,
    channel: 'sms',
    purpose: m.purpose.id,
    basis: m.basis,
  });
}
