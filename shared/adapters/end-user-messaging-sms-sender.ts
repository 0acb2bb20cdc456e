import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { type OutboundSms, SmsProviderError, type SmsSender } from '../ports/sms-sender';

/** AWS End User Messaging SMS (the pinpoint-sms-voice-v2 API): SendTextMessage. */
export class EndUserMessagingSmsSender implements SmsSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client = new PinpointSMSVoiceV2Client({}),
    private readonly configurationSetName?: string,
  ) {}

  async send(sms: OutboundSms): Promise<string> {
    try {
      const { MessageId } = await this.client.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: sms.to,
          OriginationIdentity: sms.originationIdentity,
          MessageBody: sms.body,
          MessageType: sms.messageType,
          ConfigurationSetName: sms.configurationSetName ?? this.configurationSetName,
          Context: sms.context,
        }),
      );
      if (!MessageId) throw new SmsProviderError('End User Messaging answered without a MessageId');
      return MessageId;
    } catch (error) {
      if (error instanceof SmsProviderError) throw error;
      throw new SmsProviderError(
        `SMS provider unavailable (${(error as { name?: string }).name ?? 'unknown error'})`,
        {
          cause: error,
        },
      );
    }
  }
}
