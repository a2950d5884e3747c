import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// `npm install` on a supported Node must not warn EBADENGINE. Supported
// (README, after "Running it for real"): running the gateway, Node 20 and later (what
// package.json's engines promises); developing it (devDependencies: vite,
// dependency-cruiser), Node 20.19+ or 22.13+.

const root = new URL('../../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } | string[] }>;
};

/** Packages (production only, or all) whose engines.node excludes `version`. */
function refusing(version: string, which: 'production' | 'all' = 'production'): string[] {
  return Object.entries(lock.packages).flatMap(([path, entry]) => {
    const counted = which === 'all' || !entry.dev;
    const range = counted && entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
    if (path === '' || range === undefined) return [];
    return semver.satisfies(version, range, { includePrerelease: true }) ? [] : [`${path}@${entry.version} wants node ${range}`];
  });
}

describe('Node versions', () => {
  it('package.json promises Node 20 and later', () => {
    expect(semver.minVersion(pkg.engines.node)?.major).toBe(20);
  });

  it('no dependency, dev included, refuses the running Node', () => {
    expect(refusing(process.version, 'all')).toEqual([]);
  });

  it('no production dependency refuses Node 20.0 or 22.0', () => {
    expect(refusing('20.0.0')).toEqual([]);
    expect(refusing('22.0.0')).toEqual([]);
  });

  it('no dependency, dev included, refuses Node 20.19 or 22.13', () => {
    expect(refusing('20.19.0', 'all')).toEqual([]);
    expect(refusing('22.13.0', 'all')).toEqual([]);
  });

  it("fastify's inject (light-my-request on the pinned cookie 1.x) still sends cookies", async () => {
    const app = Fastify();
    app.get('/', async (req) => ({ cookie: req.headers.cookie ?? null }));
    try {
      const res = await app.inject({ url: '/', cookies: { a: '1', b: 'x y' } });
      expect(res.json()).toEqual({ cookie: 'a=1; b=x%20y' });
    } finally {
      await app.close();
    }
  });
});
