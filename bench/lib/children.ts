import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Started {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The capture groups of every ready line seen, in order. */
  readonly matches: RegExpExecArray[];
  /** Last lines of stdout/stderr, for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

/** Process groups started and not yet stopped: ended with the orchestrator, however it ends. */
const running = new Set<number>();
let exitHookInstalled = false;

function endAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
  // A signal would otherwise end the orchestrator without 'exit' handlers: servers and agent would outlive it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(130));
}

/**
 * Runs an entry (TypeScript under tsx; compiled .mjs/.js with plain node)
 * in its own process group (so that a supervisor's workers go with it) and
 * resolves once `ready` has matched `count` lines of its stdout.
 */
export function startTs(
  entry: string,
  args: string[],
  opts: { ready: RegExp; count?: number; timeoutMs?: number; nodeArgs?: string[]; logFile?: string; env?: NodeJS.ProcessEnv },
): Promise<Started> {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, entry, ...args], {
    cwd: ROOT,
    ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  endAllOnExit();
  running.add(child.pid!);
  child.once('exit', () => running.delete(child.pid!));
  const lines: string[] = [];
  const matches: RegExpExecArray[] = [];
  const remember = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > 40) lines.shift();
      const m = opts.ready.exec(line);
      if (m) matches.push(m);
    }
  };
  child.stdout!.on('data', remember);
  child.stderr!.on('data', remember);
  if (opts.logFile) {
    const log = createWriteStream(opts.logFile, { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  }
  const tail = (): string => lines.join('\n');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 8000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${entry} was not ready within ${opts.timeoutMs ?? 30000} ms; its output:\n${tail()}`));
    }, opts.timeoutMs ?? 30_000);
    const check = (): void => {
      if (matches.length >= (opts.count ?? 1)) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve({ child, pid: child.pid!, matches, tail, stop });
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code ?? signal}) before it was ready; its output:\n${tail()}`));
    });
  });
}

/** The load generator, driven over IPC. */
export function forkTs(entry: string): ChildProcess {
  return fork(entry, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
