import { describe, expect, it } from 'vitest';
import { unsubscribeHtml } from '../../shared/http/console/justify-page';
import type { AuditEvent } from '../../shared/schemas/audit';
import { carriedUnsubscribe } from '../../shared/services/justify-message';

const event = (type: AuditEvent['type'], data: Record<string, unknown> = {}): AuditEvent => ({
  id: `${type}-1`,
  at: '2026-03-01T10:00:00.000Z',
  type,
  actor: { type: 'sender_key', id: 'k' },
  why: 'basis consent',
  data: { messageId: 'm-1', ...data },
});
const email = {
  kind: 'email' as const,
  listUnsubscribe:
    '<https://gw.example/u/{sha256:0123456789abcdef}>, <mailto:u+{sha256:fedcba9876543210}@unsub.example>',
  oneClick: true,
  keyId: 'k1',
  placed: { in: 'mime' as const, html: 2, text: 1 },
};

const message = { purpose: 'newsletter', channel: 'email' } as const;

describe('the unsubscribe a message carried, on Justify (R10)', () => {
  it('reads the record of its decision.sent, even after a deferral', () => {
    expect(
      carriedUnsubscribe(
        [
          event('decision.deferred'),
          event('decision.sent', { unsubscribe: { kind: 'sms', mention: 'STOP au 36123' } }),
        ],
        false,
      ),
    ).toEqual({ status: 'recorded', carried: { kind: 'sms', mention: 'STOP au 36123' } });
  });

  it('says a message sent before the record existed was not recorded, and an unsent one was not sent', () => {
    expect(carriedUnsubscribe([event('decision.sent')], false)).toEqual({ status: 'not_recorded' });
    // A message known only by its message record (M#), with no decision in the trail.
    expect(carriedUnsubscribe([], true)).toEqual({ status: 'not_recorded' });
    expect(carriedUnsubscribe([event('decision.scheduled')], false)).toEqual({ status: 'not_sent' });
  });

  it('shows the fingerprinted link as text, never as a link one could click, in English and French', () => {
    const en = unsubscribeHtml('en', { status: 'recorded', carried: email }, message);
    expect(en).toContain('<code>https://gw.example/u/{sha256:0123456789abcdef}</code>');
    expect(en).toContain('List-Unsubscribe=One-Click');
    expect(en).toContain('raw MIME: the footer in 2 HTML and 1 text body part');
    expect(en).toContain('signed with key k1, for purpose newsletter by email');
    expect(en).toContain('first 16 hex digits of its SHA-256');
    expect(en).not.toContain('<a ');
    const fr = unsubscribeHtml('fr', { status: 'recorded', carried: email }, message);
    expect(fr).toContain('MIME brut\u00a0: le pied dans 2 parties HTML et 1 partie texte');
    expect(fr).toContain('Aucun lien ni adresse ne fonctionne ici\u00a0:');
  });

  it('shows the SMS mention, a transactional message’s none, and what was not recorded', () => {
    expect(
      unsubscribeHtml(
        'en',
        { status: 'recorded', carried: { kind: 'sms', mention: 'STOP au 36123' } },
        message,
      ),
    ).toContain('<blockquote>STOP au 36123</blockquote>');
    expect(
      unsubscribeHtml('en', { status: 'recorded', carried: { kind: 'none', why: 'transactional' } }, message),
    ).toContain('a transactional message carries no opt-out (R6)');
    expect(unsubscribeHtml('en', { status: 'not_recorded' }, message)).toContain(
      'Not recorded: this message was sent before the gateway recorded',
    );
    expect(unsubscribeHtml('fr', { status: 'not_recorded' }, message)).toContain('Non enregistré\u00a0:');
  });
});
