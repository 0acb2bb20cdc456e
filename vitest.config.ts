import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and browser tests start their own servers on ports chosen at run time;
    // two cores do not gain from more than two workers.
    maxWorkers: 2,
    // One DynamoDB Local for the run, started when a test first needs it.
    globalSetup: ['test/support/dynamodb-local-setup.ts'],
    // Handlers log through Powertools; tests that read the logs raise the level themselves.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', LOCAL_EVENTS_LOG: 'off' },
  },
});
