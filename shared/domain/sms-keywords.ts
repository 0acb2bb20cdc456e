/**
 * R7 by SMS: replies that mean "stop" record an objection to all SMS marketing of the
 * tenant; START records a new consent by keyword. Case, accents and surrounding spaces
 * are ignored ("Arrêt", " stop sms ").
 */
export type SmsKeyword = 'stop' | 'start' | 'unknown';

const STOP = new Set(['STOP', 'ARRET', 'STOP SMS', 'UNSUBSCRIBE', 'DESABONNER']);
const START = new Set(['START']);

export function normalizeKeyword(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .trim()
    .replace(/\s+/g, ' ')
    .toUpperCase();
}

export function parseSmsKeyword(text: string): SmsKeyword {
  const word = normalizeKeyword(text);
  if (STOP.has(word)) return 'stop';
  if (START.has(word)) return 'start';
  return 'unknown';
}
