import type { FeedbackForwarder } from '../ports/feedback-forwarder';
import type { FeedbackDestination, SenderFeedback } from '../schemas/feedback';
import type { MemoryEventPublisher } from './memory-event-publisher';

/** The detail-type of forwarded feedback on an EventBridge bus (the tenant's or the gateway's). */
export const SENDER_FEEDBACK_DETAIL_TYPE = 'Sender Feedback';
export const SENDER_FEEDBACK_SOURCE = 'consent-gate.feedback';

/**
 * The local runner's stand-in: the forwarded feedback goes onto the in-process bus, shown at
 * /local/events as `Sender Feedback` with the destination it would have gone to.
 */
export class LocalFeedbackForwarder implements FeedbackForwarder {
  constructor(private readonly bus: MemoryEventPublisher) {}

  forward(destination: FeedbackDestination, feedback: SenderFeedback): Promise<void> {
    // Kept, not logged: the SES notification names the recipients' addresses.
    this.bus.events.push({
      source: SENDER_FEEDBACK_SOURCE,
      time: new Date().toISOString(),
      detailType: SENDER_FEEDBACK_DETAIL_TYPE,
      detail: { destination, ...feedback },
    });
    return Promise.resolve();
  }
}
