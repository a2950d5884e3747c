import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface AdminAsset {
  readonly type: string;
  readonly body: Buffer;
}

/** URL path under /admin/ → the file served, read once. */
export type AdminAssets = ReadonlyMap<string, AdminAsset>;

const PAGE_FILES: ReadonlyArray<[string, string]> = [
  ['index.html', 'text/html; charset=utf-8'],
  ['admin.js', 'application/javascript; charset=utf-8'],
  ['admin.css', 'text/css; charset=utf-8'],
];

/**
 * The page is plain HTML, CSS and JS next to this file (copied to dist by
 * the build); the charts are uPlot's own prebuilt browser files from its
 * npm package. Nothing is built or fetched at run time.
 */
export async function loadAdminAssets(): Promise<AdminAssets> {
  const assets = new Map<string, AdminAsset>();
  for (const [name, type] of PAGE_FILES) {
    assets.set(name, { type, body: await readFile(fileURLToPath(new URL(`./page/${name}`, import.meta.url))) });
  }
  const require = createRequire(import.meta.url);
  assets.set('uPlot.iife.min.js', { type: 'application/javascript; charset=utf-8', body: await readFile(require.resolve('uplot/dist/uPlot.iife.min.js')) });
  assets.set('uPlot.min.css', { type: 'text/css; charset=utf-8', body: await readFile(require.resolve('uplot/dist/uPlot.min.css')) });
  return assets;
}
