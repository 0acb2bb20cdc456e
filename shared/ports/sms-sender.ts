export interface OutboundSms {
  /** End User Messaging origination identity: phone number, sender id or pool (id or ARN). */
  readonly originationIdentity: string;
  readonly to: string;
  readonly body: string;
  readonly messageType: 'PROMOTIONAL' | 'TRANSACTIONAL';
  /** The tenant's configuration set, if it has its own. */
  readonly configurationSetName?: string;
  readonly context: Record<string, string>;
}

export class SmsProviderError extends Error {
  override name = 'SmsProviderError';
}

export interface SmsSender {
  /** Returns the provider's message id; throws an SmsProviderError when nothing was sent. */
  send(sms: OutboundSms): Promise<string>;
}
