import type { CompiledServers } from './compile.js';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { vhostUrl } from './broker.js';
import { ROOT, startTs, type Started } from './children.js';
import { SIDES, type Side } from './scenarios.js';

export interface ServerOptions {
  readonly vhost: string;
  /** Servers' own output (warnings, errors). */
  readonly logFile: string;
  /** Run under `node --cpu-prof`, profiles in this directory (one subdirectory per side). */
  readonly profileDir?: string;
  /** Extra arguments for bench/gateway-entry.ts (e.g. --set key=value). */
  readonly gatewayArgs?: readonly string[];
  /** Extra arguments for bench/relay.ts (e.g. --coalesce). */
  readonly relayArgs?: readonly string[];
  /** Extra node options for every server (e.g. --trace-gc). */
  readonly nodeArgs?: readonly string[];
  /** Compiled servers (see compile.ts): the relay's bundle; absent = source through tsx. */
  readonly compiled?: CompiledServers;
}

export interface RunningServer {
  readonly server: Started;
  readonly port: number;
  /** Where the load generator connects for this side. */
  readonly url: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function urlFor(side: Side, port: number): string {
  return SIDES[side].transport === 'ws' ? `ws://127.0.0.1:${port}/ws` : `http://127.0.0.1:${port}`;
}

export async function startServer(side: Side, opts: ServerOptions): Promise<RunningServer> {
  const spec = SIDES[side];
  let nodeArgs: string[] = [...(opts.nodeArgs ?? [])];
  if (opts.profileDir) {
    const dir = join(opts.profileDir, side);
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', dir);
  }
  const common = { nodeArgs, logFile: opts.logFile, env: { BENCH_GATEWAY_FROM: opts.compiled ? 'dist' : 'src' } };
  if (spec.server === 'relay') {
    const server = await startTs(opts.compiled?.relayEntry ?? 'bench/relay.ts', ['--port', '0', '--amqp', vhostUrl(opts.vhost), ...(opts.relayArgs ?? [])], { ready: /^relay listening (\d+)/, ...common });
    const port = Number(server.matches[0]![1]);
    return { server, port, url: urlFor(side, port) };
  }
  const extra = [...(opts.gatewayArgs ?? []), ...(spec.gatewayArgs ?? [])];
  if (!spec.supervised) {
    const server = await startTs(opts.compiled?.gatewayEntry ?? 'bench/gateway-entry.ts', ['--port', '0', '--vhost', opts.vhost, ...extra], { ready: /^gateway listening (\d+)/, ...common });
    const port = Number(server.matches[0]![1]);
    return { server, port, url: urlFor(side, port) };
  }
  const port = await freePort();
  const server = await startTs(
    opts.compiled?.gatewayEntry ?? 'bench/gateway-entry.ts',
    ['--port', String(port), '--vhost', opts.vhost, '--workers', String(spec.workers), '--supervise', ...extra],
    { ready: /^gateway worker ready (\d+)/, count: spec.workers, timeoutMs: 60_000, ...common },
  );
  return { server, port, url: urlFor(side, port) };
}

/**
 * Fresh servers for every measurement (so that memory figures start from
 * the same state), except in --quick mode where start-up would dominate.
 */
export class Servers {
  private readonly running = new Map<Side, RunningServer>();
  constructor(
    private readonly reuse: boolean,
    private readonly opts: ServerOptions,
  ) {}

  async get(side: Side): Promise<RunningServer> {
    const have = this.running.get(side);
    if (have) return have;
    const started = await startServer(side, this.opts);
    this.running.set(side, started);
    return started;
  }

  async release(side: Side): Promise<void> {
    if (this.reuse) return;
    await this.stop(side);
  }

  async stopAll(): Promise<void> {
    for (const side of [...this.running.keys()]) await this.stop(side);
  }

  private async stop(side: Side): Promise<void> {
    const s = this.running.get(side);
    this.running.delete(side);
    await s?.server.stop();
  }
}

export const RESULTS_DIR = join(ROOT, 'bench', 'results');
