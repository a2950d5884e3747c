import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { BUNDLE_FILE, exists, loadBrowserBundle, packageRoot } from './bundle.js';

export interface ClientAssetsOptions {
  /** Serve the demo page at GET / (embedded mode only: it logs in as the demo user). */
  readonly demo: boolean;
}

/**
 * Serves the browser SDK at GET /activestack-client.min.js and, with
 * `demo`, the demo page at GET / and its script at GET /demo.js. Everything
 * is read (or built) once here and served from memory.
 */
export async function registerClientAssets(app: FastifyInstance, opts: ClientAssetsOptions): Promise<void> {
  const root = await packageRoot();
  const bundle = await loadBrowserBundle(root);
  app.get(`/${BUNDLE_FILE}`, async (_req, reply) =>
    reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(bundle),
  );
  if (!opts.demo) return;
  const page = await readDemoFile(root, 'index.html');
  const script = await readDemoFile(root, 'demo.js');
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get('/demo.js', async (_req, reply) => reply.type('application/javascript; charset=utf-8').send(script));
}

/** src/client/demo in a source checkout (never stale), dist/client/demo in an installed package. */
async function readDemoFile(root: string, name: string): Promise<Buffer> {
  const source = join(root, 'src/client/demo', name);
  return readFile((await exists(source)) ? source : join(root, 'dist/client/demo', name));
}
