// eslint over server, web, bench and tests: typescript-eslint's recommended rules, plus the two the
// project insists on: no explicit `any`, and no promise left floating (a forgotten await loses errors).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'build/', '.svelte-kit/', 'data/', 'test-results/', 'db/migrations/', 'web/static/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // A variable read by a closure before its one assignment (a handle set once the server exists) stays
    // `let`. (TypeScript files: in Svelte files `let { … } = $props()` is the idiom.)
    files: ['**/*.ts'],
    rules: { 'prefer-const': ['error', { ignoreReadBeforeAssign: true }] },
  },
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // The platform is served at the origin's root (no paths.base), so plain hrefs are already resolved.
      'svelte/no-navigation-without-resolve': 'off',
      // `{' '}` is how a deliberate space between inline elements survives the formatter's line breaks.
      'svelte/no-useless-mustaches': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
