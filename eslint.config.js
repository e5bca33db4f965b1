import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '.tools/**', '.verity/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @verity/config.' },
      ],
    },
  },
  {
    // where the environment is meant to be read: the config loaders, scripts, tests and benchmarks
    files: [
      'scripts/**',
      '**/*.cjs',
      '**/src/config.ts',
      'packages/config/src/**',
      'packages/testing/**',
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/src/test/**',
      '**/test-support/**',
      '**/bench/**',
      'apps/e2e/**',
    ],
    rules: { 'no-restricted-properties': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  // code that runs in the browser: the portal's progressive enhancement, the reference authenticator
  {
    files: ['apps/*/public/**/*.js', 'apps/authenticator/bundles/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
