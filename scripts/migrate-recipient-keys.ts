import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { migrateRecipientKeys } from '../shared/adapters/dynamodb-recipient-key-migration';
import { createDocumentClient } from '../shared/adapters/dynamodb-store';
import { SecretsManagerKeyRing, StaticKeyRing } from '../shared/adapters/key-rings';
import { tenantIdSchema } from '../shared/schemas/tenant';

/**
 * Issue 11, item 2: moves recipient partitions written under case-preserving keys to the
 * case-folded key (shared/adapters/dynamodb-recipient-key-migration.ts says how).
 *   npm run migrate [-- --tenant demo-shop] [--addresses file.txt] [--dry-run]
 *   npm run migrate -- --table <TableName> --hash-secret <arn> --token-secret <arn>
 * `--addresses`: one `tenant,address` a line, for old partitions that hold no profile.
 * Without --table it targets `npm start`'s local DynamoDB (.consent-gate/local.json and keys.json).
 * Prints the counts; never an address.
 */
const localFileSchema = z.object({ dynamodbUrl: z.string(), tableName: z.string() });

async function main() {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      addresses: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      table: { type: 'string' },
      'hash-secret': { type: 'string' },
      'token-secret': { type: 'string' },
      'local-dir': { type: 'string', default: process.env.CONSENT_GATE_DIR ?? '.consent-gate' },
    },
  });
  const tenantId = values.tenant === undefined ? undefined : tenantIdSchema.parse(values.tenant);
  let deps: Parameters<typeof migrateRecipientKeys>[0];
  if (values.table) {
    if (!values['hash-secret'] || !values['token-secret']) {
      throw new Error('--table needs --hash-secret and --token-secret (the deployment Secrets Manager ARNs)');
    }
    const keys = await new SecretsManagerKeyRing(values['hash-secret'], values['token-secret']).load();
    deps = {
      doc: createDocumentClient(new DynamoDBClient({ maxAttempts: 5 })),
      tableName: values.table,
      hashKey: keys.hashKey,
    };
  } else {
    const dir = resolve(values['local-dir']);
    const localFile = join(dir, 'local.json');
    if (!existsSync(localFile))
      throw new Error(`${localFile} not found: start the gateway with npm start first`);
    const local = localFileSchema.parse(JSON.parse(readFileSync(localFile, 'utf8')));
    const client = new DynamoDBClient({
      endpoint: local.dynamodbUrl,
      region: process.env.AWS_REGION ?? 'eu-west-3',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 5,
    });
    const keys = await new StaticKeyRing(readFileSync(join(dir, 'keys.json'), 'utf8')).load();
    deps = { doc: createDocumentClient(client), tableName: local.tableName, hashKey: keys.hashKey };
  }
  const addresses = values.addresses
    ? readFileSync(values.addresses, 'utf8')
        .split(/\r?\n/)
        .filter((l) => l.trim() !== '')
        .map((line, i) => {
          const comma = line.indexOf(',');
          if (comma <= 0) throw new Error(`${values.addresses} line ${i + 1}: expected "tenant,address"`);
          return { tenantId: line.slice(0, comma).trim(), address: line.slice(comma + 1).trim() };
        })
    : undefined;
  const counts = await migrateRecipientKeys(deps, { tenantId, addresses, dryRun: values['dry-run'] });
  console.log(values['dry-run'] ? 'Dry run: nothing written.' : 'Recipient keys migrated.');
  for (const [name, count] of Object.entries(counts)) console.log(`${name.padEnd(20)} ${count}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(`Migration stopped: ${(error as Error).message}. Re-run the same command to resume.`);
    process.exit(1);
  });
}
