/**
 * The CLI from any entry file in a child process, with its JSON log lines
 * parsed. ServerProcess (ops-process.ts) always runs src/main/bin.ts; this
 * one can run a test entry and pass extra environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, type LogRecord } from './ops-process.js';

export class CliProcess {
  readonly logs: LogRecord[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private text = '';
  private readonly listeners = new Set<() => void>();

  constructor(entry: string, args: string[], env: Record<string, string> = {}) {
    const base: NodeJS.ProcessEnv = {};
    // The machine's own gateway settings must not leak into the test.
    for (const [k, v] of Object.entries(process.env)) if (!/^(FRONTEND_|CLUSTER_|GATEWAY_|ACTIVESTACK_|ASGW_)/.test(k)) base[k] = v;
    this.child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.onLine(line);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => { this.text += chunk.toString(); });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  output(): string {
    return this.text.slice(-4000);
  }

  /** Resolves once `done(logs)` holds; fails after timeoutMs saying `what` and what was logged. */
  until(done: (logs: LogRecord[]) => boolean, what: string, timeoutMs: number): Promise<void> {
    if (done(this.logs)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done(this.logs)) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`the gateway never got to ${what}; output:\n${this.output()}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
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
    try {
      this.logs.push(JSON.parse(line) as LogRecord);
    } catch {
      return;
    }
    for (const check of [...this.listeners]) check();
  }
}
