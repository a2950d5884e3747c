import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeys, loadConfig } from '../../../src/main/config/index.js';

// Keeps docs/security.md honest: the keys it names exist, the defaults in
// its table of limits are the schema's, and its properties example loads.

const doc = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');

function valueAt(config: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
}

describe('docs/security.md', () => {
  it('names only configuration keys that exist', () => {
    const known = new Set(configKeys());
    const named = [...doc.matchAll(/`((?:frontend|gateway|cluster)\.[\w.]+)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(10);
    // `gateway.rabbitmq.*` and `gateway.events.*` name groups; `frontend.loginMaxAge` is announced as to come.
    const unknown = named.filter((key) => !known.has(key) && !key.endsWith('.*') && key !== 'frontend.loginMaxAge');
    expect(unknown, `keys in docs/security.md that the schema does not have: ${unknown.join(', ')}`).toEqual([]);
  });

  it('gives the schema default of every key in its table of limits', () => {
    const { config } = loadConfig({ env: {} });
    const rows = [...doc.matchAll(/^\|[^|]+\|\s*`([\w.]+)`\s*\|\s*([^|]+?)\s*\|/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(8);
    const wrong = rows
      .filter(([, key, cell]) => String(valueAt(config, key!)) !== cell)
      .map(([, key, cell]) => `${key}: doc says ${cell}, schema ${String(valueAt(config, key!))}`);
    expect(wrong).toEqual([]);
  });

  it('has a Redis TLS example that loads without warnings', () => {
    const block = /```properties\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'asgw-secdoc-')), 'redis.properties');
    writeFileSync(file, block!);
    const { config, warnings } = loadConfig({ file, env: {} });
    expect(warnings).toEqual([]);
    expect(config.gateway.redis).toMatchObject({ tls: true, port: 6380, username: 'activestack-gateway' });
  });
});
