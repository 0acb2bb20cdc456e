import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keysIndexPk } from './dynamodb-table';

/**
 * API keys and SES credentials written before they could be listed carry no gsi1
 * attributes (`TENANT#<id>#KEYS`, `APIKEY#<keyId>` or `CREDENTIAL#<keyId>`): they still
 * authenticate, but GET /v1/keys, `keys list` and every revocation (found through gsi1)
 * miss them, so such a key could not be revoked. This sets the attributes from the item's
 * own data; idempotent (a conditional update, and a second run finds nothing to index).
 */
export interface KeyIndexCounts {
  /** Key and credential items seen. */
  keysExamined: number;
  /** Items that had no gsi1 attributes and were given them (or would be, in a dry run). */
  keysIndexed: number;
}

type Item = Record<string, unknown>;
const KINDS = [
  { pkPrefix: 'APIKEY#', sk: 'APIKEY', gsi1skPrefix: 'APIKEY#' },
  { pkPrefix: 'CREDENTIAL#', sk: 'CREDENTIAL', gsi1skPrefix: 'CREDENTIAL#' },
] as const;

export async function backfillKeyIndex(
  deps: { readonly doc: DynamoDBDocumentClient; readonly tableName: string },
  options: { readonly tenantId?: string; readonly dryRun?: boolean } = {},
): Promise<KeyIndexCounts> {
  const counts: KeyIndexCounts = { keysExamined: 0, keysIndexed: 0 };
  for (const kind of KINDS) {
    let startKey: Item | undefined;
    do {
      const page = await deps.doc.send(
        new ScanCommand({
          TableName: deps.tableName,
          FilterExpression: 'begins_with(#pk, :prefix) AND #sk = :sk',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':prefix': kind.pkPrefix, ':sk': kind.sk },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of (page.Items ?? []) as Item[]) {
        const data = item.data as { tenantId?: unknown; keyId?: unknown } | undefined;
        if (typeof data?.tenantId !== 'string' || typeof data.keyId !== 'string') continue;
        if (options.tenantId !== undefined && data.tenantId !== options.tenantId) continue;
        counts.keysExamined++;
        if (item.gsi1pk !== undefined) continue;
        counts.keysIndexed++;
        if (options.dryRun) continue;
        try {
          await deps.doc.send(
            new UpdateCommand({
              TableName: deps.tableName,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression: 'SET #gpk = :gpk, #gsk = :gsk',
              ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#gpk)',
              ExpressionAttributeNames: { '#pk': 'pk', '#gpk': 'gsi1pk', '#gsk': 'gsi1sk' },
              ExpressionAttributeValues: {
                ':gpk': keysIndexPk(data.tenantId),
                ':gsk': `${kind.gsi1skPrefix}${data.keyId}`,
              },
            }),
          );
        } catch (error) {
          // Indexed meanwhile by another run: nothing left to do for this item.
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
  return counts;
}
