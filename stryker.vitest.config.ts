import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// Stryker (npm run mutate) runs only the unit tests: the integration and browser layers start servers
// and would take minutes per mutant. Spread, not mergeConfig: mergeConfig would append to `include`.
export default defineConfig({ ...base, test: { ...base.test, include: ['test/unit/**/*.test.ts'] } });
