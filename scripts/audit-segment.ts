import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { AddressError, normalizeEmail } from '../shared/domain/address';
import { decide } from '../shared/domain/decide';
import { PhoneNumberError, parsePhone } from '../shared/domain/phone';
import { recipientKey } from '../shared/domain/recipient-key';
import type { GatewayStore } from '../shared/ports/gateway-store';
import type { KeyMaterial } from '../shared/ports/key-ring';
import type { Tenant } from '../shared/schemas/tenant';

/**
 * Segment audit: how many of a list would be sent, and how many refused per reason, for
 * one purpose and channel, with the very decide the gateway runs (R1–R14), on states
 * read in batches. Sends nothing; prints counts only, never an address.
 * Run by `consent-gate audit-segment` (cli/commands/audit-segment.ts, also `npm run audit-segment -- …`).
 * The list: a CSV whose first column (or the column named `address`) holds the addresses.
 */
const BATCH = 500;

export interface SegmentAudit {
  total: number;
  allowed: number;
  deferred: number;
  rejected: number;
  invalid: number;
  reasons: Record<string, number>;
}

export async function auditSegment(
  store: GatewayStore,
  keys: KeyMaterial,
  tenant: Tenant,
  options: { file: string; purpose: string; channel: 'email' | 'sms'; from: string; now?: Date },
): Promise<SegmentAudit> {
  const result: SegmentAudit = { total: 0, allowed: 0, deferred: 0, rejected: 0, invalid: 0, reasons: {} };
  const now = options.now ?? new Date();
  const decideBatch = async (addresses: string[]) => {
    const keyed = addresses.map((to) => ({
      to,
      key: recipientKey(keys.hashKey, tenant.id, options.channel, to),
    }));
    const states = await store.getRecipientStates(
      tenant.id,
      keyed.map(({ key }) => ({ recipientKey: key, purposes: [options.purpose] })),
    );
    for (const { to, key } of keyed) {
      const decision = decide({
        tenant,
        channel: options.channel,
        purposeId: options.purpose,
        from: options.from,
        to,
        recipient: states.get(key)!,
        now,
      });
      result[decision.outcome]++;
      if (decision.outcome === 'rejected') {
        for (const f of decision.failures) result.reasons[f.reason] = (result.reasons[f.reason] ?? 0) + 1;
      }
    }
  };
  const parser = createReadStream(options.file).pipe(
    parse({ bom: true, skip_empty_lines: true, relax_column_count: true }),
  );
  let column = 0;
  let first = true;
  let batch: string[] = [];
  for await (const record of parser as AsyncIterable<string[]>) {
    if (first) {
      first = false;
      const named = record.findIndex((h) => h.trim().toLowerCase() === 'address');
      if (named >= 0) {
        column = named;
        continue;
      }
    }
    result.total++;
    try {
      const raw = record[column] ?? '';
      batch.push(
        options.channel === 'email'
          ? normalizeEmail(raw)
          : parsePhone(raw, tenant.settings.sms.defaultRegion).e164,
      );
    } catch (error) {
      if (!(error instanceof AddressError || error instanceof PhoneNumberError)) throw error;
      result.invalid++;
    }
    if (batch.length >= BATCH) {
      await decideBatch(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await decideBatch(batch);
  return result;
}
