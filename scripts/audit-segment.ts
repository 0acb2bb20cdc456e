import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { createDocumentClient, DynamoDbGatewayStore } from '../shared/adapters/dynamodb-store';
import { SecretsManagerKeyRing, StaticKeyRing } from '../shared/adapters/key-rings';
import { AddressError, normalizeEmail } from '../shared/domain/address';
import { decide } from '../shared/domain/decide';
import { PhoneNumberError, parsePhone } from '../shared/domain/phone';
import { recipientKey } from '../shared/domain/recipient-key';
import type { GatewayStore } from '../shared/ports/gateway-store';
import type { KeyMaterial } from '../shared/ports/key-ring';
import type { Tenant } from '../shared/schemas/tenant';
import { tenantIdSchema } from '../shared/schemas/tenant';
import { channelSchema } from '../shared/schemas/vocabulary';

/**
 * Segment audit: how many of a list would be sent, and how many refused per reason, for
 * one purpose and channel, with the very decide the gateway runs (R1–R14), on states
 * read in batches. Sends nothing; prints counts only, never an address.
 *   npm run audit-segment -- list.csv --tenant demo --purpose newsletter --channel email [--from news@shop.example]
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

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      purpose: { type: 'string' },
      channel: { type: 'string', default: 'email' },
      from: { type: 'string' },
      table: { type: 'string' },
      'hash-secret': { type: 'string' },
      'token-secret': { type: 'string' },
      'local-dir': { type: 'string', default: process.env.CONSENT_GATE_DIR ?? '.consent-gate' },
    },
  });
  const file = positionals[0];
  if (!file || !values.tenant || !values.purpose) {
    console.error(
      'usage: npm run audit-segment -- <list.csv> --tenant <id> --purpose <p> [--channel email|sms] [--from <sender>] [--table <name> --hash-secret <arn> --token-secret <arn>]',
    );
    process.exit(2);
  }
  let store: GatewayStore;
  let keys: KeyMaterial;
  if (values.table) {
    if (!values['hash-secret'] || !values['token-secret'])
      throw new Error('--table needs --hash-secret and --token-secret');
    store = new DynamoDbGatewayStore(
      createDocumentClient(new DynamoDBClient({ maxAttempts: 5 })),
      values.table,
    );
    keys = await new SecretsManagerKeyRing(values['hash-secret'], values['token-secret']).load();
  } else {
    const dir = resolve(values['local-dir']);
    if (!existsSync(join(dir, 'local.json')))
      throw new Error(`${dir}/local.json not found: run npm start first`);
    const local = z
      .object({ dynamodbUrl: z.string(), tableName: z.string() })
      .parse(JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')));
    const client = new DynamoDBClient({
      endpoint: local.dynamodbUrl,
      region: process.env.AWS_REGION ?? 'eu-west-3',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    store = new DynamoDbGatewayStore(createDocumentClient(client), local.tableName);
    keys = await new StaticKeyRing(readFileSync(join(dir, 'keys.json'), 'utf8')).load();
  }
  const tenantId = tenantIdSchema.parse(values.tenant);
  const channel = channelSchema.parse(values.channel);
  const tenant = await store.getTenant(tenantId);
  if (!tenant) throw new Error(`Tenant ${tenantId} not found`);
  const identity = tenant.emailIdentities[0] ?? '';
  const from =
    values.from ??
    (channel === 'email'
      ? identity.includes('@')
        ? identity
        : `news@${identity}`
      : (Object.keys(tenant.smsSenders)[0] ?? ''));
  const audit = await auditSegment(store, keys, tenant, { file, purpose: values.purpose, channel, from });
  const lines: [string, number][] = [
    ['would be sent', audit.allowed],
    ['deferred (R14 hours)', audit.deferred],
    ['refused', audit.rejected],
    ['invalid address', audit.invalid],
    ...Object.entries(audit.reasons)
      .sort((a, b) => b[1] - a[1])
      .map(([reason, n]): [string, number] => [`  refused: ${reason}`, n]),
  ];
  console.log(`Segment of ${audit.total} for ${values.purpose} by ${channel} (from ${from}):`);
  for (const [label, n] of lines) console.log(`${label.padEnd(40)} ${String(n).padStart(9)}`);
  console.log(
    '(A refused recipient may have several reasons: the reason lines can add up to more than "refused".)',
  );
}

if (import.meta.url === `file://${resolve(process.argv[1] ?? '')}`) {
  main().catch((error: unknown) => {
    console.error(`Audit stopped: ${(error as Error).message}`);
    process.exit(1);
  });
}
