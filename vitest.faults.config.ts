import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the fault runs on real RabbitMQ and Redis. Files
 * end in `.fault.ts` so the normal `npm test` (test/**\/*.test.ts) never
 * picks them up: they stop Redis and cut broker connections. One file at a
 * time: they load the machine and must not break each other's services.
 */
const soak = process.env.FAULTS_SOAK === '1';

export default defineConfig({
  test: {
    // The soak runs 10 minutes: only on request (FAULTS_SOAK=1), and then alone.
    include: soak ? ['test/faults/soak.fault.ts'] : ['test/faults/**/*.fault.ts'],
    exclude: soak ? [] : ['test/faults/soak.fault.ts', '**/node_modules/**'],
    testTimeout: 30 * 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
});
