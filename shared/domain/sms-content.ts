import { SegmentedMessage } from 'sms-segments-calculator';

/**
 * R10 for SMS: every marketing SMS ends with a free opt-out mention ("STOP au 36xxx"),
 * and the mention counts towards the length. Encoding and segments are computed on the
 * final text, mention included.
 */
export interface SmsMeasure {
  readonly encoding: 'GSM-7' | 'UCS-2';
  readonly segments: number;
  readonly characters: number;
}

export function measureSms(text: string): SmsMeasure {
  const message = new SegmentedMessage(text);
  return {
    encoding: message.encodingName === 'UCS-2' ? 'UCS-2' : 'GSM-7',
    segments: message.segmentsCount,
    characters: message.numberOfCharacters,
  };
}

export function defaultOptOutMention(stopNumber: string): string {
  return `STOP au ${stopNumber}`;
}

export function withOptOutMention(body: string, mention: string): string {
  return `${body.replace(/\s+$/, '')}\n${mention}`;
}
