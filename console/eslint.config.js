// ESLint flat config: typescript-eslint (type-aware) + eslint-plugin-svelte, as in ui/.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
  {
    ignores: ['dist/', 'node_modules/', 'test-results/', 'playwright-report/'],
  },
  js.configs.recommended,
  ts.configs.recommendedTypeChecked,
  svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: ts.parser, svelteConfig },
    },
  },
  {
    files: ['*.config.{js,ts}', 'e2e/**/*.{js,ts}', 'e2e-desk/**/*.{js,ts}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['eslint.config.js', 'svelte.config.js'],
    ...ts.configs.disableTypeChecked,
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      // Hostile text (reported items, notes) must never become markup.
      'svelte/no-at-html-tags': 'error',
      // Only src/lib/api.ts talks to the desk.
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'Call the desk through src/lib/api.ts only.' },
      ],
    },
  },
  {
    files: ['src/lib/api.ts', '**/*.test.ts', 'e2e/**', 'e2e-desk/**'],
    rules: { 'no-restricted-globals': 'off' },
  },
);
