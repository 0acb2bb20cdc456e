import { createServer, type Server } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIdempotencyStore } from '../../shared/adapters/dynamodb-idempotency-store';
import { createDynamoDbStores } from '../../shared/adapters/dynamodb-stores';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { sentMessagesOf } from '../../shared/domain/sent-messages';
import { requestHandler } from '../../shared/http/runtime';
import type { MessageRecord } from '../../shared/ports/gateway-store';
import type { AuditEvent } from '../../shared/schemas/audit';
import type { LocalGateway } from '../support/local-gateway';

/**
 * Faults for the reliability suite, injected into the AWS SDK's middleware stack (as
 * test/integration/fail-closed.test.ts does), so that the real adapters meet them exactly
 * as they would meet DynamoDB failing: a throttling or server error answered by the
 * service, a connection refused (the request really goes to a closed port) or a timeout
 * (it really goes to a server that never answers).
 */
export type FaultKind =
  | 'ProvisionedThroughputExceededException'
  | 'ThrottlingException'
  | 'InternalServerError'
  | 'connection-refused'
  | 'timeout';
export const FAULT_KINDS: readonly FaultKind[] = [
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'InternalServerError',
  'connection-refused',
  'timeout',
];

/** Which DynamoDB calls fail: the decision's state reads, or its writes (audit, records). */
export type FaultTarget = 'read' | 'write' | 'all';
const COMMANDS: Record<FaultTarget, (name: string) => boolean> = {
  read: (n) => n === 'QueryCommand' || n === 'BatchGetItemCommand',
  write: (n) => n === 'PutItemCommand' || n === 'UpdateItemCommand' || n === 'TransactWriteItemsCommand',
  all: (n) => n !== 'GetItemCommand', // API keys and the tenant stay readable: the fault hits the decision
};

const CLOSED_PORT = 9; // discard: nobody listens on it here

/** A TCP server that accepts connections and never answers (the timeout fault). */
export async function startBlackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface FaultSwitch {
  /** undefined: no fault. */
  kind: FaultKind | undefined;
  target: FaultTarget;
  /** Faults injected so far (calls that failed because of the switch). */
  injected: number;
}

/** A DynamoDB client whose calls fail per `fault` while it is set; otherwise real. */
export function faultyDynamoClient(gw: LocalGateway, fault: FaultSwitch, blackHolePort: number) {
  const client = new DynamoDBClient({
    endpoint: gw.dynamodbUrl,
    maxAttempts: 1,
    // The product's own handler options (throwOnRequestTimeout), with shorter timeouts for the test.
    requestHandler: { ...requestHandler, connectionTimeout: 300, requestTimeout: 300 },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const kind = fault.kind;
      if (kind === undefined || !COMMANDS[fault.target](context.commandName ?? '')) return next(args);
      fault.injected++;
      if (kind === 'connection-refused' || kind === 'timeout') {
        const request = args.request as { hostname: string; port?: number };
        request.hostname = '127.0.0.1';
        request.port = kind === 'timeout' ? blackHolePort : CLOSED_PORT;
        return next(args);
      }
      throw Object.assign(new Error(`injected ${kind}`), {
        name: kind,
        $fault: kind === 'InternalServerError' ? 'server' : 'client',
        $metadata: { httpStatusCode: kind === 'InternalServerError' ? 500 : 400 },
      });
    },
    { step: 'finalizeRequest', name: 'injectStoreFault' },
  );
  return client;
}

export function faultyStores(gw: LocalGateway, fault: FaultSwitch, blackHolePort: number) {
  const client = faultyDynamoClient(gw, fault, blackHolePort);
  // The hot calls (state read, decision put) on the same faulty client, as the runtime has a raw one.
  const doc = createDocumentClient(client, { hot: client });
  // Every aggregate's adapter on the faulty client: a fault reaches tenants, keys and queues too.
  return {
    ...createDynamoDbStores(doc, gw.tableName),
    idempotency: new DynamoDbIdempotencyStore(doc, gw.tableName),
  };
}

/** The recipient key of an address, as the gateway computes it (PUT /v1/recipients is idempotent). */
export async function recipientKeyOf(gw: LocalGateway, address: string, channel = 'email'): Promise<string> {
  const put = await gw.call('PUT', '/v1/recipients', {
    key: gw.adminKey,
    body: { channel, address, audience: 'consumer' },
  });
  return put.body.recipientKey as string;
}

/** Items of a recipient's partition whose sort key begins with `prefix` (`M#` message records…). */
export async function partitionItems(gw: LocalGateway, recipientKey: string, prefix: string) {
  const doc = createDocumentClient(new DynamoDBClient({ endpoint: gw.dynamodbUrl }));
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: gw.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': `TENANT#demo#R#${recipientKey}`, ':p': prefix },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  doc.destroy();
  return items;
}

export async function auditOf(gw: LocalGateway, recipientKey: string): Promise<AuditEvent[]> {
  return (await partitionItems(gw, recipientKey, 'A#')).map((i) => i.data as AuditEvent);
}

/**
 * The messages the store holds as sent to a recipient (R15): each `decision.sent` without a
 * `send.failed`, and any message item (`M#`), as the export lists them.
 */
export async function sentRecords(gw: LocalGateway, recipientKey: string): Promise<MessageRecord[]> {
  const items = await partitionItems(gw, recipientKey, 'M#');
  return sentMessagesOf(
    await auditOf(gw, recipientKey),
    items.map((i) => i.data as MessageRecord),
  );
}

/** Counts what reached the providers: mails stored by the local SES, SMS in the local outbox. */
export async function providerCounts(gw: LocalGateway): Promise<{ emails: number; sms: number }> {
  return { emails: (await gw.sentEmails()).length, sms: gw.sms.outbox.length };
}
