import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand as RawQueryCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { StoreError, StoreUnavailableError } from '../ports/store-errors';

/**
 * What every DynamoDB adapter of the gateway's one table shares: the document client, the
 * mapping of SDK exceptions to the store's errors, the key builders several aggregates use
 * and the batch limits. The key layout of every item is in docs/architecture.md ("Key
 * layout"); each adapter's header points there.
 */

/** Each item records its entity type and this version (ElectroDB's convention). */
export const ENTITY_VERSION = 1;

export const tenantPk = (tenantId: string) => `TENANT#${tenantId}`;
/** A recipient's partition: its state (`S#`), messages, audit trail, pending and due items. */
export const recipientPk = (tenantId: string, recipientKey: string) => `TENANT#${tenantId}#R#${recipientKey}`;
/** The gsi1 partition listing a tenant's API keys and SES credentials. */
export const keysIndexPk = (tenantId: string) => `TENANT#${tenantId}#KEYS`;

/** BatchGetItem takes at most 100 keys; unprocessed keys are retried a few times, then the read fails closed. */
export const BATCH_GET_LIMIT = 100;
export const BATCH_GET_ATTEMPTS = 5;
/** BatchWriteItem takes at most 25 puts; unprocessed items are retried with backoff, then the import fails closed. */
export const BATCH_WRITE_LIMIT = 25;
export const BATCH_WRITE_ATTEMPTS = 8;

/**
 * As the document client marshals (its `marshallOptions`), for the hot calls made on a raw
 * client. A new object for each: lib-dynamodb writes into the options it is given
 * (`convertTopLevelContainer`), which would make `marshall` wrap the values in an `M`.
 */
const marshallOptions = () => ({ removeUndefinedValues: true });

/**
 * The raw client of each document client's hot calls, when it was given one. lib-dynamodb
 * refuses a client built with `cacheMiddleware` (its marshalling rides on each command's
 * own stack); a raw client with it costs less CPU per call (measured by
 * scripts/cache-middleware-bench.ts), so a send's own calls (its state read, the look-back
 * or tip of its decisions, the decision's put) go through one, marshalled here.
 */
const HOT = new WeakMap<DynamoDBDocumentClient, DynamoDBClient>();

/**
 * `hot`: the raw client of the hot calls (the runtime's, built with `cacheMiddleware`; a
 * test's faulty client, so that its faults reach them too); without it, the document client
 * makes them.
 */
export function createDocumentClient(
  client = new DynamoDBClient({}),
  options: { hot?: DynamoDBClient } = {},
): DynamoDBDocumentClient {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: marshallOptions() });
  if (options.hot !== undefined) HOT.set(doc, options.hot);
  return doc;
}

type Values = Record<string, unknown> | undefined;
const marshalled = (values: Values) =>
  values === undefined ? undefined : (marshall(values, marshallOptions()) as Record<string, AttributeValue>);

/** SDK exceptions become domain errors here and nowhere else. */
export function translate(error: unknown): never {
  if (error instanceof StoreError) throw error;
  const name = (error as { name?: string }).name ?? '';
  if (name === 'ValidationException' || name === 'ResourceNotFoundException') {
    throw new StoreError(`DynamoDB refused the request (${name})`, { cause: error });
  }
  throw new StoreUnavailableError(`DynamoDB unavailable (${name || 'unknown error'})`, { cause: error });
}

/** An adapter of one aggregate over the shared table: the requests every aggregate makes alike. */
export abstract class DynamoDbTable {
  constructor(
    protected readonly doc: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  protected async put(input: Omit<PutCommandInput, 'TableName'>): Promise<void> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, ...input }));
    } catch (error) {
      translate(error);
    }
  }

  /**
   * An append-only put: written once, never replaced. When an item stands under the key,
   * `exists` gives the error to throw (AlreadyRecordedError for an audit event).
   */
  protected async putIfAbsent(
    item: Record<string, unknown>,
    exists: (cause: unknown) => Error,
  ): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#sk)',
          ExpressionAttributeNames: { '#sk': 'sk' },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw exists(error);
      translate(error);
    }
  }

  /** One page of a Query on the hot path (the raw client when there is one), items unmarshalled. */
  protected async hotQueryPage(input: Omit<QueryCommandInput, 'TableName'>): Promise<{
    Items: Record<string, unknown>[];
    LastEvaluatedKey?: Record<string, unknown>;
  }> {
    const hot = HOT.get(this.doc);
    if (hot === undefined) {
      const page = await this.doc.send(new QueryCommand({ TableName: this.tableName, ...input }));
      return {
        Items: (page.Items ?? []) as Record<string, unknown>[],
        LastEvaluatedKey: page.LastEvaluatedKey,
      };
    }
    const page = await hot.send(
      new RawQueryCommand({
        ...input,
        TableName: this.tableName,
        ExpressionAttributeValues: marshalled(input.ExpressionAttributeValues as Values),
        ExclusiveStartKey: marshalled(input.ExclusiveStartKey as Values),
      }),
    );
    return {
      Items: (page.Items ?? []).map((item) => unmarshall(item)),
      ...(page.LastEvaluatedKey === undefined ? {} : { LastEvaluatedKey: unmarshall(page.LastEvaluatedKey) }),
    };
  }

  /** A put on the hot path (the raw client when there is one); SDK errors as they come. */
  protected async hotPut(input: Omit<PutCommandInput, 'TableName'>): Promise<void> {
    const hot = HOT.get(this.doc);
    if (hot === undefined) {
      await this.doc.send(new PutCommand({ TableName: this.tableName, ...input }));
      return;
    }
    await hot.send(
      new PutItemCommand({
        ...input,
        TableName: this.tableName,
        Item: marshalled(input.Item as Values),
        ExpressionAttributeValues: marshalled(input.ExpressionAttributeValues as Values),
      } as never),
    );
  }

  /** Every page of a Query (a listing: its consistency is the caller's choice). */
  protected async queryAll(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(
          new QueryCommand({ TableName: this.tableName, ...input, ExclusiveStartKey: startKey }),
        );
        items.push(...((page.Items ?? []) as Record<string, unknown>[]));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    } catch (error) {
      translate(error);
    }
    return items;
  }

  /**
   * BatchGetItem of known keys (at most BATCH_GET_LIMIT), strongly consistent; unprocessed
   * keys retried, then fail closed (`what` names them in the error).
   */
  protected async batchGet(
    keys: { pk: string; sk: string }[],
    what: string,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let pending: Record<string, unknown>[] = keys;
    try {
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= BATCH_GET_ATTEMPTS) {
          throw new StoreUnavailableError(`DynamoDB left ${what} unprocessed`);
        }
        const { Responses, UnprocessedKeys } = await this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        items.push(...((Responses?.[this.tableName] ?? []) as Record<string, unknown>[]));
        pending = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    } catch (error) {
      translate(error);
    }
    return items;
  }
}
