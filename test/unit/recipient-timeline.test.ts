import { describe, expect, it } from 'vitest';
import { timelineOf } from '../../shared/domain/recipient-timeline';
import type { MessageRecord } from '../../shared/ports/gateway-store';
import type { AuditEvent } from '../../shared/schemas/audit';
import type { RecipientState } from '../../shared/schemas/recipient';
import { resolveProof } from '../../shared/services/justify-message';
import { newTenant } from '../../shared/services/state';

const event = (type: AuditEvent['type'], at: string, data: Record<string, unknown> = {}): AuditEvent => ({
  id: `${type}-${at}`,
  at,
  type,
  actor: { type: 'admin_key', id: 'k' },
  why: 'test',
  data,
});

describe('timelineOf', () => {
  it('sorts newest first, names each kind, and adds message items the trail does not hold', () => {
    const record: MessageRecord = {
      messageId: 'm-old',
      channel: 'email',
      purpose: 'newsletter',
      category: 'marketing',
      basis: 'consent',
      proof: {},
      from: 'news@shop.example',
      decidedAt: '2026-01-02T00:00:00.000Z',
      senderKeyId: 's',
    };
    const timeline = timelineOf(
      [
        event('consent.given', '2026-01-01T00:00:00.000Z'),
        event('decision.sent', '2026-01-03T00:00:00.000Z', { messageId: 'm1' }),
        event('decision.rejected', '2026-01-04T00:00:00.000Z'),
        event('objection.recorded', '2026-01-05T00:00:00.000Z'),
        event('data.exported', '2026-01-06T00:00:00.000Z'),
      ],
      [record, { ...record, messageId: 'm1' }],
    );
    expect(timeline.map((e) => [e.kind, e.type])).toEqual([
      ['rights', 'data.exported'],
      ['objection', 'objection.recorded'],
      ['rejection', 'decision.rejected'],
      ['send', 'decision.sent'],
      ['send', 'message.record'],
      ['consent', 'consent.given'],
    ]);
  });
});

describe('resolveProof', () => {
  const tenant = {
    ...newTenant('demo', 'Demo Shop'),
    wordings: {
      'newsletter-v1': {
        versionId: 'newsletter-v1',
        text: 'Yes, the newsletter.',
        sha256: 'x',
        createdAt: 'y',
      },
    },
  };
  const grant = {
    id: 'c1',
    givenAt: '2026-01-01T00:00:00.000Z',
    recordedAt: '2026-01-01T00:00:01.000Z',
    method: 'web_form',
    wordingVersion: 'newsletter-v1',
    explicit: false,
    preTicked: false,
  } as const;
  const state = (over: Partial<RecipientState> = {}): RecipientState =>
    ({ consents: {}, objections: [], suppressions: [], ...over }) as unknown as RecipientState;

  it('R3: the consent the decision names, with the wording shown from its version', () => {
    const proof = resolveProof(
      { type: 'consent', ref: 'c1', at: grant.givenAt },
      'newsletter',
      tenant,
      state({ consents: { newsletter: { purpose: 'newsletter', grant } } } as never),
      [],
    );
    expect(proof).toMatchObject({
      type: 'consent',
      ref: 'c1',
      grant: { id: 'c1' },
      wording: { text: 'Yes, the newsletter.' },
    });
  });

  it("R3: a consent replaced since is not passed off as the one relied on; the trail's event is", () => {
    const given = event('consent.given', grant.recordedAt, { consentId: 'c0', method: 'paper' });
    const proof = resolveProof(
      { type: 'consent', ref: 'c0' },
      'newsletter',
      tenant,
      state({ consents: { newsletter: { purpose: 'newsletter', grant } } } as never),
      [given],
    );
    expect(proof).toEqual({ type: 'consent', ref: 'c0', given });
  });

  it("R2: the purchase of the proof, found among the profile's", () => {
    const purchase = { productFamily: 'books', at: '2026-01-01T00:00:00.000Z', ref: 'o-1' };
    const proof = resolveProof(
      { type: 'purchase', ref: 'o-1', at: purchase.at, detail: 'books' },
      'newsletter',
      tenant,
      state({
        profile: { purchases: [{ productFamily: 'books', at: purchase.at, ref: 'o-2' }, purchase] },
      } as never),
      [],
    );
    expect(proof).toMatchObject({ type: 'purchase', purchase });
  });
});
