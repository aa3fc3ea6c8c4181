// Shared by the unit and end-to-end configs: TypeScript through ts-jest, and the path aliases of tsconfig.json.
module.exports = {
  rootDir: __dirname,
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testEnvironment: 'node',
  moduleNameMapper: {
    '^@argilla/config(|/.*)$': '<rootDir>/libs/config/src$1',
    '^@argilla/database(|/.*)$': '<rootDir>/libs/database/src$1',
    '^@argilla/common$': '<rootDir>/libs/common/src',
    '^@argilla/users$': '<rootDir>/libs/users/src',
    '^@argilla/workspaces$': '<rootDir>/libs/workspaces/src',
    '^@argilla/auth$': '<rootDir>/libs/auth/src',
    '^@argilla/client$': '<rootDir>/libs/client/src',
  },
};
