/**
 * Micro-bench: CPU per SDK call with and without `cacheMiddleware: true` (the SDK builds the
 * middleware stack once per client instead of once per call), for the hot clients of a send:
 * SESv2 SendEmail, the raw DynamoDB client (Query), End User Messaging SendTextMessage, S3
 * GetObject of the pending objections (a 404, as on almost every send). Each
 * call goes to a local HTTP server answering at once, so what is measured is the client's own
 * CPU (plus the server's, the same on both sides). Interleaved rounds, median per call.
 *
 *   npx tsx scripts/cache-middleware-bench.ts [calls per round=2000] [rounds=5]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { QueryCommand as DocQueryCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

const calls = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 5);

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const amz = String(req.headers['x-amz-target'] ?? '');
    if (req.method === 'GET') {
      // S3: the pending objections' object is absent (NoSuchKey), as on almost every send.
      res.statusCode = 404;
      res.setHeader('content-type', 'application/xml');
      res.end('<Error><Code>NoSuchKey</Code><Message>absent</Message></Error>');
      return;
    }
    res.setHeader('content-type', amz ? 'application/x-amz-json-1.0' : 'application/json');
    res.end(amz.startsWith('DynamoDB') ? '{"Items":[],"Count":0}' : '{"MessageId":"m-1"}');
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const common = { endpoint, region: 'eu-west-3', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };

type Case = { name: string; make: (cache: boolean) => () => Promise<unknown> };
const cases: Case[] = [
  {
    name: 'SESv2 SendEmail',
    make: (cacheMiddleware) => {
      const c = new SESv2Client({ ...common, cacheMiddleware });
      return () =>
        c.send(
          new SendEmailCommand({
            FromEmailAddress: 'news@shop.example',
            Destination: { ToAddresses: ['a@example.org'] },
            Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
          }),
        );
    },
  },
  {
    name: 'DynamoDB Query (raw client)',
    make: (cacheMiddleware) => {
      const c = new DynamoDBClient({ ...common, cacheMiddleware });
      return () =>
        c.send(
          new QueryCommand({
            TableName: 't',
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: 'x' } },
            ConsistentRead: true,
          }),
        );
    },
  },
  {
    // What the store's hot calls do (shared/adapters/dynamodb-table.ts): "without" is the
    // document client (lib-dynamodb refuses cacheMiddleware), "with" the raw client that has
    // it, the values marshalled and the items unmarshalled by hand.
    name: 'DynamoDB Query (document client, or raw with cacheMiddleware and util-dynamodb)',
    make: (cacheMiddleware) => {
      const values = { ':pk': 'TENANT#demo#R#k', ':state': 'S#' };
      const input = {
        TableName: 't',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :state)',
        ConsistentRead: true,
      };
      if (!cacheMiddleware) {
        const doc = DynamoDBDocumentClient.from(new DynamoDBClient(common));
        return () => doc.send(new DocQueryCommand({ ...input, ExpressionAttributeValues: values }));
      }
      const c = new DynamoDBClient({ ...common, cacheMiddleware: true });
      return async () => {
        const page = await c.send(
          new QueryCommand({ ...input, ExpressionAttributeValues: marshall(values) }),
        );
        return (page.Items ?? []).map((item) => unmarshall(item));
      };
    },
  },
  {
    name: 'S3 GetObject (404)',
    make: (cacheMiddleware) => {
      const c = new S3Client({ ...common, forcePathStyle: true, cacheMiddleware });
      return () =>
        c
          .send(new GetObjectCommand({ Bucket: 'pending', Key: 'pending/demo/k.json' }))
          .catch(() => undefined);
    },
  },
  {
    name: 'SMS SendTextMessage',
    make: (cacheMiddleware) => {
      const c = new PinpointSMSVoiceV2Client({ ...common, cacheMiddleware });
      return () =>
        c.send(new SendTextMessageCommand({ DestinationPhoneNumber: '+33612345678', MessageBody: 'x' }));
    },
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const { name, make } of cases) {
  const fns = { off: make(false), on: make(true) };
  for (const fn of Object.values(fns)) for (let i = 0; i < 200; i++) await fn(); // warm-up
  const us: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['off', 'on'] as const) {
      const start = process.cpuUsage();
      for (let i = 0; i < calls; i++) await fns[mode]();
      const used = process.cpuUsage(start);
      us[mode].push((used.user + used.system) / calls);
    }
  }
  const off = median(us.off);
  const on = median(us.on);
  console.log(
    `${name}: ${off.toFixed(1)} µs CPU/call without, ${on.toFixed(1)} with cacheMiddleware (${(((off - on) / off) * 100).toFixed(1)} % saved; rounds off ${us.off.map((x) => x.toFixed(0)).join('/')}, on ${us.on.map((x) => x.toFixed(0)).join('/')})`,
  );
}
server.close();
