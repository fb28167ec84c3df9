/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // fastify's inject() loads `cookie` 2, which is ESM only; Jest's CommonJS runtime cannot
    // require() it before Node 24.9, so it is compiled to CommonJS for the tests.
    '/node_modules/cookie/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  testMatch: ['<rootDir>/{src,detectors,playbooks,scripts,test}/**/*.test.ts', '<rootDir>/packages/*/test/**/*.test.ts'],
  // Tests run the agent from its sources, as the type-checker reads them (tsconfig.json "paths").
  moduleNameMapper: { '^@riposte/agent$': '<rootDir>/packages/agent/src' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
};
