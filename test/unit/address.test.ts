import { describe, expect, it } from 'vitest';
import { formatMailbox, isRoleAddress, normalizeEmail, parseMailbox } from '../../shared/domain/address';

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
