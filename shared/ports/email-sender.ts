/** A file sent with a simple message, its bytes as given (SES v2 `Attachment`). */
export interface OutboundAttachment {
  readonly fileName: string;
  readonly content: Buffer;
  readonly contentType?: string;
  readonly disposition?: 'ATTACHMENT' | 'INLINE';
  readonly contentId?: string;
  readonly description?: string;
  readonly transferEncoding?: 'BASE64' | 'QUOTED_PRINTABLE' | 'SEVEN_BIT';
}

export interface OutboundEmail {
  readonly from: string;
  readonly to: string;
  readonly replyTo?: string;
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
  readonly headers: readonly { name: string; value: string }[];
  readonly tags: readonly { name: string; value: string }[];
  readonly attachments?: readonly OutboundAttachment[];
  /** Every Reply-To address when there are several (the SES v2 endpoint); `replyTo` otherwise. */
  readonly replyToAddresses?: readonly string[];
  /** The SES v2 endpoint's forwarded options (SesForwarded). */
  readonly forwarded?: SesForwarded;
}

/**
 * What a sender on the SES v2 endpoint asked SES to do besides sending, forwarded as given:
 * its own tags (beside the gateway's, which keep their names), its configuration set (when the
 * deployment allows it), and its feedback address.
 */
export interface SesForwarded {
  readonly senderTags?: readonly { name: string; value: string }[];
  readonly configurationSetName?: string;
  readonly feedbackForwardingEmailAddress?: string;
}

/** A complete MIME message, sent as is to one envelope recipient. */
export interface OutboundRawEmail {
  readonly raw: Buffer;
  /** Envelope recipient; the message's own To/Cc headers are left as the sender wrote them. */
  readonly to: string;
  readonly tags: readonly { name: string; value: string }[];
  readonly forwarded?: SesForwarded;
}

export class EmailProviderError extends Error {
  override name = 'EmailProviderError';
}

/** The provider refused this message (bad identity, content): sending again will not help. */
export class EmailRejectedByProviderError extends EmailProviderError {
  override name = 'EmailRejectedByProviderError';
}

export interface EmailSender {
  /** Returns the provider's message id; throws an EmailProviderError when nothing was sent. */
  send(email: OutboundEmail): Promise<string>;
  /** Same contract for a raw MIME message. */
  sendRaw(email: OutboundRawEmail): Promise<string>;
}
