const base = require('./jest.base.config');

module.exports = {
  ...base,
  displayName: 'e2e',
  roots: ['<rootDir>/test'],
  testRegex: '\\.e2e-spec\\.ts$',
  // Serial suites stop PostgreSQL or measure time: they run alone, after the others (see test/run-tests.js).
  testPathIgnorePatterns: ['/node_modules/', '/test/serial/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
