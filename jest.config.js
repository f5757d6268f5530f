/** Two projects: pure unit tests, and integration tests against a real PostgreSQL. */
const transform = {
  '^.+\\.ts$': ['ts-jest', { isolatedModules: true }],
  // hyparquet-writer (and hyparquet, which it uses) are published as ES modules only; Node runs it natively (require(esm)), jest needs it as CommonJS.
  '/node_modules/hyparquet(-writer)?/.+\\.js$': ['ts-jest', { isolatedModules: true, tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node' } }],
};
const transformIgnorePatterns = ['/node_modules/(?!hyparquet(-writer)?/)'];
module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles: ['reflect-metadata'],
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles: ['reflect-metadata'],
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
};
