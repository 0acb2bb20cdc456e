import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and browser tests start their own servers on ports chosen at run time;
    // two cores do not gain from more than two workers.
    maxWorkers: 2,
    // Handlers log through Powertools; tests that read the logs raise the level themselves.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', LOCAL_EVENTS_LOG: 'off' },
  },
});
