import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, ROOT } from './ops-process.js';

/**
 * `npm start` as a newcomer (or a process manager) runs it: a signal sent to
 * npm must reach the gateway, which drains and exits, and npm with it.
 * (Before, npm's shell died and left the gateway running, orphaned.)
 */
const leftovers: number[] = [];

afterAll(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts `npm start -- --port N`; resolves with npm's child and the gateway's pid once it listens. */
async function npmStart(): Promise<{ npm: ChildProcess; gatewayPid: number; exited: Promise<number | null>; output: () => string }> {
  const port = await freePort();
  const npm = spawn('npm', ['start', '--', '--port', String(port)], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // 'close': npm has exited and its output pipes are closed, which the
  // gateway (it inherits them) does only when it exits too.
  const exited = new Promise<number | null>((resolve) =>
    npm.once('close', (code, signal) => {
      out += `\n[npm closed: code ${code}, signal ${signal}]\n`;
      resolve(code);
    }),
  );
  const gatewayPid = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not listen within 30 s:\n${out}`)), 30_000);
    const check = (): void => {
      const line = out.split('\n').find((l) => l.includes('"msg":"gateway listening"'));
      if (!line) return;
      clearTimeout(timer);
      npm.stdout!.off('data', check);
      resolve((JSON.parse(line) as { pid: number }).pid);
    };
    npm.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before listening:\n${out}`)));
  });
  leftovers.push(gatewayPid);
  // The stop handlers are installed in the same turn of the event loop as
  // "gateway listening", right after it: an HTTP answer comes in a later
  // turn, so after them. (Node's own default handler would otherwise end
  // the process at once, without the drain this test looks for.)
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  expect(health.status).toBe(200);
  return { npm, gatewayPid, exited, output: () => out };
}

async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('npm start forwards signals to the gateway', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s to npm stops the gateway and npm', async (signal) => {
    const { npm, gatewayPid, exited, output } = await npmStart();
    expect(gatewayPid).not.toBe(npm.pid);
    expect(alive(gatewayPid)).toBe(true);
    npm.kill(signal);
    await within(10_000, `npm and the gateway exiting after ${signal}`, exited);
    // Its pipes are closed; poll briefly in case its exit is still being reaped.
    await within(5_000, `gateway ${gatewayPid} gone`, (async () => {
      while (alive(gatewayPid)) await new Promise((r) => setTimeout(r, 50));
    })());
    expect(output()).toContain('"msg":"gateway closed"');
  }, 60_000);
});
