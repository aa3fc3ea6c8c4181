const base = require('./jest.e2e.config');

module.exports = {
  ...base,
  displayName: 'serial',
  testPathIgnorePatterns: ['/node_modules/'],
  roots: ['<rootDir>/test/serial'],
  maxWorkers: 1,
};
