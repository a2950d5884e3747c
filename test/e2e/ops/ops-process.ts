/**
 * The real CLI in a child process (`node --import tsx src/main/bin.ts …`),
 * with its JSON log lines parsed so tests can wait for what it reports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'src/main/bin.ts');

export type LogRecord = Record<string, unknown> & { level: number; msg: string; pid: number };

/** A config file for a real gateway on its own control channel and Redis key space. */
export function writeConfig(extra: Record<string, unknown> = {}): { file: string; channel: string } {
  const tag = randomBytes(4).toString('hex');
  const channel = `asgw-e2e-${tag}`;
  const config = {
    'cluster.workerCount': 2,
    'frontend.port': 0,
    'frontend.host': '127.0.0.1',
    'frontend.logLevel': 'info',
    'frontend.session_secret': `e2e-ops-secret-${randomBytes(16).toString('hex')}`,
    'frontend.shutdownCode': 'e2e-right-code',
    'gateway.redis.host': '127.0.0.1',
    'gateway.redis.gatewaycontrolqueue': channel,
    'gateway.redis.keyPrefix': `asgw-e2e-${tag}:`,
    'gateway.rabbitmq.host': '127.0.0.1',
    // Off unless a test asks for it: parallel test gateways would all want the default port.
    'frontend.metrics.port': 0,
    // Every test client comes from 127.0.0.1: the per-address limits (tested on their own) would refuse them.
    'frontend.connections.perAddress': 0,
    'frontend.connections.perAddressPerSecond': 0,
    ...extra,
  };
  const file = join(mkdtempSync(join(tmpdir(), 'asgw-ops-')), 'gateway.properties');
  writeFileSync(file, Object.entries(config).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join('\n'));
  return { file, channel };
}

/** The environment without any gateway settings of the machine running the tests. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(FRONTEND_|CLUSTER_|GATEWAY_|ACTIVESTACK_|ASGW_)/.test(k)) env[k] = v;
  }
  return env;
}

export class ServerProcess {
  readonly logs: LogRecord[] = [];
  /** Every stdout line as written, JSON or not. */
  readonly lines: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private text = '';
  private waiters: Array<{ match: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }> = [];

  /** `entry` runs instead of the real CLI (a test entry that wraps it); `env` is added. */
  constructor(args: string[], opts: { entry?: string; env?: Record<string, string> } = {}) {
    this.child = spawn(process.execPath, ['--import', 'tsx', opts.entry ?? BIN, 'server', ...args], {
      cwd: ROOT, env: { ...cleanEnv(), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.onLine(line);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => { this.text += chunk.toString(); });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  output(): string {
    return this.text.slice(-4000);
  }

  /** Resolves with the first log record (past or future) that matches. */
  waitForLog(match: (r: LogRecord) => boolean, what: string, timeoutMs = 20_000, from = 0): Promise<LogRecord> {
    const seen = this.logs.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (r: LogRecord) => { clearTimeout(timer); resolve(r); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`gateway never logged ${what}; output:\n${this.output()}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Resolves once `done(logs)` holds, checked at every new log record. */
  async until(done: (logs: LogRecord[]) => boolean, what: string, timeoutMs: number): Promise<void> {
    if (done(this.logs)) return;
    await this.waitForLog(() => done(this.logs), what, timeoutMs, this.logs.length);
  }

  /** Waits until `count` workers have logged that they listen; returns their port. */
  async listening(count: number): Promise<number> {
    const pids = new Set<number>();
    let port = 0;
    await this.waitForLog((r) => {
      if (r.msg === 'gateway listening') {
        pids.add(r.pid);
        port = Number(r.port);
      }
      return pids.size >= count;
    }, `${count} workers listening`);
    return port;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  private onLine(line: string): void {
    this.text += `${line}\n`;
    this.lines.push(line);
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      return;
    }
    this.logs.push(record);
    for (const w of [...this.waiters]) {
      if (w.match(record)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(record);
      }
    }
  }
}

/** Runs the console with `script` piped in; resolves with what it printed. */
export function runConsole(file: string, script: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'console', file], {
    cwd: ROOT, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  child.stdin.end(script);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`console did not finish:\n${out}`)); }, 30_000);
    child.once('exit', () => { clearTimeout(timer); resolve(out); });
  });
}

/** `host pid N  command  ok  clients=K` lines of the console output. */
export function replies(out: string, command: string): Array<{ pid: number; ok: boolean; clients?: number }> {
  return out.split('\n').flatMap((line) => {
    const m = new RegExp(`pid (\\d+)  ${command}  (ok|FAILED)(?:  clients=(\\d+))?`).exec(line);
    return m ? [{ pid: Number(m[1]), ok: m[2] === 'ok', ...(m[3] !== undefined ? { clients: Number(m[3]) } : {}) }] : [];
  });
}
