/** The layer rules of DESIGN.md, checked on every lint. */
const TRANSPORT_LIBRARIES = '^(socket\\.io|socket\\.io-client|engine\\.io|ws|fastify|@fastify/.*|fastify-socket\\.io|amqplib|ioredis)$|node_modules/(socket\\.io|socket\\.io-client|engine\\.io|ws|fastify|@fastify|fastify-socket\\.io|amqplib|ioredis)/';

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
      name: 'core-knows-no-transport',
      comment: 'nothing under src/domain or src/application imports a transport, broker or Redis library: transports are adapters',
      severity: 'error',
      from: { path: '^src/(domain|application)/' },
      to: { path: TRANSPORT_LIBRARIES },
    },
    {
      name: 'only-entries-import-main',
      comment: 'src/main is the composition root: only the bin entry and the package entry (src/library) reach into it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(main|library)/' },
      to: { path: '^src/main/' },
    },
    {
      name: 'client-sdk-stands-alone',
      comment: 'the SDK bundles for browsers: socket.io-client and its own files only (serve/bundle may use fastify and node)',
      severity: 'error',
      from: { path: '^src/client/', pathNot: '^src/client/(serve|bundle)\\.ts$' },
      to: { path: '^src/(domain|application|adapters|main|library)/' },
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
