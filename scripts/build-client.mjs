#!/usr/bin/env node
// Builds the client SDK: an ESM bundle for bundlers and <script type=module>
// (socket.io-client left external), and one minified browser IIFE exposing
// the global `ActiveStack` (socket.io-client included), plus the demo page;
// and copies the admin page's files next to its compiled routes.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/client');
const entry = join(root, 'src/client/index.ts');

await mkdir(join(out, 'demo'), { recursive: true });
await build({
  entryPoints: [entry],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: ['es2020'],
  external: ['socket.io-client'],
  outfile: join(out, 'activestack-client.esm.js'),
  sourcemap: true,
  logLevel: 'warning',
});
await build({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  format: 'iife',
  globalName: 'ActiveStack',
  platform: 'browser',
  target: ['es2020'],
  legalComments: 'none',
  outfile: join(out, 'activestack-client.min.js'),
  logLevel: 'warning',
});
for (const file of ['index.html', 'demo.js']) {
  await copyFile(join(root, 'src/client/demo', file), join(out, 'demo', file));
}
// The admin page is plain files next to its routes, served as they are.
await mkdir(join(root, 'dist/adapters/admin/page'), { recursive: true });
for (const file of ['index.html', 'admin.js', 'admin.css']) {
  await copyFile(join(root, 'src/adapters/admin/page', file), join(root, 'dist/adapters/admin/page', file));
}

const min = await readFile(join(out, 'activestack-client.min.js'));
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`dist/client/activestack-client.min.js: ${kib(min.length)} minified, ${kib(gzipSync(min).length)} gzipped`);
