import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  SMTPServer,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { ConfigurationError } from '../config';
import { LinkPlacementError } from '../domain/inject-unsubscribe';
import { MimeInjectionError } from '../domain/inject-unsubscribe-mime';
import { fixedWindow, type RateLimit } from '../domain/rate-limit';
import { CredentialDecryptionError } from '../domain/sender-credential';
import {
  acceptedReply,
  allRefusedReply,
  PurposeHeaderError,
  recipientRefusedReply,
  replyLine,
  type SmtpReply,
} from '../domain/smtp-submission';
import { EmailProviderError, EmailRejectedByProviderError } from '../ports/email-sender';
import type { RequestCounter } from '../ports/request-counter';
import { NotFoundError, StoreUnavailableError } from '../ports/store-errors';
import { MAX_SES_RAW_MESSAGE_BYTES, MAX_SES_RECIPIENTS } from '../schemas/ses';
import { InvalidInputError } from '../schemas/validation';
import type { Caller, Dependencies } from '../services/dependencies';
import { OutOfScopeError } from '../services/errors';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../services/idempotency';
import {
  SesBadRequestError,
  type SesEndpointSettings,
  SesMessageRefusedError,
} from '../services/ses-send-email';
import {
  authenticateSmtpSender,
  checkEnvelopeSender,
  decideRecipient,
  envelopeAddress,
  SmtpAddressError,
  SmtpPolicyError,
  scopePurpose,
  submitMessage,
} from '../services/smtp-submission';

/**
 * The SMTP submission relay on smtp-server (nodemailer's author's SMTP server library, which
 * does the protocol: STARTTLS, implicit TLS, SASL PLAIN/LOGIN, SIZE, PIPELINING, dot-stuffing,
 * line and command limits), mapped onto the submission use cases (services/smtp-submission.ts).
 * Every reply the relay writes carries its own enhanced status code (RFC 3463); smtp-server's
 * own replies keep theirs.
 */

/** A failed AUTH waits this long times the number of failures so far on the connection. */
const AUTH_FAILURE_DELAY_MS = 1_000;
/** The failed AUTH that closes the connection (421): a guesser must reconnect, slowly, each time. */
export const MAX_AUTH_FAILURES = 3;

const ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * The relay's connection: a reply text that starts with an enhanced status code is sent as
 * it is (smtp-server would add its own by the basic code: 5.1.1 "bad mailbox" to every 550,
 * where the gate's refusal is 5.7.1 "delivery not authorised"); and before TLS the EHLO
 * answer does not offer AUTH (smtp-server lists it, then refuses AUTH with 538 until
 * STARTTLS: a client must not be invited to send its password in the clear).
 */
class RelayConnection extends SMTPConnection {
  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (typeof data === 'string' && ENHANCED_CODE.test(data)) super.send(code, data, false);
    else if (Array.isArray(data) && !this.secure)
      super.send(
        code,
        data.filter((line) => !/^AUTH\b/i.test(line)),
        context,
      );
    else super.send(code, data, context);
  }
}

/** smtp-server with the relay's connection class; otherwise as smtp-server's own `connect`. */
class RelayServer extends SMTPServer {
  override connect(
    socket: Socket | TLSSocket,
    socketOptions?: ConstructorParameters<typeof SMTPConnection>[2],
  ) {
    const connection = new RelayConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data: Parameters<SMTPServer['_onClientConnect']>[0]) =>
      this._onClientConnect(data),
    );
    connection.init();
  }
}

/** An error a callback of smtp-server answers with: the reply's code, and its text after the enhanced code. */
function replyError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(replyLine(reply)), { responseCode: reply.code });
}

/** A recipient refused at RCPT TO, its reply built already. */
class RecipientRefused extends Error {
  override name = 'RecipientRefused';
  constructor(readonly reply: SmtpReply) {
    super(reply.text);
  }
}

/** The credential's per-key limit is used up for now (the SES endpoint's 429): the client retries later. */
class KeyRateLimited extends Error {
  override name = 'KeyRateLimited';
  constructor(readonly retryAfterSeconds: number) {
    super(`This credential's sending rate is used up: try again in ${retryAfterSeconds} s; nothing was sent`);
  }
}

const TRY_AGAIN: SmtpReply = {
  code: 451,
  enhanced: '4.3.0',
  text: 'Temporarily unavailable; nothing was sent without a verified basis. Try again later',
};

/**
 * Errors as SMTP replies: refusals of the gate 550 5.7.1, a message the gate cannot take as
 * written 554 5.6.0, and every failure of the store, the keys or SES 451 4.3.0 (the client
 * keeps the message and tries again; nothing was sent without a verified basis, R7).
 * `internal`: logged as an error.
 */
export function smtpReplyFor(error: unknown): { reply: SmtpReply; internal: boolean } {
  const refusal = (text: string) => ({ reply: { code: 550, enhanced: '5.7.1', text }, internal: false });
  const unusable = (text: string) => ({ reply: { code: 554, enhanced: '5.6.0', text }, internal: false });
  if (error instanceof RecipientRefused) return { reply: error.reply, internal: false };
  if (error instanceof ClientGone) return { reply: TRY_AGAIN, internal: false };
  if (error instanceof KeyRateLimited)
    return { reply: { code: 451, enhanced: '4.7.0', text: error.message }, internal: false };
  if (error instanceof SesMessageRefusedError) {
    if (error.refused.length > 0) return { reply: allRefusedReply(error.refused), internal: false };
    return refusal(error.message);
  }
  if (error instanceof SmtpPolicyError || error instanceof PurposeHeaderError) return refusal(error.message);
  if (error instanceof OutOfScopeError) return refusal(`${error.message}: nothing was sent`);
  if (error instanceof SmtpAddressError)
    return { reply: { code: 501, enhanced: '5.1.3', text: error.message }, internal: false };
  if (
    error instanceof SesBadRequestError ||
    error instanceof MimeInjectionError ||
    error instanceof LinkPlacementError ||
    error instanceof InvalidInputError ||
    error instanceof IdempotencyKeyReusedError
  )
    return unusable(`The message cannot be sent as written: ${error.message}`);
  if (error instanceof EmailRejectedByProviderError)
    return {
      reply: { code: 554, enhanced: '5.7.0', text: 'SES refused the message; nothing was sent' },
      internal: true,
    };
  if (
    error instanceof EmailProviderError ||
    error instanceof StoreUnavailableError ||
    error instanceof IdempotencyInProgressError
  )
    return {
      reply: TRY_AGAIN,
      internal: error instanceof EmailProviderError || error instanceof StoreUnavailableError,
    };
  // The tenant of a valid credential gone, a key that cannot be opened, a bug: fail closed, retryable.
  if (
    error instanceof NotFoundError ||
    error instanceof CredentialDecryptionError ||
    error instanceof ConfigurationError
  )
    return { reply: TRY_AGAIN, internal: true };
  return { reply: TRY_AGAIN, internal: true };
}

export interface SmtpRelayOptions {
  /** Where both listeners bind; `0.0.0.0` in a container, `127.0.0.1` locally. */
  readonly host: string;
  /** STARTTLS submission (587 in AWS); 0 picks a free port. */
  readonly port: number;
  /** Implicit TLS (465 in AWS); 0 picks a free port. */
  readonly tlsPort: number;
  /** The certificate and its key, PEM. */
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** The SIZE advertised and enforced; default the SES endpoint's raw message limit. */
  readonly maxMessageBytes?: number;
  /** The deployment's region: SES's derived SMTP password is computed for it. */
  readonly region: string;
  /** The name in the greeting and EHLO answer. */
  readonly name?: string;
  readonly deps: () => Dependencies;
  readonly settings?: () => SesEndpointSettings;
  readonly log: Dependencies['log'];
  /** A failed AUTH waits this long times the failures so far (tests shorten it). */
  readonly authFailureDelayMs?: number;
  /**
   * The per-key limit of the SES endpoint (KEY_RATE_LIMIT), one count per message, in the same
   * counter: a credential's SMTP and SES sends share its limit. Off when absent or unset.
   */
  readonly keyLimit?: { readonly limit: () => RateLimit | undefined; readonly counter: () => RequestCounter };
  /** Idle time before a connection is closed (smtp-server's socketTimeout). */
  readonly socketTimeoutMs?: number;
}

export interface SmtpRelay {
  readonly port: number;
  readonly tlsPort: number;
  close(): Promise<void>;
}

/** What the relay keeps per connection: the AUTH failures so far. */
interface SessionState {
  authFailures: number;
}

function callerOf(session: SMTPServerSession): Caller | undefined {
  return (session.user as Caller | false | undefined) || undefined;
}

/** The client went away before the end of DATA: nothing to send, nobody to answer. */
class ClientGone extends Error {
  override name = 'ClientGone';
}

/** The message's bytes, at most `max` of them kept (smtp-server counts the rest and flags it). */
async function readMessage(stream: SMTPServerDataStream, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let kept = 0;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      if (kept + buffer.length <= max) {
        chunks.push(buffer);
        kept += buffer.length;
      } else kept = max + 1;
    }
  } catch (error) {
    throw new ClientGone('The connection closed before the end of DATA', { cause: error });
  }
  return Buffer.concat(chunks);
}

export async function startSmtpRelay(options: SmtpRelayOptions): Promise<SmtpRelay> {
  const maxBytes = options.maxMessageBytes ?? MAX_SES_RAW_MESSAGE_BYTES;
  const delayMs = options.authFailureDelayMs ?? AUTH_FAILURE_DELAY_MS;
  const sessions = new Map<string, SessionState>();
  const { log } = options;
  const stateOf = (session: SMTPServerSession) => {
    let state = sessions.get(session.id);
    if (state === undefined) {
      state = { authFailures: 0 };
      sessions.set(session.id, state);
    }
    return state;
  };
  /**
   * One message taken from the credential's per-key limit. A counter that cannot be reached
   * limits nothing, as at the SES endpoint: the limit is about fairness, the gate still
   * fails closed without the recipient's state.
   */
  const takeKeyLimit = async (caller: Caller) => {
    const current = options.keyLimit?.limit();
    if (options.keyLimit === undefined || current === undefined) return;
    const window = fixedWindow(Date.now(), current);
    let allowed: boolean;
    try {
      allowed = await options.keyLimit
        .counter()
        .take(caller.keyId, window.start, window.limit, window.expiresAt);
    } catch (error) {
      log.warn('rate limit counter unavailable; message not limited', { error: (error as Error)?.name });
      return;
    }
    if (!allowed) throw new KeyRateLimited(window.retryAfterSeconds);
  };
  /** Runs a handler; whatever it throws becomes the reply (never an unhandled rejection). */
  const answer = (
    where: string,
    session: SMTPServerSession,
    work: () => Promise<SmtpReply | undefined>,
    callback: (err?: Error | null, message?: string) => void,
  ) => {
    work().then(
      (reply) => callback(null, reply && replyLine(reply)),
      (error: unknown) => {
        const { reply, internal } = smtpReplyFor(error);
        const data = {
          session: session.id,
          tenantId: callerOf(session)?.tenantId,
          reply: reply.code,
          error: (error as Error)?.name,
        };
        if (internal)
          log.error(`smtp ${where} failed`, {
            ...data,
            errorMessage: (error as Error)?.message,
            cause: ((error as Error)?.cause as Error | undefined)?.name,
          });
        else log.info(`smtp ${where} refused`, data);
        callback(replyError(reply));
      },
    );
  };

  const serverOptions = (secure: boolean): SMTPServerOptions => ({
    secure,
    key: options.key,
    cert: options.cert,
    name: options.name,
    banner: 'consent-gate SMTP submission relay',
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    // AUTH only under TLS: refused with 538 before STARTTLS (and not offered: RelayConnection).
    allowInsecureAuth: false,
    hideSTARTTLS: false,
    size: maxBytes,
    rejectOversized: true,
    // SES's own limit per message (To, Cc and Bcc together): the 51st gets 452 4.5.3.
    maxRecipients: MAX_SES_RECIPIENTS,
    disabledCommands: [],
    // smtp-server hides them unless told: every reply carries its enhanced status code (RFC 2034).
    hideENHANCEDSTATUSCODES: false,
    disableReverseLookup: true,
    // smtp-server's own log would hold envelope addresses in clear: the relay logs instead.
    logger: false,
    socketTimeout: options.socketTimeoutMs,
    closeTimeout: 2_000,

    onAuth(auth, session, callback) {
      const state = stateOf(session);
      authenticateSmtpSender(
        options.deps(),
        { username: auth.username ?? '', password: auth.password ?? '' },
        options.region,
      ).then(
        async (caller) => {
          if (caller !== undefined) {
            log.info('smtp auth', { session: session.id, tenantId: caller.tenantId, keyId: caller.keyId });
            return callback(null, { user: caller });
          }
          state.authFailures += 1;
          log.warn('smtp auth refused', { session: session.id, failures: state.authFailures });
          // Slower with each failure, then the connection is closed.
          await new Promise((resolve) => setTimeout(resolve, delayMs * state.authFailures));
          if (state.authFailures >= MAX_AUTH_FAILURES) {
            return callback(
              replyError({
                code: 421,
                enhanced: '4.7.0',
                text: 'Too many failed authentications; closing the connection',
              }),
            );
          }
          callback(null, {
            responseCode: 535,
            message: replyLine({ code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' }),
          });
        },
        (error: unknown) => {
          log.error('smtp auth failed', {
            session: session.id,
            error: (error as Error)?.name,
            errorMessage: (error as Error)?.message,
            cause: ((error as Error)?.cause as Error | undefined)?.name,
          });
          callback(
            replyError({
              code: 454,
              enhanced: '4.7.0',
              text: 'Temporary authentication failure; try again later',
            }),
          );
        },
      );
    },

    onMailFrom(address, session, callback) {
      answer(
        'MAIL FROM',
        session,
        async () => {
          const caller = callerOf(session);
          // smtp-server asks for AUTH first; this holds even if that changed.
          if (caller === undefined || !session.secure) {
            throw new SmtpPolicyError('Authentication required (AUTH after STARTTLS)');
          }
          await checkEnvelopeSender(options.deps(), caller, address.address);
          return undefined;
        },
        (err) => callback(err),
      );
    },

    onRcptTo(address, session, callback) {
      answer(
        'RCPT TO',
        session,
        async () => {
          const caller = callerOf(session);
          if (caller === undefined)
            throw new SmtpPolicyError('Authentication required (AUTH after STARTTLS)');
          const to = envelopeAddress(address.address, 'RCPT TO');
          const purpose = scopePurpose(caller);
          // The purpose is known now (the credential allows one only): decide this recipient at once.
          if (purpose === undefined) return undefined;
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const refused = await decideRecipient(options.deps(), caller, { purpose, from, to });
          if (refused === undefined) return undefined;
          log.info('smtp recipient refused', {
            session: session.id,
            tenantId: caller.tenantId,
            reasons: refused.reasons,
          });
          throw new RecipientRefused(recipientRefusedReply(refused));
        },
        (err) => callback(err),
      );
    },

    onData(stream, session, callback) {
      // A client that goes away mid-DATA ends the stream with an error: the message is dropped.
      stream.on('error', () => undefined);
      answer(
        'DATA',
        session,
        async () => {
          const raw = await readMessage(stream, maxBytes);
          if (stream.sizeExceeded) {
            return { code: 552, enhanced: '5.3.4', text: `Message larger than ${maxBytes} bytes` };
          }
          const caller = callerOf(session);
          if (caller === undefined)
            throw new SmtpPolicyError('Authentication required (AUTH after STARTTLS)');
          await takeKeyLimit(caller);
          const recipients = session.envelope.rcptTo.map((r) => envelopeAddress(r.address, 'RCPT TO'));
          const submitted = await submitMessage(
            options.deps(),
            caller,
            { raw, recipients },
            { settings: options.settings?.() },
          );
          log.info('smtp message', {
            session: session.id,
            tenantId: caller.tenantId,
            bytes: raw.length,
            sent: submitted.sent.length,
            refused: submitted.refused.length,
          });
          return acceptedReply(submitted.sent.length, submitted.refused, submitted.messageId);
        },
        callback,
      );
    },

    onClose(session) {
      sessions.delete(session.id);
    },
  });

  const servers = [new RelayServer(serverOptions(false)), new RelayServer(serverOptions(true))];
  for (const server of servers) {
    // Socket errors, TLS handshakes that fail, clients that reset: logged, never thrown.
    server.on('error', (error: Error & { code?: string }) => {
      log.warn('smtp connection error', { error: error.name, code: error.code, message: error.message });
    });
  }
  const listen = (server: SMTPServer, port: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.server.once('error', onError);
      server.listen(port, options.host, () => {
        server.server.off('error', onError);
        resolve((server.server.address() as AddressInfo).port);
      });
    });
  const close = () =>
    Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(
      () => undefined,
    );
  try {
    const port = await listen(servers[0]!, options.port);
    const tlsPort = await listen(servers[1]!, options.tlsPort);
    return { port, tlsPort, close };
  } catch (error) {
    await close();
    throw error;
  }
}
