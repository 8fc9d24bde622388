// Lint gate for `npm test`: typed rules catch floating promises, the bug class that loses replies.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'infra/cdk.out/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // Dependencies point inward: core never sees a chat SDK, express or an AWS client.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['express', '@slack/*', 'discord.js', '@aws-sdk/*', 'winston', '@opentelemetry/*'], message: 'core is platform-neutral' },
          { group: ['**/platforms/**', '**/runtime/**', '**/config/**', '**/telemetry/**'], message: 'core must not import outer layers' },
        ],
      }],
    },
  },
  {
    files: ['src/platforms/slack/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/discord/**', 'discord.js', '**/runtime/**'], message: 'adapters stay independent' }] }] },
  },
  {
    files: ['src/platforms/discord/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/slack/**', '@slack/*', '**/runtime/**'], message: 'adapters stay independent' }] }] },
  },
  {
    files: ['src/agent/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/platforms/**', '**/runtime/**', '@slack/*', 'discord.js', 'express'], message: 'agent knows nothing of chats' }] }] },
  },
  {
    // Telemetry implements core's TurnObserver (types only) and knows no chat or runtime code.
    files: ['src/telemetry/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/platforms/**', '**/runtime/**', '**/agent/**', '@slack/*', 'discord.js', 'express'], message: 'telemetry reads config, log and core types only' }] }] },
  },
  {
    files: ['src/config/**/*.ts', 'src/log/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../core/**', '../agent/**', '../runtime/**', '../platforms/**'], message: 'config and log import nothing from src' }] }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'infra/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test' }] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'no-console': 'off' },
  },
);
