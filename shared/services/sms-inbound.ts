import { recipientKey } from '../domain/recipient-key';
import { parseSmsKeyword } from '../domain/sms-keywords';
import type { StateWrite } from '../ports/gateway-store';
import { normalizeAddress } from './decisions';
import type { Dependencies } from './dependencies';
import { type Change, recordChanges } from './record-change';

/** A two-way SMS reply as End User Messaging publishes it to SNS. */
export interface InboundSms {
  readonly originationNumber: string;
  readonly destinationNumber: string;
  readonly messageBody: string;
  readonly inboundMessageId: string;
  /** When the gateway received it (SNS timestamp). */
  readonly receivedAt: string;
}

/** `review`: neither stop nor a keyword, kept for a person to read (audit, event, metric). */
export type InboundOutcome = 'objection' | 'consent' | 'review' | 'unknown_number';

/**
 * R7 by SMS: a reply holding a stop word (domain/sms-keywords.ts) records an objection to
 * all SMS marketing of the tenant that owns the number replied to, with the inbound message
 * as proof. START alone records a consent by keyword (method `sms_keyword`) for the
 * tenant's keyword purposes. Anything else is kept for review, never dropped: an audit
 * event with the text, and an `SMS Reply Unrecognised` event (the function adds a metric).
 *
 * SNS delivers at least once and Lambda retries a failed invocation: every id written here
 * (objection, consent, audit event) derives from the inbound message id and every time from
 * the reply's, so a redelivery or a redrive (scripts/redrive.ts) rewrites the same items
 * and completes what a failed attempt left half done, never adds a second one.
 */
export async function handleInboundSms(deps: Dependencies, sms: InboundSms): Promise<InboundOutcome> {
  const tenantId = await deps.tenants.findTenantBySmsSender(sms.destinationNumber);
  if (tenantId === undefined) {
    deps.log.warn('inbound SMS to an undeclared number', {
      destination: sms.destinationNumber,
      id: sms.inboundMessageId,
    });
    return 'unknown_number';
  }
  const keyword = parseSmsKeyword(sms.messageBody);
  const [tenant, keys] = await Promise.all([deps.tenants.getTenant(tenantId), deps.keys.load()]);
  if (tenant === undefined) return 'unknown_number';
  const from = normalizeAddress(tenant, 'sms', sms.originationNumber, 'originationNumber');
  const key = recipientKey(keys.hashKey, tenantId, 'sms', from);
  const recordedAt = deps.clock.now().toISOString();
  // RULES.md "Time": a reply is not received after it is recorded; an SNS timestamp ahead of
  // the gate's clock counts as of the recording (R7: evidence dated in the future reopens nothing).
  const receivedAt = Date.parse(sms.receivedAt) > Date.parse(recordedAt) ? recordedAt : sms.receivedAt;
  const source = `SMS reply to ${sms.destinationNumber}`;

  const target = { tenantId, recipientKey: key, channel: 'sms' as const };
  const actor = { type: 'recipient' as const, id: `SMS reply ${sms.inboundMessageId}` };
  const sourceId = `sms-${sms.inboundMessageId}`;
  if (keyword === 'unknown') {
    await recordChanges(deps, target, [
      {
        id: `${sourceId}-review`,
        type: 'sms_reply.unrecognised',
        actor,
        why: 'R7: SMS reply with no keyword, kept for review (in doubt, a person reads it)',
        at: receivedAt,
        data: {
          inboundMessageId: sms.inboundMessageId,
          destination: sms.destinationNumber,
          text: sms.messageBody,
        },
        publish: {
          detailType: 'SMS Reply Unrecognised',
          detail: {
            inboundMessageId: sms.inboundMessageId,
            destination: sms.destinationNumber,
            text: sms.messageBody,
          },
        },
      },
    ]);
    deps.log.warn('inbound SMS kept for review (no keyword)', {
      tenantId,
      recipientKey: key,
      id: sms.inboundMessageId,
    });
    return 'review';
  }
  if (keyword === 'stop') {
    const objectionId = sourceId;
    // R7/R15: the objection and its event in one transaction; SNS may deliver the same reply
    // twice: the fixed id makes the second delivery write nothing.
    await recordChanges(
      deps,
      target,
      [
        {
          id: `${sourceId}-objection`,
          type: 'objection.recorded',
          actor,
          why: 'R7: STOP reply by SMS',
          at: receivedAt,
          data: { objectionId, scope: { type: 'channel' }, method: 'sms_stop' },
          publish: {
            detailType: 'Objection Recorded',
            detail: { objectionId, scope: { type: 'channel' }, method: 'sms_stop' },
          },
        },
      ],
      [
        {
          kind: 'objection',
          objection: {
            id: objectionId,
            scope: { type: 'channel' },
            at: receivedAt,
            method: 'sms_stop',
            messageId: sms.inboundMessageId,
            source,
            recordedAt,
          },
        },
      ],
    );
    deps.log.info('objection recorded', { tenantId, recipientKey: key, method: 'sms_stop' });
    return 'objection';
  }

  const purposes =
    tenant.settings.sms.keywordPurposes ??
    Object.values(tenant.purposes)
      .filter((p) => p.category === 'marketing')
      .map((p) => p.id);
  const changes: Change[] = [];
  const writes: StateWrite[] = [];
  for (const purpose of purposes) {
    const consentId = `${sourceId}-${purpose}`;
    writes.push({
      kind: 'consent',
      purpose,
      grant: {
        id: consentId,
        givenAt: receivedAt,
        method: 'sms_keyword',
        // What the person sent is what they were shown to send: the keyword is the wording.
        wording: sms.messageBody.trim(),
        source,
        controllers: [tenant.name],
        explicit: false,
        preTicked: false,
        recordedAt,
      },
    });
    changes.push({
      id: `${consentId}-consent`,
      type: 'consent.given',
      actor,
      why: 'R1/R3: START reply by SMS',
      at: receivedAt,
      data: { purpose, consentId, method: 'sms_keyword', givenAt: receivedAt, valid: true },
      publish: {
        detailType: 'Consent Given',
        detail: { purpose, consentId, method: 'sms_keyword', valid: true },
      },
    });
  }
  // One transaction for every purpose's consent and event (R15).
  await recordChanges(deps, target, changes, writes);
  deps.log.info('consent recorded by keyword', { tenantId, recipientKey: key, purposes });
  return 'consent';
}
