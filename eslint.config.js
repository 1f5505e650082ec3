import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

export default ts.config(
  {
    ignores: [
      '.tmp/',
      '**/*.scratch.*',
      'dist/',
      'node_modules/',
      'data/',
      'test-results/',
      'playwright-report/',
      'dev-dist/',
      '**/*.onnx',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser } },
  },
  {
    // The pipeline runs in workers and in Node: the DOM is off limits (the typecheck enforces it too).
    files: ['src/pipeline/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', 'document', 'window', 'localStorage'],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path'],
              message: 'src/pipeline must run in browsers too; Node-only code belongs in server/.',
            },
            {
              // Types of onnxruntime-common are the backend interface's; the runtimes themselves are not.
              group: ['onnxruntime-node', 'onnxruntime-web', 'onnxruntime-web/*', 'mediabunny', '@ffmpeg/*'],
              message:
                'src/pipeline is runtime-agnostic: the browser runtime lives in src/workers/, the Node runtime in server/.',
            },
          ],
        },
      ],
    },
  },
);
