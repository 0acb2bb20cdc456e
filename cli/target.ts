import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { createDynamoDbStores } from '../shared/adapters/dynamodb-stores';
import { createDocumentClient } from '../shared/adapters/dynamodb-table';
import { SecretsManagerKeyRing, StaticKeyRing } from '../shared/adapters/key-rings';
import type { KeyMaterial } from '../shared/ports/key-ring';
import type { Stores } from '../shared/ports/stores';
import { CliError } from './errors';
import type { TargetOptions } from './options';

/** Where a command reads and writes: a deployed table, or the local stack of npm start (its stores, one per aggregate). */
export interface Target extends Stores {
  /** The table itself, for commands that work on raw items (migrate). */
  readonly table: { readonly doc: DynamoDBDocumentClient; readonly name: string };
  /** Loaded on demand: create-tenant needs no keys. */
  keys(): Promise<KeyMaterial>;
  /** For messages: "table acme-prod (eu-west-3)" or "the local stack (…/.consent-gate)". */
  readonly description: string;
}

const localFileSchema = z.object({ dynamodbUrl: z.string(), tableName: z.string() });

/**
 * Without --table: the DynamoDB of `npm start`, found in `<local-dir>/local.json` with
 * its keys in `<local-dir>/keys.json` (as the scripts always did). With --table: the
 * caller's AWS credentials, a region that must be known before any request (a missing
 * region used to surface as a stack trace "DynamoDB unavailable"), and the key ring's
 * Secrets Manager ARNs when the command hashes addresses.
 */
export function openTarget(options: TargetOptions, needs: { keys: boolean }): Target {
  if (options.table !== undefined) {
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (region === undefined || region === '') {
      throw new CliError(
        `No AWS region for table ${options.table}: add --region <region> (e.g. --region eu-west-3) or set AWS_REGION.`,
        2,
      );
    }
    const { hashSecret, tokenSecret } = options;
    if (needs.keys && (hashSecret === undefined || tokenSecret === undefined)) {
      throw new CliError(
        '--table needs --hash-secret <arn> and --token-secret <arn> (the deployment’s Secrets Manager ARNs, outputs of the stack).',
        2,
      );
    }
    const doc = createDocumentClient(new DynamoDBClient({ region, maxAttempts: 5 }));
    return {
      ...createDynamoDbStores(doc, options.table),
      table: { doc, name: options.table },
      keys: () => new SecretsManagerKeyRing(hashSecret!, tokenSecret!).load(),
      description: `table ${options.table} (${region})`,
    };
  }
  const dir = resolve(options.localDir);
  const localFile = join(dir, 'local.json');
  if (!existsSync(localFile)) {
    throw new CliError(
      `${localFile} not found: start the local stack with npm start first, or pass --table <name> for a deployed one.`,
    );
  }
  const local = localFileSchema.parse(JSON.parse(readFileSync(localFile, 'utf8')));
  const client = new DynamoDBClient({
    endpoint: local.dynamodbUrl,
    region: process.env.AWS_REGION ?? 'eu-west-3',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
  });
  const doc = createDocumentClient(client);
  return {
    ...createDynamoDbStores(doc, local.tableName),
    table: { doc, name: local.tableName },
    keys: () => new StaticKeyRing(readFileSync(join(dir, 'keys.json'), 'utf8')).load(),
    description: `the local stack (${dir})`,
  };
}
