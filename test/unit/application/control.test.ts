import { describe, expect, it } from 'vitest';
import {
  ControlService,
  parseControlLine,
  shutdownCodeMatches,
  type ControlTarget,
  type WorkerOutcome,
} from '../../../src/application/control.js';
import type { ControlReply, Logger } from '../../../src/application/ports.js';
import { InMemoryControlChannel, InMemoryControlHub } from '../../../src/adapters/memory/in-memory-control-channel.js';

const CODE = 's3cret-code';

describe('parseControlLine', () => {
  it('reads the command word case-insensitively and keeps arguments as typed', () => {
    expect(parseControlLine('ClientCount', CODE)).toEqual({ ok: true, command: { name: 'clientcount' } });
    expect(parseControlLine('  LOGLEVEL debug ', CODE)).toEqual({ ok: true, command: { name: 'loglevel', level: 'debug' } });
    expect(parseControlLine('loglevel DEBUG', CODE)).toMatchObject({ ok: false, name: 'loglevel' });
    // The original's console sends winston's names.
    expect(parseControlLine('loglevel verbose', CODE)).toEqual({ ok: true, command: { name: 'loglevel', level: 'debug' } });
    expect(parseControlLine('loglevel silly', CODE)).toEqual({ ok: true, command: { name: 'loglevel', level: 'trace' } });
    expect(parseControlLine('clientMessageResendInterval 2500', CODE)).toEqual({
      ok: true, command: { name: 'clientmessageresendinterval', ms: 2500 },
    });
    expect(parseControlLine('clientmessageresendinterval', CODE)).toEqual({
      ok: true, command: { name: 'clientmessageresendinterval', ms: undefined },
    });
  });

  it('parses restart modes and delays with defaults', () => {
    expect(parseControlLine('restart', CODE)).toEqual({ ok: true, command: { name: 'restart', mode: 'immediate', ms: 500 } });
    expect(parseControlLine('restart graceful 9000', CODE)).toEqual({ ok: true, command: { name: 'restart', mode: 'graceful', ms: 9000 } });
    expect(parseControlLine('restart 100', CODE)).toEqual({ ok: true, command: { name: 'restart', mode: 'immediate', ms: 100 } });
    expect(parseControlLine('restart Graceful', CODE)).toMatchObject({ ok: true, command: { mode: 'graceful' } });
  });

  it('rejects bad arguments and unknown commands with a reason', () => {
    for (const line of ['restart soon', 'restart graceful -5', 'restart graceful 5 6', 'clientmessageresendinterval 0',
      'clientmessageresendinterval fast', 'loglevel', 'clientcount now', 'frobnicate']) {
      const parsed = parseControlLine(line, CODE);
      expect(parsed.ok, line).toBe(false);
      if (!parsed.ok) expect(parsed.error.length).toBeGreaterThan(0);
    }
    expect(parseControlLine('x'.repeat(5000), CODE)).toMatchObject({ ok: false });
  });

  it('refuses a resend interval under 100 ms as a bad argument (PROTOCOL §5)', () => {
    for (const ms of ['1', '11', '99']) {
      expect(parseControlLine(`clientmessageresendinterval ${ms}`, CODE)).toEqual({
        ok: false, name: 'clientmessageresendinterval', error: 'ms must be a whole number from 100 to 86400000',
      });
    }
    expect(parseControlLine('clientmessageresendinterval 100', CODE)).toEqual({
      ok: true, command: { name: 'clientmessageresendinterval', ms: 100 },
    });
  });

  it('names an unknown command by its word cut short', () => {
    expect(parseControlLine('shutdwn pass123', CODE)).toEqual({ ok: false, name: 'shutdwn', error: 'unknown command' });
    expect(parseControlLine('Averyveryverylongword and more', CODE)).toEqual({ ok: false, name: 'averyveryver…', error: 'unknown command' });
  });

  it('accepts shutdown only with the right code, and never returns the code', () => {
    expect(parseControlLine(`shutdown ${CODE} graceful 100`, CODE)).toEqual({
      ok: true, command: { name: 'shutdown', mode: 'graceful', ms: 100 },
    });
    for (const line of ['shutdown', 'shutdown wrong', `shutdown ${CODE.toUpperCase()}`, `shutdown ${CODE}x`, `SHUTDOWN s3cret`]) {
      const parsed = parseControlLine(line, CODE);
      expect(parsed).toMatchObject({ ok: false, name: 'shutdown' });
      expect(JSON.stringify(parsed)).not.toContain('s3cret');
    }
  });

  it('never accepts a shutdown when no code is configured', () => {
    expect(shutdownCodeMatches('', '')).toBe(false);
    expect(parseControlLine('shutdown', '')).toMatchObject({ ok: false });
    expect(shutdownCodeMatches(CODE, CODE)).toBe(true);
  });
});

function recordingTarget() {
  const calls: string[] = [];
  const started: string[] = [];
  const two = (extra: Partial<WorkerOutcome> = {}): WorkerOutcome[] => [{ pid: 1, ok: true, ...extra }, { pid: 2, ok: true, ...extra }];
  const target: ControlTarget = {
    clientCount: async () => { calls.push('clientcount'); return [{ pid: 1, ok: true, clients: 3 }, { pid: 2, ok: true, clients: 4 }]; },
    setLogLevel: async (level) => { calls.push(`loglevel ${level}`); return two(); },
    setResendInterval: async (ms) => { calls.push(`resend ${ms}`); return two(); },
    restart: async (mode, ms) => { calls.push(`restart ${mode} ${ms}`); return { outcomes: two(), start: () => started.push('restart') }; },
    shutdown: async (mode, ms) => { calls.push(`shutdown ${mode} ${ms}`); return { outcomes: two(), start: () => started.push('shutdown') }; },
  };
  return { target, calls, started };
}

function recordingLogger(lines: string[]): Logger {
  const log = (obj: Record<string, unknown> | string, msg?: string) => { lines.push(JSON.stringify([obj, msg])); };
  const logger: Logger = { trace: log, debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

async function setup() {
  const hub = new InMemoryControlHub();
  const serviceChannel = new InMemoryControlChannel(hub);
  const operator = new InMemoryControlChannel(hub);
  const replies: ControlReply[] = [];
  await operator.onReply((r) => replies.push(r));
  const logs: string[] = [];
  const { target, calls, started } = recordingTarget();
  const service = new ControlService(serviceChannel, target, {
    instance: 'inst-1', pid: 99, shutdownCode: CODE, defaultResendInterval: 7500, logger: recordingLogger(logs),
  });
  await service.start();
  const send = async (line: string, expectReplies: number): Promise<ControlReply[]> => {
    const from = replies.length;
    await operator.sendCommand(line);
    await expect.poll(() => replies.length - from).toBe(expectReplies);
    return replies.slice(from);
  };
  return { send, calls, started, logs, service };
}

describe('ControlService', () => {
  it('answers clientcount with one reply per worker', async () => {
    const { send } = await setup();
    const replies = await send('clientcount', 2);
    expect(replies).toEqual([
      { instance: 'inst-1', pid: 1, command: 'clientcount', ok: true, clients: 3 },
      { instance: 'inst-1', pid: 2, command: 'clientcount', ok: true, clients: 4 },
    ]);
  });

  it('sets the log level and the resend interval, falling back to the configured interval', async () => {
    const { send, calls } = await setup();
    expect((await send('LogLevel warn', 2)).every((r) => r.ok && r.command === 'loglevel')).toBe(true);
    await send('clientmessageresendinterval 1200', 2);
    await send('clientmessageresendinterval', 2);
    expect(calls).toEqual(['loglevel warn', 'resend 1200', 'resend 7500']);
  });

  it('replies before it starts a restart', async () => {
    const { send, calls, started } = await setup();
    const replies = await send('restart graceful 2000', 2);
    expect(replies.map((r) => r.command)).toEqual(['restart', 'restart']);
    expect(calls).toEqual(['restart graceful 2000']);
    expect(started).toEqual(['restart']);
  });

  it('with a wrong shutdown code changes nothing, replies ok:false and neither echoes nor logs the code', async () => {
    const { send, calls, started, logs } = await setup();
    const [reply] = await send('shutdown guess-1234 immediate', 1);
    expect(reply).toMatchObject({ instance: 'inst-1', pid: 99, command: 'shutdown', ok: false });
    expect(JSON.stringify(reply)).not.toContain('guess-1234');
    expect(calls).toEqual([]);
    expect(started).toEqual([]);
    expect(logs.join('\n')).not.toContain('guess-1234');
  });

  it('shuts down with the right code without logging it', async () => {
    const { send, calls, started, logs } = await setup();
    await send(`shutdown ${CODE} graceful 50`, 2);
    expect(calls).toEqual(['shutdown graceful 50']);
    expect(started).toEqual(['shutdown']);
    expect(logs.join('\n')).not.toContain(CODE);
  });

  it('rejects bad arguments and unknown commands with ok:false and the lower-cased word', async () => {
    const { send, calls } = await setup();
    expect((await send('LOGLEVEL loud', 1))[0]).toMatchObject({ command: 'loglevel', ok: false });
    expect((await send('Frobnicate', 1))[0]).toMatchObject({ command: 'frobnicate', ok: false, error: 'unknown command' });
    expect(calls).toEqual([]);
  });

  it('logs and answers a rejected line by its command word alone, never with its arguments', async () => {
    const { send, calls, logs } = await setup();
    const lines = [
      // A mistyped command word: the code after it must not reach the log, the reply or the replies channel.
      { line: 'shutdwn pass123 graceful 10', command: 'shutdwn' },
      { line: `SHUTDWN ${CODE} immediate`, command: 'shutdwn' },
      // A code typed where the command word goes: only its start is shown.
      { line: `${CODE}-and-more shutdown`, command: 's3cret-code-…' },
      // A known word with a bad argument: the argument is left out too.
      { line: 'loglevel pass123', command: 'loglevel' },
      { line: 'clientmessageresendinterval pass123', command: 'clientmessageresendinterval' },
      { line: 'shutdown pass123 immediate', command: 'shutdown' },
    ];
    for (const { line, command } of lines) {
      const [reply] = await send(line, 1);
      expect(reply).toMatchObject({ command, ok: false });
      expect(JSON.stringify(reply)).not.toMatch(/pass123|and-more|immediate|graceful/);
    }
    expect(calls).toEqual([]);
    const rejected = logs.filter((l) => l.includes('control command rejected'));
    expect(rejected).toHaveLength(lines.length);
    for (const log of rejected) expect(log).not.toMatch(/pass123|s3cret-code-and|immediate|graceful/);
    expect(rejected[0]).toBe(JSON.stringify([{ command: 'shutdwn', error: 'unknown command' }, 'control command rejected']));
  });

  it('ignores commands once stopped', async () => {
    const { send, service, calls } = await setup();
    service.stop();
    await send('clientcount', 0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([]);
  });
});
