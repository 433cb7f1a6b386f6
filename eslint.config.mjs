// `npm run lint` (and the lint stage of `npm test`): typescript-eslint for the TypeScript everywhere, plus
// eslint-plugin-lit and eslint-plugin-wc for the elements. Formatting is Prettier's job (.prettierrc.json);
// none of these configs carries formatting rules, so the two never disagree.
import js from '@eslint/js';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', '.tmp/', 'custom-elements.json', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,mts}'],
    rules: {
      // `_`-prefixed names are deliberately unused (a callback's position, a destructured-away field).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Fakes built from object literals name their owner `self` on purpose; no other alias of `this`.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      // `let x; … callback reads x … x = create()`: the callback runs later, so x cannot be const at its declaration.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  { files: ['src/**/*.ts'], ...wc.configs['flat/recommended'] },
  { files: ['src/**/*.ts'], ...lit.configs['flat/recommended'] },
  {
    // Chai's property assertions (`expect(x).to.be.true`) are expressions by design.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    // Input sanitising matches control, bidi and combining characters on purpose (names, headers, file names).
    rules: { 'no-control-regex': 'off', 'no-misleading-character-class': 'off' },
  },
  {
    // Plain JavaScript runs in Node (scripts, configs, benchmarks) or in the demo pages; TypeScript checks the rest.
    files: ['**/*.{js,mjs,cjs}'],
    rules: { 'no-undef': 'off' },
  },
);
