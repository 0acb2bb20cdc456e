import { describe, expect, it } from 'vitest';
import { sesFeedbackEventSchema } from '../../shared/schemas/ses-feedback';

const mail = { messageId: 'ses-1', timestamp: '2026-06-15T10:00:00Z', tags: { tenant: ['acme'] } };

describe('SES event publishing notifications', () => {
  it('reads a permanent bounce with its recipients and feedback id', () => {
    const event = sesFeedbackEventSchema.parse({
      eventType: 'Bounce',
      mail,
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: 'gone@example.org', status: '5.1.1' }],
        timestamp: '2026-06-15T10:00:01Z',
        feedbackId: 'fb-1',
      },
    });
    expect(event).toMatchObject({
      eventType: 'Bounce',
      bounce: { bounceType: 'Permanent', feedbackId: 'fb-1' },
    });
  });

  it('reads a complaint', () => {
    const event = sesFeedbackEventSchema.parse({
      eventType: 'Complaint',
      mail,
      complaint: {
        complainedRecipients: [{ emailAddress: 'angry@example.org' }],
        timestamp: '2026-06-15T10:00:01Z',
        feedbackId: 'fb-2',
      },
    });
    expect(event.eventType).toBe('Complaint');
  });

  it('accepts other event types without reading them', () => {
    expect(sesFeedbackEventSchema.parse({ eventType: 'Open', open: {} }).eventType).toBe('Open');
    expect(sesFeedbackEventSchema.parse({ eventType: 'Send', mail }).eventType).toBe('Send');
  });

  it('reads a delivery with the recipients it reached (the complaint rate counts them)', () => {
    const event = sesFeedbackEventSchema.parse({
      eventType: 'Delivery',
      mail,
      delivery: {
        timestamp: '2026-06-15T10:00:02Z',
        recipients: ['a@example.org', 'b@example.org'],
        smtpResponse: '250 OK',
      },
    });
    expect(event).toMatchObject({
      eventType: 'Delivery',
      delivery: { recipients: ['a@example.org', 'b@example.org'] },
    });
  });

  it('refuses a bounce without recipients or with an unknown bounce type', () => {
    const bounce = { bounceType: 'Permanent', bouncedRecipients: [], timestamp: 't', feedbackId: 'f' };
    expect(sesFeedbackEventSchema.safeParse({ eventType: 'Bounce', mail, bounce }).success).toBe(false);
    expect(
      sesFeedbackEventSchema.safeParse({
        eventType: 'Bounce',
        mail,
        bounce: { ...bounce, bounceType: 'Soft', bouncedRecipients: [{ emailAddress: 'a@b.c' }] },
      }).success,
    ).toBe(false);
  });
});
