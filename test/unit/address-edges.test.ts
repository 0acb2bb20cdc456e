import { describe, expect, it } from 'vitest';
import {
  AddressError,
  emailDomain,
  formatMailbox,
  isEmail,
  isRoleAddress,
  normalizeEmail,
  parseMailbox,
} from '../../shared/domain/address';

/** Rows the mutation run (docs/testing.md) showed unpinned in address.test.ts. */
describe('address normalisation: edges', () => {
  it.each([
    [
      'R10 refuses two addresses run together (the local-part pattern is anchored at its start)',
      'bob@evil.example,alice@example.org',
    ],
    ['R10 refuses a local part with a trailing comma (anchored at its end)', 'alice,@example.org'],
    ['R10 refuses a local part with a space', 'ali ce@example.org'],
    ['R10 refuses a local part longer than 64 characters', `${'a'.repeat(65)}@example.org`],
    ['refuses a local part starting with a dot', '.alice@example.org'],
    ['refuses a local part ending with a dot', 'alice.@example.org'],
    ['refuses a domain ending with a dot', 'alice@example.org.'],
    [
      'refuses a domain longer than 253 characters',
      `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.org`,
    ],
    ['refuses a NUL byte', 'a\u0000b@example.org'],
    ['refuses a DEL character', 'a\u007fb@example.org'],
    ['refuses a unit separator (the last control character)', 'a\u001fb@example.org'],
    ['refuses a bare @', '@'],
  ])('%s', (_title, input) => {
    expect(() => normalizeEmail(input)).toThrow(AddressError);
    expect(isEmail(input)).toBe(false);
  });

  it.each([
    [
      'accepts a local part of exactly 64 characters',
      `${'a'.repeat(64)}@example.org`,
      `${'a'.repeat(64)}@example.org`,
    ],
    ['accepts a one-character local part', 'a@example.org', 'a@example.org'],
    [
      'accepts the specials RFC 5322 allows in a local part',
      "o'hara+news_1!#$%&*/=?^`{|}~-@example.org",
      "o'hara+news_1!#$%&*/=?^`{|}~-@example.org",
    ],
    ['accepts a Unicode local part (SMTPUTF8)', 'élodie@example.org', 'élodie@example.org'],
    [
      'accepts a space (U+0020, not a control character) only around the address',
      ' a@example.org ',
      'a@example.org',
    ],
    [
      'accepts a domain of exactly 253 characters',
      `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(57)}.org`,
      `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(57)}.org`,
    ],
    [
      'takes the last @ as the separator: a quoted-looking local part with @ is refused, not split',
      'a@b@example.org',
      null,
    ],
  ])('%s', (_title, input, expected) => {
    if (expected === null) {
      expect(() => normalizeEmail(input)).toThrow(/invalid local part/);
      return;
    }
    expect(normalizeEmail(input)).toBe(expected);
    expect(isEmail(input)).toBe(true);
  });

  it('names the problem of each refusal', () => {
    expect(() => normalizeEmail('a\tb@example.org')).toThrow(/control characters/);
    expect(() => normalizeEmail('no-at')).toThrow(/local@domain/);
    expect(() => normalizeEmail('@example.org')).toThrow(/local@domain/);
    expect(() => normalizeEmail('a@')).toThrow(/local@domain/);
    expect(() => normalizeEmail('a@localhost')).toThrow(/invalid domain/);
    expect(() => normalizeEmail('a,b@example.org')).toThrow(/invalid local part/);
  });

  it('reads the domain of a normalised address after its last @', () => {
    expect(emailDomain('alice@mail.example.org')).toBe('mail.example.org');
  });
});

describe('mailboxes (R10: the sender identity must be clear)', () => {
  it.each([
    ['a bare address', 'news@Acme.example', { address: 'news@acme.example' }],
    [
      'a display name with surrounding spaces',
      '  Acme News   <news@acme.example>  ',
      { name: 'Acme News', address: 'news@acme.example' },
    ],
    [
      'a quoted display name, unquoted',
      '"Acme, Inc." <news@acme.example>',
      { name: 'Acme, Inc.', address: 'news@acme.example' },
    ],
    ['an empty display name, dropped', '<news@acme.example>', { address: 'news@acme.example' }],
    ['an empty quoted display name, dropped', '"" <news@acme.example>', { address: 'news@acme.example' }],
    [
      'a quote inside a name, kept',
      'Acme "Best" News <news@acme.example>',
      { name: 'Acme "Best" News', address: 'news@acme.example' },
    ],
  ])('parses %s', (_title, input, expected) => {
    expect(parseMailbox(input)).toEqual(expected);
  });

  it.each([
    ['a quoted name with spaces inside the quotes, trimmed', '" Acme " <news@acme.example>', 'Acme'],
    ['a name ending with a quoted word, kept whole', 'Acme "Best" <news@acme.example>', 'Acme "Best"'],
    ['a name starting with a quoted word, kept whole', '"Acme" News <news@acme.example>', '"Acme" News'],
  ])('parses %s', (_title, input, name) => {
    expect(parseMailbox(input)).toEqual({ name, address: 'news@acme.example' });
  });

  it('errors of addresses name themselves', () => {
    expect(new AddressError('x').name).toBe('AddressError');
  });

  it.each([
    ['a line feed alone', 'Acme <a@acme.example>\nBcc: x@evil.example'],
    ['a carriage return alone', 'Acme <a@acme.example>\rBcc: x@evil.example'],
  ])('refuses %s (header injection)', (_title, input) => {
    expect(() => parseMailbox(input)).toThrow(/line breaks/);
  });

  it.each([
    ['another address as the name', 'security@bank.example <news@acme.example>', /other than the sender/],
    ['another address, quoted', '"security@bank.example" <news@acme.example>', /other than the sender/],
    ['an address inside a longer name', '"Support (support@bank.example)" <news@acme.example>', /other than/],
    ['an address at the very start of a name', '"a@b and more" <news@acme.example>', /other than/],
    ['an address at the very end of a name', '"write to a@b" <news@acme.example>', /other than/],
    ['brackets in a quoted name', '"Bank <security@bank.example>" <news@acme.example>', /< or >/],
    ['a lone bracket in a quoted name', '"Bank > Acme" <news@acme.example>', /< or >/],
    ['a lone opening bracket in a quoted name', '"Bank < Acme" <news@acme.example>', /< or >/],
  ])('R10 refuses a display name with %s', (_title, input, problem) => {
    expect(() => parseMailbox(input)).toThrow(problem);
    expect(() => parseMailbox(input)).toThrow(/R10/);
  });

  it.each([
    ['its own address', 'news@acme.example <news@acme.example>', 'news@acme.example'],
    ['its own address in other case', 'News@Acme.example <news@acme.example>', 'News@Acme.example'],
    ['an at sign between spaces', '"Acme @ Paris" <news@acme.example>', 'Acme @ Paris'],
    ['an at sign at the end', '"Acme@" <news@acme.example>', 'Acme@'],
    ['an at sign at the start', '"@Acme" <news@acme.example>', '@Acme'],
  ])('R10 keeps a display name with %s', (_title, input, name) => {
    expect(parseMailbox(input)).toEqual({ name, address: 'news@acme.example' });
  });

  it('refuses text after the closing bracket, or nested brackets', () => {
    expect(() => parseMailbox('Acme <a@acme.example> x@evil.example')).toThrow(AddressError);
    expect(() => parseMailbox('Acme <<a@acme.example>>')).toThrow(AddressError);
  });

  it.each([
    ['no name', { address: 'a@acme.example' }, 'a@acme.example'],
    ['an empty name', { name: '', address: 'a@acme.example' }, 'a@acme.example'],
    [
      'a plain name, unquoted',
      { name: 'Acme News', address: 'a@acme.example' },
      'Acme News <a@acme.example>',
    ],
    [
      'a name with a quote, escaped',
      { name: 'Acme "Best"', address: 'a@acme.example' },
      '"Acme \\"Best\\"" <a@acme.example>',
    ],
    [
      'a name with a backslash, escaped',
      { name: 'Acme \\ Co', address: 'a@acme.example' },
      '"Acme \\\\ Co" <a@acme.example>',
    ],
    [
      'a name with every other special, quoted',
      { name: '()<>[]:;@,.', address: 'a@acme.example' },
      '"()<>[]:;@,." <a@acme.example>',
    ],
  ])('formats a mailbox with %s', (_title, mailbox, expected) => {
    expect(formatMailbox(mailbox)).toBe(expected);
  });

  it.each(['(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '.', '"'])(
    'R10 quotes a display name holding %j',
    (special) => {
      expect(formatMailbox({ name: `A${special}B`, address: 'a@acme.example' })).toMatch(/^"A.{1,2}B" </);
    },
  );

  it('round-trips a formatted mailbox with specials', () => {
    const mailbox = { name: 'Acme, Inc. (news)', address: 'news@acme.example' };
    expect(parseMailbox(formatMailbox(mailbox))).toEqual(mailbox);
  });
});

describe('R4 role addresses', () => {
  it.each([
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
  ])('R4 reads %s@ as an organisation’s role address, whatever its case', (local) => {
    expect(isRoleAddress(`${local}@corp.example`)).toBe(true);
    expect(isRoleAddress(`${local.toUpperCase()}@corp.example`)).toBe(true);
  });

  it.each(['jane.doe', 'contact.jane', 'mycontact', 'info2', ''])(
    'R4 reads %j@ as a person’s address',
    (local) => {
      expect(isRoleAddress(`${local}@corp.example`)).toBe(false);
    },
  );

  it('R4 reads the local part before the last @ only', () => {
    expect(isRoleAddress('contact@corp@example.org')).toBe(false);
  });
});
