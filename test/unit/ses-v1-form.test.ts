import { describe, expect, it } from 'vitest';
import { parseQueryForm, parseQueryInput, sesV1SendEmailSchema } from '../../shared/schemas/ses-v1';
import { InvalidInputError } from '../../shared/schemas/validation';

describe('SES v1 Query API form', () => {
  it('rebuilds structures and member lists in index order', () => {
    expect(
      parseQueryForm(
        'Action=SendEmail&Destination.ToAddresses.member.2=b%40x.org&Destination.ToAddresses.member.1=a%40x.org&Tags=',
      ),
    ).toEqual({ Action: 'SendEmail', Destination: { ToAddresses: ['a@x.org', 'b@x.org'] }, Tags: '' });
  });

  it('refuses a field given twice, or as a value and a structure', () => {
    expect(() => parseQueryForm('Source=a&Source=b')).toThrow(InvalidInputError);
    expect(() => parseQueryForm('Message=a&Message.Subject.Data=b')).toThrow('Message.Subject.Data');
    expect(() => parseQueryForm('Message.Subject.Data=b&Message=a')).toThrow('Message');
    expect(() => parseQueryForm('A..B=1')).toThrow('not a valid parameter name');
  });

  it('a key named __proto__ or constructor pollutes nothing and is refused as an unknown field', () => {
    const form = parseQueryForm('Action=SendEmail&__proto__.polluted=yes&constructor.prototype.polluted=yes');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => parseQueryInput(sesV1SendEmailSchema, form)).toThrow(InvalidInputError);
    expect(() => parseQueryInput(sesV1SendEmailSchema, form)).toThrow('__proto__');
  });

  it('names a bad member as the Query API spells it', () => {
    const form = parseQueryForm(
      `Action=SendEmail&Source=s%40x.org&Destination.ToAddresses.member.1=${'a'.repeat(401)}&Message.Subject.Data=s&Message.Body.Text.Data=t`,
    );
    expect(() => parseQueryInput(sesV1SendEmailSchema, form)).toThrow('Destination.ToAddresses.member.1:');
  });
});
