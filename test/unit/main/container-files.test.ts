import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertProductionSafe, loadConfig } from '../../../src/main/config/index.js';

// The container files (Dockerfile, .dockerignore, deploy/) cannot be built
// here (no container engine); these checks keep them consistent with the
// repository and with each other. docs/container.md says what was verified.

const root = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const dockerfile = read('Dockerfile');
const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
const compose = read('deploy/compose.yaml');
const nginx = read('deploy/nginx.conf');

const isIgnored = (path: string): boolean =>
  ignored.some((pattern) => (pattern.startsWith('*.') ? path.endsWith(pattern.slice(1)) : path === pattern || path.startsWith(`${pattern}/`)));

describe('Dockerfile', () => {
  const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    expect(copies.length).toBeGreaterThan(3);
    for (const path of copies) {
      expect(existsSync(new URL(path, root)), `${path} does not exist`).toBe(true);
      expect(isIgnored(path), `${path} is excluded by .dockerignore`).toBe(false);
    }
  });

  it('builds with npm ci and npm run build, and runs production dependencies as a non-root user', () => {
    expect(dockerfile).toMatch(/^FROM \S+ AS build$/m);
    expect(dockerfile).toMatch(/^RUN npm ci$/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/health/m);
  });

  it('keeps secrets and local state out of the build context', () => {
    for (const path of ['node_modules', '.git', 'dist', 'deploy/gateway.properties', 'my.properties', '.env']) {
      expect(isIgnored(path), path).toBe(true);
    }
  });
});

describe('deploy/', () => {
  const configPath = /^CMD \["server", "([^"]+)"\]$/m.exec(dockerfile)?.[1];

  it('compose mounts the config file where the image reads it', () => {
    expect(configPath).toBe('/etc/activestack/gateway.properties');
    expect(compose).toContain(`./gateway.properties:${configPath}:ro`);
  });

  it("nginx balances over compose's two gateway services, stickily, with the WebSocket upgrade", () => {
    const upstreams = [...nginx.matchAll(/^\s*server (gateway-\d):8080\b/gm)].map((m) => m[1]);
    expect(upstreams).toEqual(['gateway-1', 'gateway-2']);
    for (const name of upstreams) expect(compose).toMatch(new RegExp(`^  ${name}:$`, 'm'));
    expect(nginx).toMatch(/^\s*ip_hash;$/m);
    expect(nginx).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(nginx).toContain('proxy_set_header Connection $connection_upgrade;');
    expect(nginx).toMatch(/proxy_read_timeout 1h;/);
  });

  it('the mounted config loads without warnings and, with the secret from the environment, passes the production checks', () => {
    const { config, warnings } = loadConfig({
      file: new URL('deploy/gateway.properties', root).pathname,
      env: { FRONTEND_SESSION_SECRET: 'a-long-random-secret-from-the-environment', FRONTEND_SHUTDOWNCODE: 'a-random-shutdown-code' },
    });
    expect(warnings).toEqual([]);
    expect(config.cluster.workerCount).toBe(1);
    expect(config.gateway.socketio.transports).toEqual(['websocket', 'polling']);
    expect(() => assertProductionSafe(config)).not.toThrow();
    // Without it, the published default is refused: the file holds no secret.
    expect(() => assertProductionSafe(loadConfig({ file: new URL('deploy/gateway.properties', root).pathname, env: {} }).config)).toThrow(
      /session_secret/,
    );
  });
});
