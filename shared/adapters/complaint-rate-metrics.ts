import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../config';
import type { TenantEvaluation } from '../services/complaint-rate';

const LEVEL = { ok: 0, warning: 1, hold: 2 } as const;

/**
 * Mailbox provider thresholds as CloudWatch metrics (EMF): the rate per tenant, and a level
 * over every tenant (0 ok, 1 warning, 2 hold) that one alarm watches whatever each tenant's
 * thresholds are. Below the tenant's minimum volume the rate is not judged: nothing is emitted.
 */
export function publishComplaintRate(metrics: Metrics, judged: TenantEvaluation): void {
  const { evaluation } = judged;
  if (!evaluation.enoughVolume || evaluation.rate === null) return;
  const perTenant = metrics.singleMetric();
  perTenant.addDimension('tenant', judged.tenantId);
  perTenant.addMetric(METRICS.complaintRate, MetricUnit.Percent, evaluation.rate * 100);
  metrics.addMetric(METRICS.complaintRateLevel, MetricUnit.NoUnit, LEVEL[evaluation.status]);
  metrics.publishStoredMetrics();
}
