/**
 * What DynamoDB Local (one JVM, in memory) can take on this machine, so that the import's
 * rate can be judged against the engine and not only against a target:
 * `npx tsx scripts/bench/engine-capacity.ts [seconds per case]`. Each case writes items of
 * the import's size (about 400 bytes) into a fresh table of the gateway's schema (stream
 * on, as in AWS) for a few seconds and prints items/s and the JVM's CPU share (from
 * /proc/<pid>/stat) next to this process's.
 */
import { readFileSync } from 'node:fs';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { createTable } from '../../infra/local/local-stack';

const seconds = Number(process.argv[2] ?? 5);
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
const engine = await startDynamoDbLocal();
const client = new DynamoDBClient({ endpoint: engine.url });
const TABLE = 'capacity';
await createTable(engine.url, TABLE);

const payload = 'x'.repeat(300);
let counter = 0;
const item = () => {
  const n = counter++;
  return {
    pk: { S: `TENANT#demo#R#${n.toString(36).padStart(12, '0')}` },
    sk: { S: 'A#C#000000000001' },
    entity: { S: 'audit' },
    data: { S: payload },
  };
};

/** CPU seconds (user + system) of a pid so far, from /proc. */
function cpuSeconds(pid: number | 'self'): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(name: string, concurrency: number, call: () => Promise<number>) {
  const end = performance.now() + seconds * 1000;
  const jvm0 = cpuSeconds(engine.pid);
  const self0 = cpuSeconds('self');
  const started = performance.now();
  let items = 0;
  let calls = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const written = await call();
        items += written;
        calls++;
      }
    }),
  );
  const s = (performance.now() - started) / 1000;
  const jvm = (cpuSeconds(engine.pid) - jvm0) / s;
  const self = (cpuSeconds('self') - self0) / s;
  console.log(
    `| ${name} | ${concurrency} | ${Math.round(calls / s)} | ${Math.round(items / s)} | ${Math.round(jvm * 100)} % | ${Math.round(self * 100)} % |`,
  );
}

console.log(`DynamoDB Local ${engine.version ?? '?'}, ${seconds} s per case`);
console.log('| case | in flight | calls/s | items/s | JVM CPU (of one core) | this process |');
console.log('|---|---:|---:|---:|---:|---:|');
await measure('PutItem, conditional', 32, async () => {
  await client.send(
    new PutItemCommand({ TableName: TABLE, Item: item(), ConditionExpression: 'attribute_not_exists(sk)' }),
  );
  return 1;
});
for (const concurrency of [4, 16]) {
  await measure('BatchWriteItem, 25 puts', concurrency, async () => {
    const out = await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [TABLE]: Array.from({ length: 25 }, () => ({ PutRequest: { Item: item() } })) },
      }),
    );
    return 25 - (out.UnprocessedItems?.[TABLE]?.length ?? 0);
  });
}
for (const [size, concurrency] of [
  [4, 32],
  [25, 8],
  [25, 16],
  [100, 4],
  [100, 8],
] as const) {
  await measure(`TransactWriteItems, ${size} conditional puts`, concurrency, async () => {
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: Array.from({ length: size }, () => ({
          Put: { TableName: TABLE, Item: item(), ConditionExpression: 'attribute_not_exists(sk)' },
        })),
      }),
    );
    return size;
  });
}
client.destroy();
await engine.stop();
process.exit(0);
