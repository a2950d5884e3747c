import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A redis-server (or Sentinel: `redis-server <conf> --sentinel`) started by
 * a test on a port of its own, in a temporary directory, logging to its
 * stdout. Never the shared Redis on 6379. Every one started is killed by
 * killAllRedisProcesses() (call it in afterAll).
 */
export class RedisProcess {
  private out = '';
  readonly exited: Promise<number | null>;
  private dead = false;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      this.dead = true;
      resolve(code);
    }));
  }

  /** redis-server on 127.0.0.1:port with `args` (e.g. `--replicaof 127.0.0.1 6390`), no persistence. */
  static async server(port: number, args: string[] = [], opts: { tlsPort?: boolean } = {}): Promise<RedisProcess> {
    const dir = mkdtempSync(join(tmpdir(), `asgw-redis-${port}-`));
    const listen = opts.tlsPort ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)];
    const p = RedisProcess.spawn(port, dir, [
      ...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', '', ...args,
    ]);
    await p.waitForOutput(/Ready to accept connections/, `redis-server on ${port}`);
    return p;
  }

  /** A Sentinel on 127.0.0.1:port watching `master` at 127.0.0.1:masterPort. */
  static async sentinel(port: number, master: string, masterPort: number, opts: { downAfterMs: number; failoverTimeoutMs: number }): Promise<RedisProcess> {
    const dir = mkdtempSync(join(tmpdir(), `asgw-sentinel-${port}-`));
    const conf = join(dir, 'sentinel.conf');
    // Sentinel rewrites its config file: it must be its own, writable.
    writeFileSync(conf, [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      'logfile ""',
      `sentinel monitor ${master} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${master} ${opts.downAfterMs}`,
      `sentinel failover-timeout ${master} ${opts.failoverTimeoutMs}`,
      `sentinel parallel-syncs ${master} 1`,
      '',
    ].join('\n'));
    const p = RedisProcess.spawn(port, dir, [conf, '--sentinel']);
    await p.waitForOutput(/\+monitor master/, `redis-sentinel on ${port}`);
    return p;
  }

  private static spawn(port: number, dir: string, args: string[]): RedisProcess {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.once('error', () => undefined);
    const p = new RedisProcess(port, dir, child);
    started.add(p);
    return p;
  }

  output(): string {
    return this.out;
  }

  /** Resolves once the process printed a line matching `pattern`; fails with its output if it exits or takes over 15 s. */
  async waitForOutput(pattern: RegExp, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.out)) {
      if (this.dead || Date.now() > deadline) {
        await this.kill();
        const hint = /ENOENT/.test(this.out) || this.child.pid === undefined
          ? ' — is redis-server installed (apt-get install redis-server)?'
          : '';
        throw new Error(`${what} did not start${hint}; is port ${this.port} free? Output:\n${this.out.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGKILL: no shutdown, connections drop at once (the kernel closes them). */
  async kill(): Promise<void> {
    if (!this.dead && this.child.pid !== undefined) this.child.kill('SIGKILL');
    if (this.child.pid !== undefined) await this.exited;
    started.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const started = new Set<RedisProcess>();

export async function killAllRedisProcesses(): Promise<void> {
  await Promise.all([...started].map((p) => p.kill()));
}

/** Fails, saying which, when one of `ports` is already taken on 127.0.0.1 (a leftover of an earlier run). */
export async function requireFreePorts(ports: number[]): Promise<void> {
  const taken: number[] = [];
  await Promise.all(ports.map((port) => new Promise<void>((resolve) => {
    const probe = createConnection({ host: '127.0.0.1', port });
    probe.once('connect', () => {
      taken.push(port);
      probe.destroy();
      resolve();
    });
    probe.once('error', () => resolve());
  })));
  if (taken.length > 0) {
    throw new Error(`ports ${taken.sort().join(', ')} are in use on 127.0.0.1: a test Redis of an earlier run? (\`ss -ltnp\` shows whose)`);
  }
}
