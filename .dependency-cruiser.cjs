/** The layer rules of DESIGN.md, checked on every lint. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports only domain files and node:crypto',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^crypto$', '^node:crypto$'] },
    },
    {
      name: 'application-imports-only-domain',
      comment: 'src/application imports domain, its own files, tsyringe for injection and crypto (pure)',
      severity: 'error',
      from: { path: '^src/application/' },
      to: {
        pathNot: ['^src/domain/', '^src/application/', 'node_modules/(tsyringe|reflect-metadata)/', '^(tsyringe|reflect-metadata)$', '^(node:)?crypto$'],
      },
    },
    {
      name: 'adapters-do-not-import-main',
      severity: 'error',
      from: { path: '^src/(adapters|application|domain|client)/' },
      to: { path: '^src/main/' },
    },
    {
      name: 'client-sdk-stands-alone',
      comment: 'the SDK bundles for browsers: socket.io-client and its own files only (serve/bundle may use fastify and node)',
      severity: 'error',
      from: { path: '^src/client/', pathNot: '^src/client/(serve|bundle)\\.ts$' },
      to: { path: '^src/(domain|application|adapters|main)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
