const base = require('./jest.base.config');

module.exports = {
  ...base,
  displayName: 'unit',
  roots: ['<rootDir>/libs', '<rootDir>/apps'],
  testRegex: '\\.spec\\.ts$',
};
