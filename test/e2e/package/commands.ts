import { spawn, type ChildProcess } from 'node:child_process';

export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

export interface CommandOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
}

/**
 * The environment of a user's shell: this process's, without what npm put
 * there for the script that started the tests (npm_config_*, npm_package_*,
 * npm_lifecycle_*): those would carry this checkout's .npmrc (ignore-scripts)
 * into an install that must behave as a user's.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_(config|package|lifecycle)_/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/**
 * Runs a command to its end; never throws: the caller asserts on code and
 * output. It leads a process group of its own, so that a timeout ends what
 * it started too (npx, tsx and the script are three processes).
 */
export function run(command: string, args: readonly string[], opts: CommandOptions): Promise<CommandResult> {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? userEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return finished(child, opts.timeoutMs, `${command} ${args.join(' ')}`, () => signalGroup(child, 'SIGKILL'));
}

/** Signals the process group `child` leads; false once it is gone. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-child.pid!, signal);
    return true;
  } catch {
    return false;
  }
}

/** Runs a shell script (a doc's ```sh block) as written. */
export function sh(script: string, opts: CommandOptions): Promise<CommandResult> {
  return run('sh', ['-e', '-c', script], opts);
}

export function finished(child: ChildProcess, timeoutMs: number, what: string, kill: () => void): Promise<CommandResult> {
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      output += `\n[test: ${what} killed after ${timeoutMs} ms]`;
      kill();
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/**
 * A long-running process whose output can be waited on. It leads a process
 * group of its own, and signals go to the whole group, as Ctrl-C in a
 * terminal does: `npx tsx x.ts` is three processes, and npx alone does not
 * pass a signal on.
 */
export class Background {
  private output = '';
  readonly exited: Promise<CommandResult>;

  constructor(readonly child: ChildProcess, what: string, timeoutMs: number) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exited = finished(child, timeoutMs, what, () => void this.signal('SIGKILL')).then((r) => ({ ...r, output: this.output }));
  }

  static start(command: string, args: readonly string[], opts: CommandOptions): Background {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? userEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    return new Background(child, `${command} ${args.join(' ')}`, opts.timeoutMs);
  }

  /** Signals the process group; false once it is gone. */
  signal(signal: NodeJS.Signals): boolean {
    return signalGroup(this.child, signal);
  }

  get text(): string {
    return this.output;
  }

  /** The first match of `pattern` in the output, waiting up to timeoutMs; throws with the output so far. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void this.exited.then(() => (gone = true));
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (gone || Date.now() > deadline) {
        throw new Error(`${gone ? 'process exited' : `no ${pattern} within ${timeoutMs} ms`}; output:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends `signal` and waits (bounded) for the exit. */
  async stop(signal: NodeJS.Signals, timeoutMs: number): Promise<CommandResult> {
    this.signal(signal);
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => {
        this.signal('SIGKILL');
        reject(new Error(`no exit within ${timeoutMs} ms of ${signal}; output:\n${this.output}`));
      }, timeoutMs).unref(),
    );
    return Promise.race([this.exited, timeout]);
  }
}

/** The last lines of a command's output, for assertion messages. */
export function tail(result: CommandResult, lines = 60): string {
  return `exit ${result.code ?? result.signal}\n${result.output.split('\n').slice(-lines).join('\n')}`;
}
