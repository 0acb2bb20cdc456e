import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  EmailProviderError,
  EmailRejectedByProviderError,
  type EmailSender,
  type OutboundEmail,
  type OutboundRawEmail,
  type SesForwarded,
} from '../ports/email-sender';

/** SES refuses these for the message itself; anything else is the provider being unavailable. */
const REJECTIONS = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'BadRequestException',
  'AccountSuspendedException',
  'SendingPausedException',
]);

/**
 * Sends with the SES v2 API: simple content takes custom headers, which carry the
 * RFC 2369 / RFC 8058 unsubscribe headers without building raw MIME ourselves.
 */
export class SesEmailSender implements EmailSender {
  constructor(
    private readonly client: SESv2Client = new SESv2Client({}),
    private readonly configurationSetName?: string,
  ) {}

  send(email: OutboundEmail): Promise<string> {
    return this.call(
      new SendEmailCommand({
        FromEmailAddress: email.from,
        Destination: { ToAddresses: [email.to] },
        ReplyToAddresses: email.replyToAddresses
          ? [...email.replyToAddresses]
          : email.replyTo
            ? [email.replyTo]
            : undefined,
        ...this.options(email.tags, email.forwarded),
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: {
              Html: email.html === undefined ? undefined : { Data: email.html, Charset: 'UTF-8' },
              Text: email.text === undefined ? undefined : { Data: email.text, Charset: 'UTF-8' },
            },
            Headers: email.headers.map((h) => ({ Name: h.name, Value: h.value })),
            Attachments: email.attachments?.map((a) => ({
              FileName: a.fileName,
              RawContent: a.content,
              ContentType: a.contentType,
              ContentDisposition: a.disposition,
              ContentId: a.contentId,
              ContentDescription: a.description,
              ContentTransferEncoding: a.transferEncoding,
            })),
          },
        },
      }),
    );
  }

  sendRaw(email: OutboundRawEmail): Promise<string> {
    return this.call(
      new SendEmailCommand({
        Destination: { ToAddresses: [email.to] },
        ...this.options(email.tags, email.forwarded),
        Content: { Raw: { Data: email.raw } },
      }),
    );
  }

  /**
   * The gateway's tags (its feedback handling reads them) and the sender's beside them; a
   * sender's tag of the same name as one of the gateway's is not sent twice. The sender's
   * configuration set, when forwarded, replaces the deployment's (SES takes one per message).
   */
  private options(tags: OutboundEmail['tags'], forwarded: SesForwarded | undefined) {
    const own = new Set(tags.map((t) => t.name));
    return {
      ConfigurationSetName: forwarded?.configurationSetName ?? this.configurationSetName,
      EmailTags: [...tags, ...(forwarded?.senderTags ?? []).filter((t) => !own.has(t.name))].map((t) => ({
        Name: t.name,
        Value: t.value,
      })),
      FeedbackForwardingEmailAddress: forwarded?.feedbackForwardingEmailAddress,
    };
  }

  private async call(command: SendEmailCommand): Promise<string> {
    try {
      const { MessageId } = await this.client.send(command);
      if (!MessageId) throw new EmailProviderError('SES answered without a MessageId');
      return MessageId;
    } catch (error) {
      if (error instanceof EmailProviderError) throw error;
      const name = (error as { name?: string }).name ?? 'unknown error';
      if (REJECTIONS.has(name))
        throw new EmailRejectedByProviderError(`SES rejected the message (${name})`, { cause: error });
      throw new EmailProviderError(`SES unavailable (${name})`, { cause: error });
    }
  }
}
