import { createHash, timingSafeEqual } from 'node:crypto';
import { AddressError, normalizeEmail } from '../domain/address';
import { keyRefusal, usageDay } from '../domain/api-key';
import {
  PURPOSE_HEADER,
  type RefusedRecipient,
  sesSmtpPassword,
  takePurposeHeader,
} from '../domain/smtp-submission';
import { NotFoundError } from '../ports/store-errors';
import { decisionRequestSchema } from '../schemas/api';
import { sesSendEmailSchema } from '../schemas/ses';
import { purposeIdSchema, type Tenant } from '../schemas/tenant';
import { parseInput } from '../schemas/validation';
import { checkDecisions } from './decisions';
import type { Caller, Dependencies } from './dependencies';
import { fingerprintOf, runOnce } from './idempotency';
import { coveredByDeployment } from './identities';
import { type SesEndpointSettings, SesMessageRefusedError, sendSesEmail } from './ses-send-email';

/**
 * The SMTP submission relay's use cases (functions/smtp-relay.ts is its transport): a sender
 * credential as AUTH PLAIN/LOGIN, the envelope sender, a recipient decided at RCPT TO when the
 * purpose is known then, and the message at the end of DATA, sent through the SES endpoint's
 * own gate and send (sendSesEmail): nothing here decides or sends on its own.
 */
export class SmtpSubmissionError extends Error {
  override name = 'SmtpSubmissionError';
}
/** The sender may not submit this (no purpose, a MAIL FROM that is not the tenant's): 550 5.7.1. */
export class SmtpPolicyError extends SmtpSubmissionError {
  override name = 'SmtpPolicyError';
}
/** An address of the envelope is not a valid address: 501 5.1.3. */
export class SmtpAddressError extends SmtpSubmissionError {
  override name = 'SmtpAddressError';
}

/** The shape of a gateway credential's access key id (domain/sender-credential.ts). */
const ACCESS_KEY_ID = /^CGAK[A-Z2-7]{16}$/;

/** Constant-time: both sides are hashed first, so neither their length nor their bytes show in the time taken. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * AUTH PLAIN / LOGIN: the username is a sender credential's access key id, the password its
 * secret access key, or SES's SMTP password derived from that secret for the deployment's
 * region (so a tool set up for SES's SMTP interface keeps its settings). A revoked or expired
 * credential is refused like an unknown one. Undefined when refused; a store or key failure
 * throws (the relay answers 454, a temporary failure).
 */
export async function authenticateSmtpSender(
  deps: Pick<Dependencies, 'credentials' | 'keys' | 'clock'>,
  login: { username: string; password: string },
  region: string,
): Promise<Caller | undefined> {
  if (!ACCESS_KEY_ID.test(login.username)) return undefined;
  const credential = await deps.credentials.getSenderCredential(login.username);
  if (credential === undefined || keyRefusal(credential, deps.clock.now()) !== undefined) return undefined;
  const secret = await deps.keys.openCredentialSecret(credential.accessKeyId, credential.secretCiphertext);
  // Both compared, whichever matches: the time taken does not tell which form was tried.
  const asSecret = sameSecret(login.password, secret);
  const asSmtpPassword = sameSecret(login.password, sesSmtpPassword(secret, region));
  if (!asSecret && !asSmtpPassword) return undefined;
  const today = usageDay(deps.clock.now());
  if (credential.lastUsedDay === undefined || credential.lastUsedDay < today) {
    // At most one conditional write a day once written; not awaited.
    deps.credentials.touchSenderCredential(credential.accessKeyId, today).catch(() => undefined);
  }
  return {
    tenantId: credential.tenantId,
    keyId: credential.keyId,
    role: 'sender',
    scopes: credential.scopes,
  };
}

/** The purpose a credential names by its scope alone: exactly one purpose, known from AUTH on. */
export function scopePurpose(caller: Caller): string | undefined {
  const purposes = caller.scopes?.purposes;
  return purposes?.length === 1 ? purposes[0] : undefined;
}

/** An envelope address, normalised as every recipient is (docs/rules.md, Vocabulary). */
export function envelopeAddress(value: string, field: 'MAIL FROM' | 'RCPT TO'): string {
  try {
    return normalizeEmail(value);
  } catch (error) {
    if (error instanceof AddressError)
      throw new SmtpAddressError(`${field} <${value}> is not a valid address: ${error.message}`);
    throw error;
  }
}

/**
 * MAIL FROM: one of the tenant's identities (an address of one of its domains, or one of its
 * addresses), the check SES's FromEmailAddress gets at the SES endpoint (R10). The From header
 * the recipient sees is decided again by the gate at the end of DATA, as for every raw message.
 */
export async function checkEnvelopeSender(
  deps: Pick<Dependencies, 'tenants'>,
  caller: Caller,
  mailFrom: string,
): Promise<string> {
  if (mailFrom === '') {
    throw new SmtpPolicyError(
      'MAIL FROM <> (the null sender) is not accepted: give one of your sending identities',
    );
  }
  const address = envelopeAddress(mailFrom, 'MAIL FROM');
  const tenant = await deps.tenants.getTenant(caller.tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  if (!coveredByDeployment(address.toLowerCase(), tenant.emailIdentities)) {
    throw new SmtpPolicyError(
      `MAIL FROM <${address}> is not one of this tenant's sending identities (R10): sender_not_allowed`,
    );
  }
  return address;
}

/**
 * RCPT TO with the purpose known (a credential scoped to one purpose): the recipient decided
 * as POST /v1/decisions decides it, sending nothing; the decision is made again at the end of
 * DATA, against the state then, by the gate that sends.
 */
export async function decideRecipient(
  deps: Dependencies,
  caller: Caller,
  message: { purpose: string; from: string; to: string },
): Promise<RefusedRecipient | undefined> {
  const tenant = await deps.tenants.getTenant(caller.tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  refuseUndeclared(tenant, message.purpose);
  const result = await checkDecisions(
    deps,
    caller,
    parseInput(decisionRequestSchema, { channel: 'email', ...message }),
  );
  if (!('decision' in result) || result.decision !== 'rejected') return undefined;
  return { to: message.to, reasons: result.reasons, rules: result.rules, failures: result.details };
}

/**
 * The purpose must be one the tenant declared, as an own entry of its purposes: a name such
 * as `constructor` is a valid purpose id, and a plain lookup finds the object prototype's
 * member under it, which the decision then trips over (a 451 the client would retry forever).
 */
function refuseUndeclared(tenant: Tenant, purpose: string): void {
  if (!Object.hasOwn(tenant.purposes, purpose)) {
    throw new SmtpPolicyError(
      `Message rejected by consent-gate: unknown_purpose: purpose "${purpose}" is not declared`,
    );
  }
}

export interface SubmittedMessage {
  /** SES's id of the first recipient's copy (as the SES endpoint answers). */
  readonly messageId: string;
  /** The recipients a copy went to. */
  readonly sent: readonly string[];
  /** The recipients the gate refused, with their reasons: nothing went to them. */
  readonly refused: readonly RefusedRecipient[];
}

/** The root header's Message-ID, if any: a client's retry of one message carries the same. */
function messageIdOf(raw: Buffer): string | undefined {
  const end = raw.indexOf('\r\n\r\n', 0, 'latin1');
  const head = raw.subarray(0, end === -1 ? Math.min(raw.length, 65_536) : end).toString('latin1');
  return /^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1]?.replace(/\r?\n/g, '').trim();
}

/**
 * The end of DATA: the purpose from the `X-Consent-Gate-Purpose` header (taken out of the
 * message) or the credential's single purpose; then the message as SES v2's SendEmail with
 * `Content.Raw` and the envelope recipients as `Destination`, through sendSesEmail, the gate
 * of the SES endpoint. sendSesEmail refuses the whole message when one recipient is refused
 * (the SES API answers once per call), after deciding and recording every recipient; SMTP
 * answers once per DATA too, but it may send to some recipients and not others, so the
 * refused ones are taken out and the message sent to the rest (each recipient is decided
 * before anything is sent, and a refused one's decision is in its audit trail).
 *
 * Retries: a client that gets a 451 sends the message again, with the same Message-ID; the
 * send is claimed once per tenant, Message-ID, purpose and recipients (each recipient's copy
 * once), so a retry sends only the copies that had not gone out.
 */
export async function submitMessage(
  deps: Dependencies,
  caller: Caller,
  message: { raw: Buffer; recipients: readonly string[] },
  options: { settings?: SesEndpointSettings } = {},
): Promise<SubmittedMessage> {
  const taken = takePurposeHeader(message.raw);
  const purpose = taken.purpose ?? scopePurpose(caller);
  if (purpose === undefined || purpose === '') {
    throw new SmtpPolicyError(
      `No purpose: add the header "${PURPOSE_HEADER}: <purpose id>" (a purpose declared with PUT /v1/purposes/{purposeId}), or use credentials scoped to one purpose`,
    );
  }
  if (!purposeIdSchema.safeParse(purpose).success) {
    throw new SmtpPolicyError(`${PURPOSE_HEADER}: "${purpose}" is not a purpose id`);
  }
  const tenant = await deps.tenants.getTenant(caller.tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  refuseUndeclared(tenant, purpose);
  const recipients = [...new Set(message.recipients)];
  const data = taken.raw.toString('base64');

  const send = async (idempotency?: { key: string; fingerprint: string }): Promise<SubmittedMessage> => {
    let remaining = recipients;
    const refused: RefusedRecipient[] = [];
    // Each round takes out at least one recipient, so it ends.
    for (;;) {
      const input = parseInput(sesSendEmailSchema, {
        Destination: { ToAddresses: remaining },
        EmailTags: [{ Name: tenant.settings.purposeTagName, Value: purpose }],
        Content: { Raw: { Data: data } },
      });
      try {
        const { MessageId } = await sendSesEmail(deps, caller, input, {
          settings: options.settings,
          idempotency,
          via: 'smtp',
        });
        return { messageId: MessageId, sent: remaining, refused };
      } catch (error) {
        if (!(error instanceof SesMessageRefusedError) || error.refused.length === 0) throw error;
        const out = new Set(error.refused.map((r) => r.to));
        const left = remaining.filter((r) => !out.has(r));
        // A refusal that names none of the recipients sent (it cannot, both are normalised the
        // same way) would loop: the whole message is refused instead.
        if (left.length === remaining.length) throw error;
        refused.push(...error.refused);
        remaining = left;
        if (remaining.length === 0)
          throw new SesMessageRefusedError(
            error.message,
            refused.map((r) => ({ to: r.to, reasons: [...r.reasons], rules: [...r.rules] })),
          );
      }
    }
  };

  const messageId = messageIdOf(taken.raw);
  if (messageId === undefined || messageId === '') return send();
  const key = `smtp:${createHash('sha256')
    .update(JSON.stringify([messageId, purpose, [...recipients].sort()]))
    .digest('hex')}`;
  // RFC 5322 §3.6.4: a Message-ID names one message. A client that rebuilds the message for
  // its retry (nodemailer draws new MIME boundaries) sends other bytes for the same message, so
  // the bytes are not part of the fingerprint: the same Message-ID to the same recipients for
  // the same purpose is the same message, answered with its first outcome.
  const fingerprint = fingerprintOf({ key });
  const { result } = await runOnce(deps, { tenantId: caller.tenantId, key, fingerprint }, () =>
    send({ key, fingerprint }),
  );
  return result;
}
