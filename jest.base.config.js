// Shared by the unit and end-to-end configs: TypeScript through ts-jest, and the path aliases of tsconfig.json.
module.exports = {
  rootDir: __dirname,
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testEnvironment: 'node',
  moduleNameMapper: {
    '^@argilla/config(|/.*)$': '<rootDir>/libs/config/src$1',
    '^@argilla/database(|/.*)$': '<rootDir>/libs/database/src$1',
  },
};
