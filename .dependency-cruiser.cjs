// Dependency rules, checked by `npm run check:deps` (dependency-cruiser): no import cycles anywhere in
// the code, and the web app never imports the server's code at run time (it talks to the HTTP API and
// socket.io; it may import the server's *types*, `import type`, which vanish when compiled).
// Run `svelte-kit sync` first: the TypeScript configuration it writes is what resolves the aliases.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'An import cycle makes the order modules load in matter, and the two sides one unit: break it by ' +
        'moving what both need into a third module, or by passing a dependency in (an interface) instead.',
      from: { path: '^(server|web|db|bench|test)/' },
      to: { circular: true },
    },
    {
      name: 'web-not-to-server',
      severity: 'error',
      comment:
        'The web app reaches the server over HTTP and socket.io only; server code imported at run time would ' +
        'be bundled into the browser. Types are fine: `import type`.',
      from: { path: '^web/' },
      to: { path: '^(server|db)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'resolvable',
      severity: 'error',
      comment:
        'Every import resolves to a file or a package (an unresolved one would hide a cycle or a web → server ' +
        "import): SvelteKit's virtual modules ($app/*, $env/*) and its generated ./$types are the exceptions.",
      from: { path: '^(server|web|db|bench|test)/' },
      to: { couldNotResolve: true, pathNot: ['^\\$(app|env|service-worker)(/|$)', '(^|/)\\$types$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are seen, and marked, so web-not-to-server can allow them.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // package.json "imports" (#lib/*) resolve through the exports/imports fields.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types', 'svelte'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
