import type { FeedbackDestination, SenderFeedback } from '../schemas/feedback';

/** The destination did not take the feedback: the SES notification is retried (SNS, then its DLQ). */
export class FeedbackForwardError extends Error {
  override name = 'FeedbackForwardError';
}

/**
 * A tenant's own SES feedback, sent on to the destination it set (SNS, EventBridge, the
 * gateway's bus; locally the in-process bus shown at /local/events). Throws
 * FeedbackForwardError when the destination did not take it.
 */
export interface FeedbackForwarder {
  forward(destination: FeedbackDestination, feedback: SenderFeedback): Promise<void>;
}
