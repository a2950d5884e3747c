import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './children.js';

/** Where the compiled servers are written (git-ignored, with the results). */
const OUT = join(ROOT, 'bench', 'results', 'build');

/**
 * The servers as they run in production: compiled JavaScript, not source
 * through tsx. tsx compiles with esbuild's keepNames, which adds a
 * `__name(fn, …)` call to every closure created at run time; measured
 * through it, code that makes closures per request looks dearer than it is.
 * - the gateway: the package's own build (`npm run build`, into dist/),
 *   which bench/gateway-entry.ts loads when BENCH_GATEWAY_FROM=dist;
 * - the relay, and the bench's gateway entry: bundled by esbuild without
 *   keepNames (packages stay external), run by plain node, no tsx loader.
 * Returns their entries.
 */
export async function compileServers(): Promise<CompiledServers> {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const bundle = async (name: string): Promise<string> => {
    const outfile = join(OUT, `${name}.mjs`);
    await build({
      entryPoints: [join(ROOT, 'bench', `${name}.ts`)],
      outfile,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      keepNames: false,
      logLevel: 'silent',
    });
    return outfile;
  };
  return { relayEntry: await bundle('relay'), gatewayEntry: await bundle('gateway-entry') };
}

/** The compiled servers' entries (plain node runs them: no tsx loader in the process). */
export interface CompiledServers {
  readonly relayEntry: string;
  /** bench/gateway-entry.ts bundled; it imports the gateway from dist/. */
  readonly gatewayEntry: string;
}
