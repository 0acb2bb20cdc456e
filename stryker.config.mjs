// Mutation testing of the pure domain (issue 17): `npm run mutate`. Not part of `npm test` or CI —
// it runs the unit tests once per mutant and takes minutes. See docs/testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner', './stryker-message-text.mjs'],
  // Message text (failure and error messages) is not counted: see stryker-message-text.mjs.
  ignorers: ['message-text'],
  vitest: { configFile: 'stryker.vitest.config.ts' },
  mutate: ['shared/domain/**/*.ts'],
  reporters: ['clear-text', 'html', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  // The machine is shared: one or two test processes at a time.
  concurrency: 2,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
  timeoutMS: 10000,
};
