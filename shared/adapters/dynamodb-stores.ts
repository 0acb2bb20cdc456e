import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Stores } from '../ports/stores';
import { DynamoDbComplaintStore } from './dynamodb-complaint-store';
import { DynamoDbConsoleSessionStore } from './dynamodb-console-session-store';
import { DynamoDbCounterStore } from './dynamodb-counter-store';
import { DynamoDbCredentialStore } from './dynamodb-credential-store';
import { DynamoDbDueQueue } from './dynamodb-due-queue';
import { DynamoDbMailtoAddressStore } from './dynamodb-mailto-address-store';
import { DynamoDbGatewayStore } from './dynamodb-store';
import { DynamoDbTemplateStore } from './dynamodb-template-store';
import { DynamoDbTenantAuditStore } from './dynamodb-tenant-audit-store';
import { DynamoDbTenantStore } from './dynamodb-tenant-store';

/**
 * Every aggregate's adapter over one table and one document client: whatever the client does
 * (retries, timeouts, a test's injected faults) applies to all of them alike.
 */
export function createDynamoDbStores(doc: DynamoDBDocumentClient, tableName: string): Stores {
  return {
    store: new DynamoDbGatewayStore(doc, tableName),
    tenants: new DynamoDbTenantStore(doc, tableName),
    credentials: new DynamoDbCredentialStore(doc, tableName),
    complaints: new DynamoDbComplaintStore(doc, tableName),
    tenantAudit: new DynamoDbTenantAuditStore(doc, tableName),
    counters: new DynamoDbCounterStore(doc, tableName),
    dueQueue: new DynamoDbDueQueue(doc, tableName),
    templates: new DynamoDbTemplateStore(doc, tableName),
    consoleSessions: new DynamoDbConsoleSessionStore(doc, tableName),
    mailto: new DynamoDbMailtoAddressStore(doc, tableName),
  };
}
