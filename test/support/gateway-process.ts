/**
 * One gateway worker in its own process, for tests that kill it.
 *
 * Imported: `spawnGateway(overrides)` starts
 *   node --import tsx test/support/gateway-process.ts --set key=value …
 * and resolves once the child printed `gateway ready port=<port> …`.
 * Run directly, this file is that child: loadConfig with the overrides (no
 * environment), startWorker, print the ready line; SIGTERM closes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface GatewayProcess {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly instance: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Everything the child wrote, for failure messages. */
  output(): string;
  /** SIGKILL: no shutdown, no DisconnectRequest, connections just drop. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the orderly shutdown. */
  stop(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);
const READY = /^gateway ready port=(\d+) instance=(\S+)$/m;

export type Overrides = Record<string, string | number | boolean>;

export const E2E_SECRET = 'e2e-secret-5f0c2b9a7d1e4c3b8a6f0e9d2c1b4a7f';
/** A real gateway refuses to start without a shutdown code of its own (PROTOCOL §4). */
export const E2E_SHUTDOWN_CODE = 'e2e-shutdown-code-3b9f1c7a';

/**
 * Config flags for a real (RabbitMQ + Redis) gateway in its own vhost and
 * Redis key space; the same for every instance of one test so they share
 * revocations and presence.
 */
export function realGatewayOverrides(vhost: string, extra: Overrides = {}): Overrides {
  return {
    'frontend.port': 0,
    'frontend.host': '127.0.0.1',
    'frontend.logLevel': 'warn',
    'frontend.session_secret': E2E_SECRET,
    // Every test client comes from 127.0.0.1: the per-address limits (tested on their own) would refuse them.
    'frontend.connections.perAddress': 0,
    'frontend.connections.perAddressPerSecond': 0,
    'frontend.shutdownCode': E2E_SHUTDOWN_CODE,
    'frontend.embedded': false,
    // Off: parallel test gateways would all want the default metrics port.
    'frontend.metrics.port': 0,
    'gateway.rabbitmq.host': '127.0.0.1',
    'gateway.rabbitmq.vhost': vhost,
    'gateway.redis.host': '127.0.0.1',
    'gateway.redis.keyPrefix': `${vhost}:`,
    'gateway.redis.gatewaycontrolqueue': `${vhost}:control`,
    ...extra,
  };
}

export async function spawnGateway(overrides: Overrides, opts: { timeoutMs?: number } = {}): Promise<GatewayProcess> {
  const args = ['--import', 'tsx', SELF];
  for (const [key, value] of Object.entries({ 'frontend.port': 0, 'frontend.host': '127.0.0.1', 'frontend.logLevel': 'warn', ...overrides })) {
    args.push('--set', `${key}=${String(value)}`);
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'test' } });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));

  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`gateway process did not get ready in ${opts.timeoutMs ?? 20_000} ms`)), opts.timeoutMs ?? 20_000);
    const check = (): void => {
      const m = READY.exec(out);
      if (m) done(() => resolve(m));
    };
    const onExit = (code: number | null): void => fail(new Error(`gateway process exited (${code}) before ready`));
    const done = (then: () => void): void => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.off('exit', onExit);
      then();
    };
    const fail = (err: Error): void =>
      done(() => {
        child.kill('SIGKILL');
        reject(new Error(`${err.message}; output:\n${out.slice(-3000)}`));
      });
    child.stdout!.on('data', check);
    child.once('exit', onExit);
  });

  const port = Number(ready[1]);
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (!dead) child.kill(sig);
    await exited;
  };
  return {
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    instance: ready[2]!,
    child,
    exited,
    output: () => out,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}

async function runChild(): Promise<void> {
  const { parseArgs } = await import('node:util');
  const { loadConfig, assertProductionSafe } = await import('../../src/main/config/index.js');
  const { startWorker } = await import('../../src/main/worker.js');
  const { values } = parseArgs({ options: { set: { type: 'string', multiple: true, default: [] } } });
  const argv: Record<string, string> = {};
  for (const pair of values.set) {
    const i = pair.indexOf('=');
    if (i < 1) throw new Error(`--set expects key=value, got "${pair}"`);
    argv[pair.slice(0, i)] = pair.slice(i + 1);
  }
  const { config } = loadConfig({ env: {}, argv });
  assertProductionSafe(config);
  const worker = await startWorker(config);
  process.stdout.write(`gateway ready port=${worker.port} instance=${worker.instance}\n`);
  const stop = (): void => {
    worker.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  runChild().catch((err: unknown) => {
    process.stderr.write(`gateway process failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
