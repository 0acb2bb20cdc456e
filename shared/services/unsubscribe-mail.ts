import {
  mailtoAddress,
  mailtoIdFrom,
  mailtoIdMatches,
  mailtoIdOf,
  tokenOfListUnsubscribe,
  withMailtoUri,
} from '../domain/mailto-unsubscribe';
import type { KeyMaterial } from '../ports/key-ring';
import type { MailProof } from '../schemas/recipient';
import type { SesReceiptRecord } from '../schemas/ses-receipt';
import type { Dependencies } from './dependencies';
import { type UnsubscribeOutcome, unsubscribe } from './unsubscribe';

/** How long a mailto address keeps working: as long as people act on old mail (about two years). */
const MAILTO_TTL_SECONDS = 2 * 366 * 24 * 3600;

type Header = { name: string; value: string };

/**
 * R10 / RFC 2369: the mailto address for the unsubscribe link `url`, its id stored beside the
 * token first. Undefined when no inbound domain is configured, or when the id cannot be
 * stored: the message then goes with the https link only (which alone satisfies R10), never
 * with an address that would record nothing.
 */
export async function mailtoFor(
  deps: Pick<Dependencies, 'unsubscribeMailDomain' | 'mailto' | 'clock' | 'log'>,
  url: string | undefined,
  keys: KeyMaterial,
): Promise<string | undefined> {
  const domain = deps.unsubscribeMailDomain;
  const token = url === undefined ? undefined : tokenOfListUnsubscribe(`<${url}>`);
  if (domain === undefined || deps.mailto === undefined || token === undefined) return undefined;
  const id = mailtoIdOf(token, keys);
  try {
    const ttl = Math.floor(deps.clock.now().getTime() / 1000) + MAILTO_TTL_SECONDS;
    await deps.mailto.putMailtoToken(id, token, ttl);
  } catch (error) {
    deps.log.warn('mailto unsubscribe address not stored: the message carries the https link only', {
      error: (error as Error).message,
    });
    return undefined;
  }
  return mailtoAddress(id, domain);
}

/** The unsubscribe headers with the mailto URI added to List-Unsubscribe when one can be given. */
export async function withMailtoUnsubscribe(
  deps: Pick<Dependencies, 'unsubscribeMailDomain' | 'mailto' | 'clock' | 'log'>,
  headers: Header[],
  keys: KeyMaterial,
): Promise<Header[]> {
  const list = headers.find((h) => h.name.toLowerCase() === 'list-unsubscribe');
  const token = list === undefined ? undefined : tokenOfListUnsubscribe(list.value);
  if (token === undefined) return headers;
  const address = await mailtoFor(deps, `https://x/u/${token}`, keys);
  return address === undefined ? headers : withMailtoUri(headers, address);
}

export type MailUnsubscribeOutcome = UnsubscribeOutcome | 'not_ours';

/**
 * An SES receipt rule delivered a mail (R7, R10, RFC 2369): each recipient `u+<id>@<domain>`
 * whose id stands for a genuine token records the objection exactly as the one-click POST
 * does (same id, so a replay or a click of the same message records nothing new; the same
 * pending-objection path when the store fails), with the mail's headers and SES's verdicts as
 * proof. Any other address, a forged or altered id: nothing recorded (`not_ours`).
 * A store failure while reading the id throws: the Lambda's asynchronous retries and its
 * on-failure queue keep the mail (never lose an objection).
 */
export async function unsubscribeByMail(
  deps: Dependencies,
  record: SesReceiptRecord,
): Promise<MailUnsubscribeOutcome[]> {
  const domain = deps.unsubscribeMailDomain;
  if (domain === undefined || deps.mailto === undefined) return ['not_ours'];
  const { mail, receipt } = record.ses;
  const proof: MailProof = {
    from: mail.commonHeaders?.from?.join(', '),
    date: mail.commonHeaders?.date,
    messageId: mail.commonHeaders?.messageId,
    sesMessageId: mail.messageId,
    spf: receipt.spfVerdict?.status,
    dkim: receipt.dkimVerdict?.status,
    dmarc: receipt.dmarcVerdict?.status,
  };
  const ids = [...new Set(receipt.recipients.map((r) => mailtoIdFrom(r, domain)))];
  const outcomes: MailUnsubscribeOutcome[] = [];
  const keys = await deps.keys.load();
  for (const id of ids) {
    const token = id === undefined ? undefined : await deps.mailto.getMailtoToken(id);
    if (id === undefined || token === undefined || !mailtoIdMatches(id, token, keys)) {
      deps.log.warn('unsubscribe mail to an address that is not a mailto unsubscribe address', {
        sesMessageId: mail.messageId,
      });
      outcomes.push('not_ours');
      continue;
    }
    const result = await unsubscribe(deps, token, { method: 'mailto', mail: proof });
    outcomes.push(result?.outcome ?? 'not_ours');
  }
  return outcomes;
}
