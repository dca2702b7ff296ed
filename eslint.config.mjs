// Lint for src/, test/ and bench/: typescript-eslint's recommended rules,
// type-aware, with the project's own choices said below. `make lint` runs
// it with prettier (layout) and clang-format (bpf/, native/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'native/build/', 'bpf/.output/', 'editors/', 'debian/', 'out/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // a `let` read by a callback before its one assignment cannot be a const
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // unused is an error, but `_name` says "unused on purpose" (callbacks' positions)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `void promise` marks a promise that is let go on purpose; node:test runs the tests it is handed
      '@typescript-eslint/no-floating-promises': [
        'error',
        { ignoreVoid: true, allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      // template literals of numbers and bigints are how every message here is built
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: false }],
    },
  },
  {
    // an assertion's message may well print `undefined`: that is what it is there to show
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true, allowAny: true }],
      // a callback that could await is async to fit the signature it is handed to
      '@typescript-eslint/require-await': 'off',
      // tests look for control characters on purpose
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.mjs', 'scripts/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
