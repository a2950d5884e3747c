import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUNDLE_FILE = 'activestack-client.min.js';

/**
 * The package root: the nearest folder above this file whose package.json
 * is ours. Works from src/ under tsx and from dist/ once compiled.
 */
export async function packageRoot(from = dirname(fileURLToPath(import.meta.url))): Promise<string> {
  let dir = from;
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'activestack-gateway') return dir;
    } catch {
      // no package.json here: keep climbing
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('activestack-gateway package root not found above ' + from);
    dir = parent;
  }
}

/**
 * Builds the browser bundle in memory: one minified IIFE exposing the
 * global `ActiveStack`, socket.io-client included. esbuild is loaded only
 * here, so a deployment that ships dist/client never needs it.
 */
export async function buildBrowserBundle(root: string): Promise<Buffer> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(root, 'src/client/index.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'ActiveStack',
    platform: 'browser',
    target: ['es2020'],
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error('esbuild produced no output for the client bundle');
  return Buffer.from(out.contents);
}

/**
 * In a source checkout, a bundle built now (a dist/ left from an earlier
 * build could be stale); in an installed package, which ships no src/,
 * the one in dist/client.
 */
export async function loadBrowserBundle(root: string): Promise<Buffer> {
  if (await exists(join(root, 'src/client/index.ts'))) return buildBrowserBundle(root);
  return readFile(join(root, 'dist/client', BUNDLE_FILE));
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
