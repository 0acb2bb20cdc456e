import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { setDependencies } from '../../shared/http/runtime';
import { type PathResult, startBenchGateway, throughGateway } from './local-gateway-bench';

/**
 * The local engine before and after: dynalite (in this Node process, kept as a
 * devDependency for this comparison only) and Amazon DynamoDB Local (a JVM beside it),
 * side by side in one run, on the same machine load: the stack's start time (engine, local
 * servers, table, demo tenant: what `npm start` and every test file waits for) and the
 * store's throughput through `POST /v1/messages`.
 */
const require = createRequire(import.meta.url);

export const ENGINES = ['dynalite', 'DynamoDB Local'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface EngineResult {
  readonly engine: EngineName;
  readonly version: string;
  /** Engine start alone. */
  readonly engineStartMs: number;
  /** Engine, local servers, table and demo tenant, ready for the first message. */
  readonly stackStartMs: number;
  readonly gateway: PathResult;
}

async function startEngine(
  engine: EngineName,
): Promise<{ url: string; version: string; stop(): Promise<void> }> {
  if (engine === 'DynamoDB Local') {
    const e = await startDynamoDbLocal();
    return { url: e.url, version: e.version ?? '?', stop: () => e.stop() };
  }
  const dynalite = require('dynalite') as (options: { createTableMs: number }) => Server;
  const { version } = require('dynalite/package.json') as { version: string };
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    version,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function benchEngines(options: {
  readonly messages: number;
  readonly concurrency: number;
  readonly log: (line: string) => void;
}): Promise<EngineResult[]> {
  const results: EngineResult[] = [];
  for (const engine of ENGINES) {
    options.log(`engines: ${engine}, start, then ${options.messages} messages`);
    // The handlers' adapters are built once per process: rebuilt on this stack's endpoint and table.
    setDependencies(undefined);
    const t0 = performance.now();
    const store = await startEngine(engine);
    const engineStartMs = performance.now() - t0;
    try {
      const gw = await startBenchGateway(0, { dynamodbEndpoint: store.url });
      const stackStartMs = performance.now() - t0;
      try {
        // Seeded after the start is timed: seeding is no part of a start.
        const seeded = { ...gw, recipients: await gw.seedRecipients(options.messages) };
        await throughGateway(seeded, Math.min(200, options.messages), options.concurrency);
        const gateway = await throughGateway(seeded, options.messages, options.concurrency);
        results.push({ engine, version: store.version, engineStartMs, stackStartMs, gateway });
      } finally {
        await gw.stop();
      }
    } finally {
      await store.stop();
      setDependencies(undefined);
    }
  }
  return results;
}
