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
}

/** A complete MIME message, sent as is to one envelope recipient. */
export interface OutboundRawEmail {
  readonly raw: Buffer;
  /** Envelope recipient; the message's own To/Cc headers are left as the sender wrote them. */
  readonly to: string;
  readonly tags: readonly { name: string; value: string }[];
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
