// @ts-check
import tseslint from 'typescript-eslint';

/**
 * One-way layers (../shared/docs/DESIGN.md): a layer may import only the layers listed for it,
 * and only through their index.ts. The simulator must never import at/ or sms/, so a bug in our
 * framer or codec cannot be mirrored by the thing that tests it.
 */
// prettier-ignore
const layers = {
  shared: [],
  transport: ['shared'],
  at: ['shared', 'transport'],
  sms: ['shared'],
  // sms and modem never import each other: they meet in pool (DESIGN.md).
  modem: ['shared', 'transport', 'at'],
  pool: ['shared', 'transport', 'at', 'sms', 'modem'],
  domain: ['shared', 'sms'],
  store: ['shared', 'sms', 'domain', 'pool'],
  api: ['shared', 'domain'],
  simulator: ['shared', 'transport'],
  daemon: ['shared', 'transport', 'at', 'sms', 'modem', 'pool', 'domain', 'store', 'api', 'simulator'],
  cli: ['shared', 'transport', 'at', 'sms', 'modem', 'pool', 'domain', 'store', 'api', 'simulator', 'daemon'],
};
const allLayers = Object.keys(layers);

/**
 * The pattern refusing the layers `layer` may not import (none for the composition roots).
 * Regexes, so files in sub-folders (src/api/routes/v1/…: `../../../domain/…`) are held too.
 */
function forbiddenLayerPattern(layer, allowed) {
  const forbidden = allLayers.filter((other) => other !== layer && !allowed.includes(other));
  if (forbidden.length === 0) return [];
  return [
    {
      regex: `^(\\.\\./)+(${forbidden.join('|')})/`,
      message: `src/${layer} may import only: ${allowed.join(', ') || 'nothing of ours'} (DESIGN.md layers).`,
    },
  ];
}

const layerRules = Object.entries(layers).map(([layer, allowed]) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...forbiddenLayerPattern(layer, allowed),
          {
            regex: `^(\\.\\./)+(${allLayers.filter((other) => other !== layer).join('|')})/(?!index\\.js$)`,
            message: 'Import another layer only through its index.js.',
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'bench/results/', 'test-artifacts/'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  ...layerRules,
);
