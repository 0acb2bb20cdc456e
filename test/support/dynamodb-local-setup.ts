import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local';

declare module 'vitest' {
  export interface ProvidedContext {
    /** POST here for the run's DynamoDB Local: {"url": …}, started on the first request. */
    dynamodbLocalBroker: string;
  }
}

/**
 * vitest globalSetup: DynamoDB Local (in memory) for the run, shared by every worker, each
 * gateway on its own table (startLocalStack's dynamodbEndpoint). Its JVM takes seconds to
 * start, so one per gateway would cost minutes per run; it starts only when a test first
 * asks for one (a unit-test run never pays it) and stops at teardown.
 *
 * An engine serves LEASES_PER_ENGINE gateways, then a fresh one takes the next: the engine
 * slows down as a run accumulates in it (every table's stream records outlive the table, as
 * in DynamoDB), and measured in one run of the whole suite, files ran up to ten times slower
 * late in the run than alone (ses-compatible 124 s against 13 s; four tests timed out). A
 * retired engine stops once every gateway it served has released it (POST /release).
 */
const LEASES_PER_ENGINE = 8;

interface Engine {
  readonly started: Promise<DynamoDbLocal>;
  served: number;
  active: number;
  retired: boolean;
}

export default async function setup(project: TestProject) {
  const engines = new Map<string, Engine>();
  let current: Engine | undefined;
  const stop = (engine: Engine) => {
    void engine.started.then(
      (e) => {
        engines.delete(e.url);
        return e.stop();
      },
      () => undefined,
    );
  };
  const broker = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://broker');
    if (url.pathname === '/release') {
      const engine = engines.get(url.searchParams.get('engine') ?? '');
      if (engine) {
        engine.active -= 1;
        if (engine.retired && engine.active <= 0) stop(engine);
      }
      res.writeHead(204).end();
      return;
    }
    if (current && current.served >= LEASES_PER_ENGINE) {
      current.retired = true;
      if (current.active <= 0) stop(current);
      current = undefined;
    }
    current ??= { started: startDynamoDbLocal(), served: 0, active: 0, retired: false };
    const engine = current;
    engine.served += 1;
    engine.active += 1;
    engine.started.then(
      (e) => {
        engines.set(e.url, engine);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: e.url }));
      },
      (error: Error) => {
        // The next request tries again (the error is shown to the test that asked).
        if (current === engine) current = undefined;
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(error.message);
      },
    );
  });
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  project.provide('dynamodbLocalBroker', `http://127.0.0.1:${(broker.address() as AddressInfo).port}`);
  return async () => {
    await new Promise((resolve) => broker.close(resolve));
    const all = [...new Set([...engines.values(), ...(current ? [current] : [])])];
    await Promise.all(all.map((e) => e.started.then((started) => started.stop()).catch(() => undefined)));
  };
}
