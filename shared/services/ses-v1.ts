import { type AddressError, parseMailbox } from '../domain/address';
import type { RateLimit } from '../domain/rate-limit';
import type { SesSendEmailInput } from '../schemas/ses';
import type { SesV1SendEmailInput, SesV1SendRawEmailInput } from '../schemas/ses-v1';
import type { Caller, Dependencies } from './dependencies';
import { SesBadRequestError } from './ses-send-email';
import { getSesAccount, listSesEmailIdentities } from './ses-v2-account';

/**
 * SES v1 (the Query API) onto the SES v2 endpoint's services: each v1 action is translated
 * into its v2 input and goes through the same gate and send (sendSesEmail), never a second
 * one. The v1 names map one to one onto v2's, except:
 * - ReturnPath is v2's FeedbackForwardingEmailAddress (where SES forwards bounces and complaints);
 * - SourceArn / FromArn / ReturnPathArn are v2's identity ARNs, which the gateway refuses by
 *   name (it sends from the deployment's own identities);
 * - Tags are v2's EmailTags: the purpose tag is read from them as on v2 (R10's purpose).
 */
/**
 * SES v1 checks the syntax of every address of the request before it looks at the sender's
 * identity: a malformed one is InvalidParameterValue, an unverified From only then
 * MessageRejected. nodemailer 6's `verify()` relies on that order: its probe sends
 * `invalid@invalid` (no dot in the domain) and takes InvalidParameterValue as success, where
 * the shared gate (SES v2's order, which nodemailer 7 and later expect) answers the unknown
 * identity first. Named as the Query API spells the field.
 */
function refuseMalformedAddresses(fields: [field: string, values: readonly string[] | undefined][]): void {
  for (const [field, values] of fields) {
    for (const [i, value] of (values ?? []).entries()) {
      try {
        parseMailbox(value);
      } catch (error) {
        const name = field.endsWith('.member') ? `${field}.${i + 1}` : field;
        throw new SesBadRequestError(`${name}: not a valid address (${(error as AddressError).message})`);
      }
    }
  }
}
const one = (value: string | undefined) => (value === undefined ? undefined : [value]);

const tagsOf = (tags: SesV1SendEmailInput['Tags']) => tags?.map((t) => ({ Name: t.Name, Value: t.Value }));

export function sendEmailV1ToV2(input: SesV1SendEmailInput): SesSendEmailInput {
  refuseMalformedAddresses([
    ['Source', [input.Source]],
    ['Destination.ToAddresses.member', input.Destination.ToAddresses],
    ['Destination.CcAddresses.member', input.Destination.CcAddresses],
    ['Destination.BccAddresses.member', input.Destination.BccAddresses],
    ['ReplyToAddresses.member', input.ReplyToAddresses],
    ['ReturnPath', one(input.ReturnPath)],
  ]);
  return {
    FromEmailAddress: input.Source,
    Destination: input.Destination,
    ReplyToAddresses: input.ReplyToAddresses,
    EmailTags: tagsOf(input.Tags),
    Content: { Simple: { Subject: input.Message.Subject, Body: input.Message.Body } },
    ConfigurationSetName: input.ConfigurationSetName,
    FeedbackForwardingEmailAddress: input.ReturnPath,
    FromEmailAddressIdentityArn: input.SourceArn,
    FeedbackForwardingEmailAddressIdentityArn: input.ReturnPathArn,
  };
}

export function sendRawEmailV1ToV2(input: SesV1SendRawEmailInput): SesSendEmailInput {
  // v1 has two ARNs for the sender (FromArn for the From header, SourceArn for the envelope):
  // both name an identity the gateway does not send from.
  for (const field of ['FromArn', 'SourceArn'] as const) {
    if (input[field] !== undefined) {
      throw new SesBadRequestError(
        `${field} is not supported by consent-gate: it sends from the deployment's own identities and account`,
      );
    }
  }
  refuseMalformedAddresses([
    ['Source', one(input.Source)],
    ['Destinations.member', input.Destinations],
  ]);
  return {
    FromEmailAddress: input.Source,
    // As SES v1: Destinations, when given, replace the message's To, Cc and Bcc as recipients.
    Destination: input.Destinations === undefined ? undefined : { ToAddresses: input.Destinations },
    EmailTags: tagsOf(input.Tags),
    Content: { Raw: { Data: input.RawMessage.Data } },
    ConfigurationSetName: input.ConfigurationSetName,
    FeedbackForwardingEmailAddressIdentityArn: input.ReturnPathArn,
  };
}

/** GetSendQuota from GetAccount's figures: -1 is SES's "unlimited" (the gateway counts no daily quota). */
export async function getSesV1SendQuota(
  deps: Pick<Dependencies, 'tenants'>,
  caller: Caller,
  limits: { perKey?: RateLimit },
) {
  const account = await getSesAccount(deps, caller, limits);
  return {
    Max24HourSend: account.SendQuota.Max24HourSend,
    // SES always answers a rate; without a per-key limit the gateway sets none: -1 as for the quota.
    MaxSendRate: account.SendQuota.MaxSendRate ?? -1,
    // SentLast24Hours is left out: the gateway keeps no per-tenant send count (docs/senders.md).
  };
}

/** ListIdentities: the tenant's own identities (R10), filtered by type, paged by MaxItems. */
export async function listSesV1Identities(
  deps: Pick<Dependencies, 'tenants'>,
  caller: Caller,
  query: { IdentityType?: 'EmailAddress' | 'Domain'; MaxItems?: number; NextToken?: string },
) {
  const { EmailIdentities } = await listSesEmailIdentities(deps, caller);
  const wanted = { EmailAddress: 'EMAIL_ADDRESS', Domain: 'DOMAIN' } as const;
  const all = EmailIdentities.filter(
    (i) => query.IdentityType === undefined || i.IdentityType === wanted[query.IdentityType],
  ).map((i) => i.IdentityName);
  // The token is the position of the next identity in the sorted list.
  const start = query.NextToken === undefined ? 0 : Number(query.NextToken);
  if (!Number.isInteger(start) || start < 0 || start > all.length) {
    throw new SesBadRequestError('NextToken: not a token this consent-gate endpoint issued');
  }
  const end = query.MaxItems === undefined ? all.length : Math.min(all.length, start + query.MaxItems);
  return {
    Identities: all.slice(start, end),
    NextToken: end < all.length ? String(end) : undefined,
  };
}
