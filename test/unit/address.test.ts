import { describe, expect, it } from 'vitest';
import {
  emailIdentity,
  formatMailbox,
  isRoleAddress,
  normalizeEmail,
  parseMailbox,
} from '../../shared/domain/address';
import { legacyRecipientKey, recipientKey, recipientKeys } from '../../shared/domain/recipient-key';

describe('address normalisation', () => {
  it('trims, lower-cases and IDNA-encodes the domain, keeps the local part', () => {
    expect(normalizeEmail('  Alice.Martin@Exämple.FR ')).toBe('Alice.Martin@xn--exmple-cua.fr');
  });
  it.each([
    '',
    'no-at',
    '@example.org',
    'a@',
    'a@localhost',
    'a..b@example.org',
    'a@exa mple.org',
    'a\r\n@example.org',
  ])('refuses %j', (input) => {
    expect(() => normalizeEmail(input)).toThrow();
  });
  it('parses a display name and refuses header injection', () => {
    expect(parseMailbox('Acme News <News@Acme.example>')).toEqual({
      name: 'Acme News',
      address: 'News@acme.example',
    });
    expect(() => parseMailbox('Acme <a@acme.example>\r\nBcc: x@evil.example')).toThrow(/line breaks/);
  });
  it('quotes display names with specials', () => {
    expect(formatMailbox({ name: 'Acme, Inc.', address: 'a@acme.example' })).toBe(
      '"Acme, Inc." <a@acme.example>',
    );
  });
  it('R4 recognises role addresses', () => {
    expect(isRoleAddress('contact@corp.example')).toBe(true);
    expect(isRoleAddress('jane.doe@corp.example')).toBe(false);
  });
});

describe('recipient identity (RULES.md vocabulary "Recipient")', () => {
  const hashKey = Buffer.alloc(32, 7);
  it('NFC-normalises the address kept for delivery, local part case as given', () => {
    // "é" written as e + combining acute (NFD) and as one code point (NFC): one address.
    expect(normalizeEmail(' Rene\u0301@Example.org ')).toBe('Ren\u00e9@example.org');
  });
  it.each([
    ['Frank@example.org', 'frank@example.org'],
    ['FRANK@EXAMPLE.ORG', 'frank@example.org'],
    ['RENÉ@exämple.fr', 'rené@xn--exmple-cua.fr'],
    ['STRASSE@example.org', 'strasse@example.org'],
    ['Straße@example.org', 'strasse@example.org'],
  ])('R7/R11 folds the case of %s for identity', (input, identity) => {
    expect(emailIdentity(normalizeEmail(input))).toBe(identity);
  });
  it('R11 gives every case of an address one key, and the old key only when it differs', () => {
    const key = (a: string) => recipientKey(hashKey, 't', 'email', normalizeEmail(a));
    expect(key('Frank@Example.ORG')).toBe(key('frank@example.org'));
    expect(recipientKeys(hashKey, 't', 'email', 'frank@example.org')).toEqual({
      key: key('frank@example.org'),
    });
    expect(recipientKeys(hashKey, 't', 'email', 'Frank@example.org')).toEqual({
      key: key('frank@example.org'),
      legacyKey: legacyRecipientKey(hashKey, 't', 'email', 'Frank@example.org'),
    });
    // Lower-case addresses keep the key they always had: no migration for them.
    expect(legacyRecipientKey(hashKey, 't', 'email', 'frank@example.org')).toBe(key('frank@example.org'));
    // SMS numbers are not folded (E.164 has no case).
    expect(recipientKeys(hashKey, 't', 'sms', '+33612345678').legacyKey).toBeUndefined();
  });
});
