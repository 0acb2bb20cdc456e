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
 * vitest globalSetup: one DynamoDB Local (in memory) for the whole run, shared by every
 * worker, each gateway on its own table (startLocalStack's dynamodbEndpoint). Its JVM
 * takes seconds to start, so one per gateway would cost minutes per run; it starts only
 * when a test first asks for it (a unit-test run never pays it) and stops at teardown.
 */
export default async function setup(project: TestProject) {
  let engine: Promise<DynamoDbLocal> | undefined;
  const broker = createServer((_req, res) => {
    engine ??= startDynamoDbLocal();
    engine.then(
      (e) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: e.url }));
      },
      (error: Error) => {
        // The next request tries again (the error is shown to the test that asked).
        engine = undefined;
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(error.message);
      },
    );
  });
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  project.provide('dynamodbLocalBroker', `http://127.0.0.1:${(broker.address() as AddressInfo).port}`);
  return async () => {
    await new Promise((resolve) => broker.close(resolve));
    const started = await engine?.catch(() => undefined);
    await started?.stop();
  };
}
