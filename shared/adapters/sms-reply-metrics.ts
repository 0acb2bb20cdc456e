import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../config';
import type { InboundOutcome } from '../services/sms-inbound';

/**
 * R7: replies the gateway could not act on, as a CloudWatch metric (EMF), so that someone
 * reads them: in doubt, a person decides. Stops and STARTs emit nothing.
 */
export function publishSmsReplyOutcome(metrics: Metrics, outcome: InboundOutcome): void {
  if (outcome !== 'review' && outcome !== 'unknown_number') return;
  const metric = metrics.singleMetric();
  metric.addDimension('reason', outcome === 'review' ? 'unrecognised' : 'unknown_number');
  metric.addMetric(METRICS.smsRepliesForReview, MetricUnit.Count, 1);
}
