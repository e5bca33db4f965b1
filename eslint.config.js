import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '.tools/**', '.verity/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @verity/config.' },
      ],
    },
  },
  {
    files: ['scripts/**', 'packages/config/src/**', '**/*.spec.ts', '**/*.int-spec.ts', 'packages/testing/**', '**/*.cjs', 'bench/**', '**/bench/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
