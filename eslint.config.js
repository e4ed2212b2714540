import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { LAYERS, forbiddenFor } from './scripts/layers.mjs';

// Layering (scripts/layers.mjs): a module in src/<folder>/ at depth d may not
// import '../'×d + a folder of a higher layer. scripts/check-imports.mjs checks
// the same table with exact resolution, plus file-level cycles.
const layerRules = LAYERS.flatMap(({ name, folders }) => folders.flatMap((folder) => {
  const higher = forbiddenFor(folder);
  if (!higher.length) return [];
  return [1, 2, 3].map((depth) => ({
    files: [`src/${folder}/${'*/'.repeat(depth - 1)}*.ts`],
    ignores: ['**/*.test.ts', '**/testdata/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: `^(\\.\\./){${depth}}(${higher.join('|')})(/|$)`,
          message: `${name} (src/${folder}) may not import from a higher layer; see scripts/layers.mjs`,
        }],
      }],
    },
  }));
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.entryway/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', fetch: 'readonly', AbortSignal: 'readonly', AbortController: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', performance: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...layerRules,
);
