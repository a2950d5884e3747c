import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ControlChannel, ControlReply } from '../application/ports.js';

export interface ConsoleOptions {
  readonly channel: ControlChannel;
  readonly input: Readable;
  readonly output: Writable;
  /** How long to keep listening after the last command or reply. */
  readonly replyTimeoutMs?: number;
  /** Show a prompt (interactive terminals). */
  readonly prompt?: boolean;
}

const COMMANDS = ['clientcount', 'clientmessageresendinterval', 'loglevel', 'restart', 'shutdown'];

const HELP = [
  'commands:',
  '  clientcount                                  connected clients of every worker',
  '  loglevel <trace|debug|info|warn|error|fatal|silent>',
  '  clientmessageresendinterval [ms]             no ms: back to the configured value',
  '  restart [immediate|graceful] [ms]',
  '  shutdown <code> [immediate|graceful] [ms]',
  '  quit',
].join('\n');

export function formatReply(r: ControlReply): string {
  const parts = [`${r.instance} pid ${r.pid}`, r.command, r.ok ? 'ok' : 'FAILED'];
  if (r.clients !== undefined) parts.push(`clients=${r.clients}`);
  if (r.error !== undefined) parts.push(`error: ${r.error}`);
  return parts.join('  ');
}

/**
 * The operator console: reads command lines, publishes them on the control
 * channel and prints every worker's reply as it arrives. Works piped: after
 * the input ends it waits replyTimeoutMs past the last command or reply.
 * Resolves once done; closes the channel.
 */
export async function runConsole(opts: ConsoleOptions): Promise<void> {
  const timeoutMs = opts.replyTimeoutMs ?? 2000;
  const write = (line: string): void => { opts.output.write(`${line}\n`); };
  let rl: ReturnType<typeof createInterface> | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let repliesSinceCommand = 0;
  let inputEnded = false;
  let finished = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => { resolveDone = resolve; });

  const finish = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    if (idleTimer) clearTimeout(idleTimer);
    rl?.close();
    await opts.channel.close().catch(() => undefined);
    resolveDone();
  };
  const prompt = (): void => { if (opts.prompt && !inputEnded) opts.output.write('gateway> '); };
  const armIdle = (): void => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (repliesSinceCommand === 0) write(`(no reply within ${timeoutMs} ms)`);
      repliesSinceCommand = -1;
      if (inputEnded) void finish();
      else prompt();
    }, timeoutMs);
  };

  await opts.channel.onReply((reply) => {
    if (finished) return;
    write(formatReply(reply));
    if (repliesSinceCommand >= 0) repliesSinceCommand++;
    if (idleTimer) armIdle();
  });

  const handle = async (raw: string): Promise<void> => {
    if (inputEnded) return;
    const line = raw.trim();
    const word = line.split(/\s+/)[0]?.toLowerCase() ?? '';
    if (word === '') return prompt();
    if (word === 'quit' || word === 'exit') {
      inputEnded = true;
      if (!idleTimer) await finish();
      return;
    }
    if (word === 'help' || word === '?') {
      write(HELP);
      return prompt();
    }
    if (!COMMANDS.includes(word)) {
      write(`unknown command "${word}"; type help`);
      return prompt();
    }
    try {
      await opts.channel.sendCommand(line);
      repliesSinceCommand = 0;
      armIdle();
    } catch (err) {
      write(`could not send: ${(err as Error).message}`);
      prompt();
    }
  };

  // Read only once subscribed, so no reply can be missed. Lines are handled
  // one after another so a piped script keeps its order.
  rl = createInterface({ input: opts.input, terminal: false });
  let queue = Promise.resolve();
  rl.on('line', (line) => { queue = queue.then(() => handle(line)); });
  rl.on('close', () => {
    queue = queue.then(async () => {
      inputEnded = true;
      if (!idleTimer) await finish();
    });
  });
  prompt();
  return done;
}
