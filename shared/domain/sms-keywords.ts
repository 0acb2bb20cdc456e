/**
 * R7 by SMS: a reply that holds a stop keyword as a word records an objection to all SMS
 * marketing of the tenant; a reply that is exactly START records a new consent by keyword.
 * People do not type keywords the way a list spells them: "Stop.", "STOP merci", "stop au
 * 36123" (the mention copied back), "ＳＴＯＰ" (full width), "STOP 🛑", "Arrêt", "opt-out".
 * So the reply is folded first (NFKC, case, accents, invisible format characters), cut
 * into words (runs of letters or of digits: punctuation and emoji separate words and are
 * dropped), and a stop word anywhere counts. In doubt, objection: a reply holding both a
 * stop and a start word is a stop.
 */
export type SmsKeyword = 'stop' | 'start' | 'unknown';

/**
 * R7: AWS End User Messaging's required opt-out keywords (STOP, ARRET, CANCEL, END,
 * OPT-OUT, OPTOUT, QUIT, REMOVE, TD, UNSUBSCRIBE) and RULES.md's additions (STOPALL, ARRÊT,
 * STOPP, DÉSABONNER, DESINSCRIRE), folded as replies are. A few more French and English
 * forms people write for the same thing are added: a false stop costs one SMS channel, a
 * missed one is a sanction (CNIL v. Free Mobile 2021).
 */
export const STOP_WORDS: readonly string[] = [
  'STOP',
  'ARRET',
  'CANCEL',
  'END',
  'OPTOUT',
  'QUIT',
  'REMOVE',
  'TD',
  'UNSUBSCRIBE',
  'STOPALL',
  'STOPP',
  'DESABONNER',
  'DESINSCRIRE',
  // Additions (in doubt, objection): imperative and infinitive forms, nouns, the short form.
  'ARRETE',
  'ARRETER',
  'ARRETEZ',
  'STOPPER',
  'STOPPEZ',
  'DESABONNEZ',
  'DESABONNEMENT',
  'DESINSCRIVEZ',
  'DESINSCRIPTION',
  'UNSUB',
];
const STOP = new Set(STOP_WORDS);
/** Split forms: "OPT-OUT" and "opt out" are the words OPT, OUT; "DÉS-ABONNER" is DES, ABONNER. */
const MAX_JOINED_WORDS = 3;

/**
 * The words of a reply, folded: NFKC (full width and other compatibility forms), upper
 * case, accents and other combining marks removed, format characters (zero-width space,
 * soft hyphen) removed so that they cannot split a word.
 */
export function replyWords(text: string): string[] {
  const folded = text
    .normalize('NFKC')
    .toUpperCase()
    .normalize('NFKD')
    .replace(/[\p{M}\p{Cf}]/gu, '');
  return folded.match(/\p{L}+|\p{N}+/gu) ?? [];
}

function holdsStopWord(words: readonly string[]): boolean {
  for (let i = 0; i < words.length; i++) {
    let joined = '';
    for (let j = i; j < Math.min(words.length, i + MAX_JOINED_WORDS); j++) {
      joined += words[j];
      if (STOP.has(joined)) return true;
    }
  }
  // Spelled out letter by letter: "S T O P", "S.T.O.P.".
  let letters = '';
  for (const word of [...words, '']) {
    if (word.length === 1) {
      letters += word;
      continue;
    }
    if (STOP.has(letters)) return true;
    letters = '';
  }
  return false;
}

export function parseSmsKeyword(text: string): SmsKeyword {
  const words = replyWords(text);
  if (holdsStopWord(words)) return 'stop';
  // A consent must be unambiguous (R1, R3): START and nothing else.
  if (words.length === 1 && words[0] === 'START') return 'start';
  return 'unknown';
}
