// One jest setup for every package: ESM mode (Nest 12 and otplib 13 are ESM-only), @swc/jest for speed.
// Workspace packages resolve to their sources, so tests never need a build first.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'es6' },
  },
];

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@verity/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@verity/([a-z-]+)/([a-z-]+)$': '<rootDir>/packages/$1/src/$2.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: { '^.+\\.ts$': swc },
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};

module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,packages}/*/src/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,packages}/*/src/**/*.int-spec.ts'],
      // Built first (npm test does it): jest runs global setup outside its module mapping.
      globalSetup: '<rootDir>/packages/testing/dist/global-setup.js',
      globalTeardown: '<rootDir>/packages/testing/dist/global-teardown.js',
      // they start APIs, workers and browsers: jest's 5 s fails them on a busy machine, not on a fault
      testTimeout: 30_000,
    },
  ],
};
