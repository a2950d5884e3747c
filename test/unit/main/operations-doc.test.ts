import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseControlLine } from '../../../src/application/control-command.js';
import { assertProductionSafe, configKeys, loadConfig } from '../../../src/main/config/index.js';

// Keeps docs/operations.md from rotting: every key and console command must
// be documented, nothing that no longer exists may be, the documented
// defaults must be the schema's and the example file must load.

const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
const controlSource = readFileSync(new URL('../../../src/application/control-command.ts', import.meta.url), 'utf8');

/** Table rows whose first cell is a backticked config key: key → cells after it. */
function documentedKeys(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const m = /^\|\s*`((?:cluster|frontend|gateway)\.[\w.]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!.split('|').map((c) => c.trim()));
  }
  return rows;
}

/** The command names of the ControlCommand union, read from the source so a new one cannot hide. */
function controlCommandNames(): string[] {
  return [...new Set([...controlSource.matchAll(/readonly name: '(\w+)'/g)].map((m) => m[1]!))];
}

function valueAt(config: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
}

describe('docs/operations.md', () => {
  it('has a table row for every configuration key', () => {
    const rows = documentedKeys();
    const missing = configKeys().filter((key) => !rows.has(key));
    expect(missing, `keys missing from docs/operations.md: ${missing.join(', ')}`).toEqual([]);
  });

  it('documents no key that the schema does not have', () => {
    const known = new Set(configKeys());
    const stale = [...documentedKeys().keys()].filter((key) => !known.has(key));
    expect(stale, `documented keys that do not exist: ${stale.join(', ')}`).toEqual([]);
  });

  it('states the schema default of every number, boolean and plain string key', () => {
    const { config } = loadConfig({ env: {} });
    const wrong: string[] = [];
    for (const [key, [cell = ''] = []] of documentedKeys()) {
      if (key === 'cluster.workerCount') continue; // depends on the machine: documented as a formula
      const value = valueAt(config, key);
      const ok =
        typeof value === 'number' ? new RegExp(`^${value}\\b`).test(cell)
        : typeof value === 'boolean' ? cell === String(value)
        : typeof value === 'string' && value === '' ? cell === 'empty'
        : typeof value === 'string' && cell.startsWith('`') ? cell === `\`${value}\``
        : true; // long lists and the published secret are described in words
      if (!ok) wrong.push(`${key}: doc says "${cell}", schema ${JSON.stringify(value)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('documents every control command in the console table', () => {
    const names = controlCommandNames();
    // Guards the extraction itself: each name must be a command the parser knows.
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const name of names) {
      const parsed = parseControlLine(name, 'code');
      expect(parsed.ok || parsed.error !== 'unknown command', `${name} is not a control command`).toBe(true);
    }
    const undocumented = names.filter((name) => !new RegExp(`^\\|\\s*\`${name}[\\s\`]`, 'm').test(doc));
    expect(undocumented, `control commands missing from docs/operations.md: ${undocumented.join(', ')}`).toEqual([]);
  });

  it('has an example .properties file that loads without warnings and passes the production checks', () => {
    const block = /```properties\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block, 'no ```properties example in docs/operations.md').toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'asgw-opsdoc-')), 'gateway.properties');
    writeFileSync(file, block!);
    const { config, warnings } = loadConfig({ file, env: {} });
    expect(warnings).toEqual([]);
    expect(config.frontend.embedded).toBe(false);
    expect(() => assertProductionSafe(config)).not.toThrow();
  });
});
