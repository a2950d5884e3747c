import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ControlService, type ControlTarget } from '../../../src/application/control.js';
import type { Logger } from '../../../src/application/ports.js';
import { InMemoryControlChannel, InMemoryControlHub } from '../../../src/adapters/memory/in-memory-control-channel.js';
import { runConsole } from '../../../src/main/console.js';

const quiet: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

async function gatewayOn(hub: InMemoryControlHub, instance: string, clients: number[], levels: string[]) {
  const pids = clients.map((_, i) => 100 + i);
  const all = () => pids.map((pid) => ({ pid, ok: true }));
  const target: ControlTarget = {
    clientCount: async () => pids.map((pid, i) => ({ pid, ok: true, clients: clients[i]! })),
    setLogLevel: async (level) => { levels.push(level); return all(); },
    setResendInterval: async () => all(),
    restart: async () => ({ outcomes: all(), start: () => undefined }),
    shutdown: async () => ({ outcomes: all(), start: () => undefined }),
  };
  const service = new ControlService(new InMemoryControlChannel(hub), target, {
    instance, pid: 1, shutdownCode: 'right-code', defaultResendInterval: 7500, logger: quiet,
  });
  await service.start();
}

async function pipeConsole(hub: InMemoryControlHub, script: string): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => { text += d.toString(); });
  const channel = new InMemoryControlChannel(hub);
  const done = runConsole({ channel, input, output, replyTimeoutMs: 200 });
  input.end(script);
  await done;
  return text;
}

describe('console (piped)', () => {
  it('prints the reply of every worker of every instance, then exits when input ends', async () => {
    const hub = new InMemoryControlHub();
    const levels: string[] = [];
    await gatewayOn(hub, 'host-a', [2, 3], levels);
    await gatewayOn(hub, 'host-b', [5], levels);
    const out = await pipeConsole(hub, 'clientcount\nloglevel debug\n');
    const lines = out.trim().split('\n');
    expect(lines.filter((l) => l.includes('clientcount'))).toHaveLength(3);
    expect(out).toContain('host-a pid 100  clientcount  ok  clients=2');
    expect(out).toContain('host-a pid 101  clientcount  ok  clients=3');
    expect(out).toContain('host-b pid 100  clientcount  ok  clients=5');
    expect(lines.filter((l) => l.includes('loglevel  ok'))).toHaveLength(3);
    expect(levels).toEqual(['debug', 'debug']);
  });

  it('shows a wrong shutdown code as failed without echoing it', async () => {
    const hub = new InMemoryControlHub();
    await gatewayOn(hub, 'host-a', [1], []);
    const out = await pipeConsole(hub, 'shutdown not-the-code\n');
    expect(out).toContain('shutdown  FAILED');
    expect(out).not.toContain('not-the-code');
  });

  it('says so when nobody answers, refuses unknown commands locally, and stops at quit', async () => {
    const hub = new InMemoryControlHub();
    const out = await pipeConsole(hub, 'frobnicate\nclientcount\nquit\nclientcount\n');
    expect(out).toContain('unknown command "frobnicate"');
    expect(out).toContain('(no reply within 200 ms)');
    expect(out.match(/no reply/g)).toHaveLength(1);
  });

  it('closes its channel when done', async () => {
    const hub = new InMemoryControlHub();
    await pipeConsole(hub, 'help\n');
    expect(hub.replyHandlers.size).toBe(0);
  });
});
