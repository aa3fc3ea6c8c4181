const e2e = require('./jest.e2e.config');

// The Swagger UI check in headless Chromium (/usr/bin/chromium); skipped when it is missing
// unless TEST_REQUIRE_BROWSER=true.
module.exports = {
  ...e2e,
  displayName: 'browser',
  roots: ['<rootDir>/test/browser'],
  testRegex: '\\.browser-spec\\.ts$',
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
};
