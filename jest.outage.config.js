const base = require('./jest.e2e.config');

module.exports = {
  ...base,
  displayName: 'outage',
  testPathIgnorePatterns: ['/node_modules/'],
  roots: ['<rootDir>/test/outage'],
  maxWorkers: 1,
};
