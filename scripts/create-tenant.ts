import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, DynamoDbGatewayStore } from '../shared/adapters/dynamodb-store';
import { systemClock } from '../shared/ports/clock';
import { tenantIdSchema } from '../shared/schemas/tenant';
import { createApiKey, newTenant } from '../shared/services/state';

/**
 * Creates a tenant and its first admin key in a deployed gateway's table, with the
 * caller's AWS credentials (the admin API needs a key to start with):
 *   npm run create-tenant -- --table <TableName output> --tenant acme --name "Acme" --identity acme.com
 */
const { values } = parseArgs({
  options: {
    table: { type: 'string' },
    tenant: { type: 'string' },
    name: { type: 'string' },
    identity: { type: 'string', multiple: true, default: [] },
  },
});

async function main() {
  if (!values.table || !values.tenant || !values.name) {
    console.error(
      'usage: npm run create-tenant -- --table <table> --tenant <id> --name "<brand>" [--identity example.com]...',
    );
    process.exit(2);
  }
  const tenantId = tenantIdSchema.parse(values.tenant);
  const store = new DynamoDbGatewayStore(createDocumentClient(new DynamoDBClient({})), values.table);
  const created = await store.createTenant(newTenant(tenantId, values.name, values.identity ?? []));
  if (!created) console.log(`Tenant ${tenantId} exists already: issuing one more admin key.`);
  const { key, keyId } = await createApiKey({ store, clock: systemClock }, tenantId, {
    role: 'admin',
    label: 'created by create-tenant',
  });
  console.log(JSON.stringify({ tenant: tenantId, adminKeyId: keyId, adminKey: key }, null, 2));
  console.log('Keep the admin key: it is shown once. Declare purposes and sender keys through the API.');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
