export interface OutboundEmail {
  readonly from: string;
  readonly to: string;
  readonly replyTo?: string;
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
  readonly headers: readonly { name: string; value: string }[];
  readonly tags: readonly { name: string; value: string }[];
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
