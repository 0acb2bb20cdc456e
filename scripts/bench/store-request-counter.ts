import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts what the gateway asks of DynamoDB, per command: requests, items, and the request
 * units on-demand billing would charge for them. An AWS SDK middleware on the client's
 * `build` step: it sees the marshalled input and output (what goes over the wire), after
 * the document client's marshalling and before the retry loop, so a retried command is
 * counted once.
 *
 * Request units follow DynamoDB's published rules: a strongly consistent read costs one
 * RRU per 4 KB (a Query sums the items it returns; BatchGetItem charges each requested
 * key, found or not), an eventually consistent read half that; a write costs one WRU per
 * KB of the item written. Item sizes are computed from the attribute values as DynamoDB
 * counts them, approximately for numbers. UpdateItem and DeleteItem do not show the item
 * they touch, so they are counted as one WRU (items under 1 KB). TransactWriteItems costs
 * two WRU per KB of each item it writes (R15: a change and its audit event commit together).
 */
export type StoreCommandKind = 'read' | 'write' | 'other';

export interface CommandCount {
  readonly command: string;
  readonly kind: StoreCommandKind;
  requests: number;
  /** Items returned (reads) or written (writes); for BatchGetItem, the keys requested. */
  items: number;
  /** Read or write request units, as on-demand billing counts them. */
  units: number;
  /** Largest single item seen, in bytes (reads: returned items; writes: put items). */
  maxItemBytes: number;
}

/** One request as it went over the wire (the marshalled input): what the same-I/O pipeline replays. */
export interface TracedRequest {
  readonly command: string;
  // biome-ignore lint/suspicious/noExplicitAny: a command's marshalled input, any of the DynamoDB shapes.
  readonly input: any;
}

export interface StoreRequestCounter {
  /** Adds the counting middleware to a client (and so to every document client built on it). */
  attachTo(client: DynamoDBClient): void;
  reset(): void;
  /** Counts per command, sorted by command name. */
  snapshot(): CommandCount[];
  /** The requests since the last reset, in the order they were sent (a deep copy of each input). */
  trace(): TracedRequest[];
  /** Adds another counter's snapshot to this one's counts (to sum counts taken apart). */
  add(counts: readonly CommandCount[]): void;
}

const READS = new Set([
  'GetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'TransactGetItemsCommand',
]);
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

const MIDDLEWARE_NAME = 'consentGateBenchStoreRequestCounter';

type Item = Record<string, AttributeValue>;

/** An attribute value's size as DynamoDB counts it (numbers approximated from their digits). */
export function attributeValueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/[-.]/g, '').replace(/^0+/, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + attributeValueBytes({ N: s }), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((n, v) => n + 1 + attributeValueBytes(v), 0);
  if (value.M !== undefined) return 3 + itemBytes(value.M) + Object.keys(value.M).length;
  return 0;
}

/** An item's size: attribute names plus values (DynamoDB's billing size). */
export function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    bytes += Buffer.byteLength(name) + attributeValueBytes(value);
  return bytes;
}

const readUnits = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

interface Usage {
  items: number;
  units: number;
  maxItemBytes: number;
}

// biome-ignore lint/suspicious/noExplicitAny: SDK middleware sees every command's input and output shapes.
function usageOf(command: string, input: any, output: any): Usage {
  switch (command) {
    case 'GetItemCommand': {
      const bytes = output?.Item ? itemBytes(output.Item) : 0;
      return {
        items: output?.Item ? 1 : 0,
        units: readUnits(bytes, input.ConsistentRead === true),
        maxItemBytes: bytes,
      };
    }
    case 'QueryCommand':
    case 'ScanCommand': {
      const sizes = ((output?.Items ?? []) as Item[]).map(itemBytes);
      const total = sizes.reduce((a, b) => a + b, 0);
      return {
        items: sizes.length,
        units: readUnits(total, input.ConsistentRead === true),
        maxItemBytes: Math.max(0, ...sizes),
      };
    }
    case 'BatchGetItemCommand': {
      // Billed per requested key, found or not, each rounded up to 4 KB.
      let items = 0;
      let units = 0;
      let maxItemBytes = 0;
      for (const [table, request] of Object.entries(input.RequestItems ?? {}) as [
        string,
        { Keys: Item[]; ConsistentRead?: boolean },
      ][]) {
        const found = ((output?.Responses?.[table] ?? []) as Item[]).map(itemBytes);
        const unprocessed = (output?.UnprocessedKeys?.[table]?.Keys ?? []).length as number;
        const served = request.Keys.length - unprocessed;
        const consistent = request.ConsistentRead === true;
        items += served;
        // A key that finds nothing is still a read of the minimum size.
        units += found.reduce((n, bytes) => n + readUnits(bytes, consistent), 0);
        units += Math.max(0, served - found.length) * readUnits(0, consistent);
        maxItemBytes = Math.max(maxItemBytes, ...found);
      }
      return { items, units, maxItemBytes };
    }
    case 'TransactGetItemsCommand': {
      const items = (input.TransactItems ?? []).length as number;
      return { items, units: 2 * items, maxItemBytes: 0 };
    }
    case 'PutItemCommand': {
      const bytes = itemBytes(input.Item ?? {});
      return { items: 1, units: writeUnits(bytes), maxItemBytes: bytes };
    }
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return { items: 1, units: 1, maxItemBytes: 0 };
    case 'BatchWriteItemCommand': {
      let items = 0;
      let units = 0;
      let maxItemBytes = 0;
      for (const [table, requests] of Object.entries(input.RequestItems ?? {}) as [
        string,
        { PutRequest?: { Item: Item }; DeleteRequest?: unknown }[],
      ][]) {
        const unprocessed = (output?.UnprocessedItems?.[table] ?? []).length as number;
        for (const request of requests.slice(0, requests.length - unprocessed)) {
          const bytes = request.PutRequest ? itemBytes(request.PutRequest.Item) : 0;
          items += 1;
          units += writeUnits(bytes);
          maxItemBytes = Math.max(maxItemBytes, bytes);
        }
      }
      return { items, units, maxItemBytes };
    }
    case 'TransactWriteItemsCommand': {
      // A transactional write costs two WRU per KB of each item (prepare and commit).
      const puts = ((input.TransactItems ?? []) as { Put?: { Item: Item } }[]).map((t) =>
        t.Put ? itemBytes(t.Put.Item) : 0,
      );
      return {
        items: puts.length,
        units: puts.reduce((n, bytes) => n + 2 * writeUnits(bytes), 0),
        maxItemBytes: Math.max(0, ...puts),
      };
    }
    default:
      return { items: 0, units: 0, maxItemBytes: 0 };
  }
}

export function createStoreRequestCounter(): StoreRequestCounter {
  const counts = new Map<string, CommandCount>();
  let traced: TracedRequest[] = [];

  const record = (command: string, usage: Usage) => {
    const kind: StoreCommandKind = READS.has(command) ? 'read' : WRITES.has(command) ? 'write' : 'other';
    const count = counts.get(command) ?? { command, kind, requests: 0, items: 0, units: 0, maxItemBytes: 0 };
    count.requests += 1;
    count.items += usage.items;
    count.units += usage.units;
    count.maxItemBytes = Math.max(count.maxItemBytes, usage.maxItemBytes);
    counts.set(command, count);
  };

  return {
    attachTo(client) {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const command = context.commandName ?? 'unknown';
          traced.push({ command, input: structuredClone(args.input) });
          try {
            const result = await next(args);
            record(command, usageOf(command, args.input, result.output));
            return result;
          } catch (error) {
            // A refused conditional write still consumes its write units; other failures are counted as asked.
            record(command, usageOf(command, args.input, undefined));
            throw error;
          }
        },
        { step: 'build', name: MIDDLEWARE_NAME },
      );
    },
    reset() {
      counts.clear();
      traced = [];
    },
    trace() {
      return [...traced];
    },
    add(more) {
      for (const c of more) {
        const count = counts.get(c.command) ?? { ...c, requests: 0, items: 0, units: 0, maxItemBytes: 0 };
        count.requests += c.requests;
        count.items += c.items;
        count.units += c.units;
        count.maxItemBytes = Math.max(count.maxItemBytes, c.maxItemBytes);
        counts.set(c.command, count);
      }
    },
    snapshot() {
      return [...counts.values()].map((c) => ({ ...c })).sort((a, b) => a.command.localeCompare(b.command));
    },
  };
}

/** Totals of a snapshot by kind, divided by a number of messages. */
export function perMessage(counts: readonly CommandCount[], messages: number) {
  const sum = (kind: StoreCommandKind, field: 'requests' | 'items' | 'units') =>
    counts.filter((c) => c.kind === kind).reduce((n, c) => n + c[field], 0) / messages;
  return {
    readRequests: sum('read', 'requests'),
    readItems: sum('read', 'items'),
    readUnits: sum('read', 'units'),
    writeRequests: sum('write', 'requests'),
    writeItems: sum('write', 'items'),
    writeUnits: sum('write', 'units'),
    maxItemBytes: Math.max(0, ...counts.map((c) => c.maxItemBytes)),
  };
}
