// Layering of the code base, checked by `npm run lint` (dependency-cruiser).
//
//   apps (argilla-server, argilla-cli)      never import each other; nothing in libs/ imports them
//   libs, lowest first:                     a lib imports only libs below it
//     common < config < database < users < workspaces < auth
//
// Tests (test/ and *.spec.ts), bench/ and scripts/ may import anything: they are not cruised
// (test/, bench/, scripts/) or not rule sources (*.spec.ts).

const LIB_ORDER = ['common', 'config', 'database', 'users', 'workspaces', 'auth'];
const ORDER_TEXT = LIB_ORDER.join(' < ');
const NOT_A_TEST = '\\.spec\\.ts$';

/** One rule per lib: it must not import any lib at or above its own place in LIB_ORDER. */
const libLayerRules = LIB_ORDER.slice(0, -1).map((lib, index) => {
  const higher = LIB_ORDER.slice(index + 1);
  return {
    name: `lib-layer-${lib}`,
    severity: 'error',
    comment:
      `libs/${lib} may only import libs below it (order: ${ORDER_TEXT}); ` +
      `it must not import ${higher.map((name) => `@argilla/${name}`).join(', ')}.`,
    from: { path: `^libs/${lib}/`, pathNot: NOT_A_TEST },
    to: { path: `^libs/(${higher.join('|')})/` },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'lib-imports-app',
      severity: 'error',
      comment: 'A lib must not import an app (apps/argilla-server, apps/argilla-cli): apps sit on top of the libs.',
      from: { path: '^libs/', pathNot: NOT_A_TEST },
      to: { path: '^apps/' },
    },
    {
      name: 'app-imports-other-app',
      severity: 'error',
      comment:
        'An app must not import another app: move the shared code into a lib under libs/ and import it as @argilla/<name>.',
      from: { path: '^apps/([^/]+)/', pathNot: NOT_A_TEST },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    ...libLayerRules,
    {
      name: 'unresolvable-import',
      severity: 'error',
      comment:
        'An import in apps/ or libs/ that cannot be resolved (a missing file, or an @argilla/<name> alias ' +
        'missing from tsconfig.json "paths"): the layering rules cannot check it.',
      from: { path: '^(apps|libs)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // type-only imports count too: a type from a higher layer is still a dependency on it
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json', '.d.ts'],
    },
  },
};
