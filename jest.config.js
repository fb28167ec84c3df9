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
  testMatch: ['<rootDir>/{src,detectors,playbooks,test}/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
};
