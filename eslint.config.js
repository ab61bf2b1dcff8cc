// Flat config: type-aware rules catch the async mistakes (floating promises) that hurt most
// in consumer loops and request handlers.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The layers (docs/architecture.md, "Layers"): the services import only domain/, contracts/,
// views/, platform/ and their own files; the layers never import a service. Relative imports
// are matched exactly: from a file N folders deep, N times `../` is the repository root, so one
// block per depth names the root folders a file there may not reach.
const SERVICES = ['gateway', 'bridge', 'streams', 'web'];
const OUTSIDE = ['schemas', 'test', 'connectors', 'bench', 'grafana', 'strimzi', 'stack', 'bin'];
const TESTS = ['**/*.spec.ts', '**/__tests__/**', '**/test/**', '**/testing/**', '**/*.fixtures.ts', '**/*.bench.ts'];
const MAX_DEPTH = 5;

// One writer per view: a view's writer (streams/processors/<view>/view-store.ts) is imported
// only from its own folder (`./view-store.js`); from anywhere else the path names the folder.
// Readers use views/. Tests may reach it (a whole-system harness writes through it).
const VIEW_WRITER = {
  regex: String.raw`(^|/)[\w-]+/view-store(\.js)?$`,
  message: 'a view has one writer: only its processor (streams/processors/<view>/) imports its view-store.ts; read it through views/',
};

function layerRule(folder, forbidden, message, { typeOnly = [], ignores = [] } = {}) {
  return Array.from({ length: MAX_DEPTH }, (_, i) => {
    const depth = i + 1;
    const up = String.raw`^(\.\./){${depth}}`;
    const patterns = [{ regex: `${up}(${forbidden.join('|')})/`, message }, VIEW_WRITER];
    if (typeOnly.length > 0) {
      patterns.push({ regex: `${up}(${typeOnly.join('|')})/`, allowTypeImports: true, message: `${message} (types only)` });
    }
    return {
      files: [`${folder}/${'*/'.repeat(depth - 1)}*.ts`],
      ignores: [...TESTS, ...ignores],
      rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
    };
  });
}

const layerRules = [
  ...SERVICES.flatMap((service) =>
    layerRule(service, [...SERVICES.filter((s) => s !== service), ...OUTSIDE], `${service}/ imports only domain/, contracts/, views/, platform/ and its own files`),
  ),
  // A view's store writes from its processor; the document types come from the processor's fold.
  ...layerRule('views', ['gateway', 'bridge', 'web', ...OUTSIDE], 'views/ imports only domain/, contracts/, platform/ and views/', { typeOnly: ['streams'] }),
  ...layerRule('contracts', [...SERVICES, 'views', ...OUTSIDE.filter((f) => f !== 'schemas')], 'contracts/ imports only domain/, platform/ and contracts/'),
  // The ACL table's changelog and dead-letter names come from platform/topic-names.ts too: no exception.
  ...layerRule('platform', [...SERVICES, 'views', ...OUTSIDE], 'platform/ imports only domain/, contracts/ and platform/'),
  // The audit re-drive is a service that lives beside the connector it completes: it imports only
  // domain/, contracts/, views/, platform/ and its own files (not the connectors' test tooling).
  {
    files: ['connectors/redrive/*.ts'],
    ignores: TESTS,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: String.raw`^\.\./\.\./(${[...SERVICES, ...OUTSIDE].join('|')})/`, message: 'connectors/redrive/ imports only domain/, contracts/, views/, platform/ and its own files' },
            { regex: String.raw`^\.\./[^.]`, message: 'connectors/redrive/ imports only domain/, contracts/, views/, platform/ and its own files' },
            VIEW_WRITER,
          ],
        },
      ],
    },
  },
  // Pure logic; the event types it folds are generated from the Avro contract.
  ...layerRule('domain', [...SERVICES, 'views', 'platform', String.raw`contracts(?!/avro/generated)`, ...OUTSIDE], 'domain/ is pure: it imports only domain/ (and the generated event types)'),
];

export default tseslint.config(
  { ignores: ['node_modules/', '.stack/', 'dist/', 'test/artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='fetchOffsets']",
          message: 'admin.fetchOffsets() crashes the process (SIGSEGV) when the group coordinator moves: use platform/committed-offsets.ts.',
        },
      ],
    },
  },
  ...layerRules,
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
