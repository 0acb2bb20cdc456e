import { domainToASCII } from 'node:url';

/**
 * Email addresses as the vocabulary of docs/rules.md defines a recipient: trimmed, Unicode NFC,
 * domain lower-cased and IDNA-encoded. The local part is kept as given for delivery
 * (RFC 5321 leaves its case to the receiving domain); for identity, `emailIdentity`
 * folds its case too. Pure: node:url's IDNA conversion does no I/O.
 */
export class AddressError extends Error {
  override name = 'AddressError';
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\u0080-\uFFFF-]{1,64}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point (header injection).
const CONTROL = /[\u0000-\u001f\u007f]/;

export function normalizeEmail(input: string): string {
  const trimmed = input.trim().normalize('NFC');
  if (CONTROL.test(trimmed)) throw new AddressError('contains control characters');
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) throw new AddressError('is not an email address (local@domain)');
  const local = trimmed.slice(0, at);
  const domain = domainToASCII(trimmed.slice(at + 1).toLowerCase());
  if (!LOCAL_PART.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    throw new AddressError('has an invalid local part');
  }
  if (domain === '' || !domain.includes('.') || domain.length > 253 || domain.endsWith('.')) {
    throw new AddressError('has an invalid domain');
  }
  return `${local}@${domain}`;
}

/**
 * RULES.md vocabulary, "Recipient": for identity (matching consents, objections,
 * suppressions, erasures: R7, R8, R11, R15) an email address is compared
 * case-insensitively, local part included: `Frank@example.org` is `frank@example.org`.
 * A false block costs one email; a missed objection is a sanction. Takes a normalised
 * address (NFC, IDNA domain). Case folding as upper-then-lower, then NFC again: it maps
 * every case variant of a letter to one form (ß and SS to ss, final sigma to σ), which is
 * what identity needs, without a Unicode table dependency.
 */
export function emailIdentity(normalized: string): string {
  return normalized.toUpperCase().toLowerCase().normalize('NFC');
}

export function isEmail(input: string): boolean {
  try {
    normalizeEmail(input);
    return true;
  } catch {
    return false;
  }
}

export function emailDomain(normalized: string): string {
  return normalized.slice(normalized.lastIndexOf('@') + 1);
}

export interface Mailbox {
  readonly name?: string;
  readonly address: string;
}

/**
 * Parses a From or Reply-To value: `news@brand.example` or `Brand <news@brand.example>`.
 * Header injection is refused here (R10: the sender's identity must be clear).
 */
export function parseMailbox(input: string): Mailbox {
  if (/[\r\n]/.test(input)) throw new AddressError('must not contain line breaks');
  const angle = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(input);
  if (!angle) return { address: normalizeEmail(input) };
  const rawName = (angle[1] ?? '').replace(/^"(.*)"$/, '$1').trim();
  const address = normalizeEmail(angle[2] ?? '');
  const problem = displayNameProblem(rawName, address);
  if (problem !== undefined) throw new AddressError(problem);
  return rawName === '' ? { address } : { name: rawName, address };
}

/** An `@` between two characters that are not spaces: how an address reads, in a name too. */
const ADDRESS_IN_NAME = /[^\s@]@[^\s@]/;

/**
 * R10, "the sender's identity must be clear": a mail client shows the display name as the
 * sender, so a name holding another address (`security@bank.example <news@shop.example>`)
 * or brackets (`Bank <security@bank.example>` quoted as a name) shows a sender the gate
 * never checked. The address itself as its own name is common and harmless.
 */
export function displayNameProblem(name: string, address: string): string | undefined {
  if (/[<>]/.test(name)) return 'the display name must not contain < or > (R10: the sender must be clear)';
  if (ADDRESS_IN_NAME.test(name) && name.toLowerCase() !== address.toLowerCase())
    return "the display name must not show an address other than the sender's own (R10: the sender must be clear)";
  return undefined;
}

/** RFC 5322 display form, quoting the name when it holds specials. */
export function formatMailbox(mailbox: Mailbox): string {
  if (!mailbox.name) return mailbox.address;
  const needsQuotes = /[()<>[\]:;@\\,."]/.test(mailbox.name);
  const name = needsQuotes ? `"${mailbox.name.replace(/(["\\])/g, '\\$1')}"` : mailbox.name;
  return `${name} <${mailbox.address}>`;
}

/**
 * R4: generic role addresses of an organisation (contact@, info@, sales@, …) are the
 * organisation's data rather than a person's.
 */
const ROLE_LOCAL_PARTS = new Set([
  'accueil',
  'admin',
  'bonjour',
  'commercial',
  'compta',
  'contact',
  'direction',
  'enquiries',
  'hello',
  'info',
  'infos',
  'marketing',
  'office',
  'sales',
  'secretariat',
  'service',
  'support',
  'team',
  'ventes',
]);

export function isRoleAddress(normalized: string): boolean {
  const local = normalized.slice(0, normalized.lastIndexOf('@')).toLowerCase();
  return ROLE_LOCAL_PARTS.has(local);
}
