import {
  parseControlLine,
  describeControlLine,
  type ControlCommand,
  type StopMode,
} from './control-command.js';
import type { ControlChannel, ControlReply, Logger, LogLevel } from './ports.js';

export * from './control-command.js';

/** What one worker answered. */
export interface WorkerOutcome {
  readonly pid: number;
  readonly ok: boolean;
  readonly clients?: number;
  readonly error?: string;
}

/**
 * A restart or shutdown accepted by the target: the replies are published
 * first, then `start()` runs it, since a shutdown closes the very channel the
 * replies go out on.
 */
export interface ControlAction {
  readonly outcomes: WorkerOutcome[];
  start(): void;
}

/**
 * What control commands act on: one worker in-process, or the supervisor on
 * behalf of all its workers. Every method reports one outcome per worker.
 */
export interface ControlTarget {
  clientCount(): Promise<WorkerOutcome[]>;
  setLogLevel(level: LogLevel): Promise<WorkerOutcome[]>;
  setResendInterval(ms: number): Promise<WorkerOutcome[]>;
  restart(mode: StopMode, ms: number): Promise<ControlAction>;
  shutdown(mode: StopMode, ms: number): Promise<ControlAction>;
}

export interface ControlServiceOptions {
  readonly instance: string;
  readonly pid: number;
  readonly shutdownCode: string;
  /** What `clientmessageresendinterval` without ms goes back to. */
  readonly defaultResendInterval: number;
  readonly logger: Logger;
}

/** Runs control lines from the ControlChannel against a ControlTarget and replies per worker. */
export class ControlService {
  private stopped = false;

  constructor(
    private readonly channel: ControlChannel,
    private readonly target: ControlTarget,
    private readonly opts: ControlServiceOptions,
  ) {}

  async start(): Promise<void> {
    await this.channel.onCommand((line) => {
      void this.handle(line);
    });
  }

  /** Commands arriving after this are ignored (the port has no unsubscribe). */
  stop(): void {
    this.stopped = true;
  }

  async handle(line: string): Promise<void> {
    if (this.stopped) return;
    const parsed = parseControlLine(String(line), this.opts.shutdownCode);
    if (!parsed.ok) {
      if (parsed.name === '') return;
      // PROTOCOL §5: by its command word alone. The arguments of a rejected
      // line may be anything, a code typed in the wrong place included.
      this.opts.logger.warn({ command: parsed.name, error: parsed.error }, 'control command rejected');
      await this.reply({ pid: this.opts.pid, ok: false, error: parsed.error }, parsed.name);
      return;
    }
    this.opts.logger.info({ command: describeControlLine(String(line)) }, 'control command');
    const name = parsed.command.name;
    try {
      const action = await this.run(parsed.command);
      const outcomes = Array.isArray(action) ? action : action.outcomes;
      for (const outcome of outcomes) await this.reply(outcome, name);
      if (!Array.isArray(action)) action.start();
    } catch (err) {
      this.opts.logger.error({ err, command: name }, 'control command failed');
      await this.reply({ pid: this.opts.pid, ok: false, error: 'command failed' }, name);
    }
  }

  private run(command: ControlCommand): Promise<WorkerOutcome[] | ControlAction> {
    switch (command.name) {
      case 'clientcount':
        return this.target.clientCount();
      case 'loglevel':
        return this.target.setLogLevel(command.level);
      case 'clientmessageresendinterval':
        return this.target.setResendInterval(command.ms ?? this.opts.defaultResendInterval);
      case 'restart':
        return this.target.restart(command.mode, command.ms);
      case 'shutdown':
        return this.target.shutdown(command.mode, command.ms);
    }
  }

  private async reply(outcome: WorkerOutcome, command: string): Promise<void> {
    const reply: { -readonly [K in keyof ControlReply]: ControlReply[K] } = {
      instance: this.opts.instance,
      pid: outcome.pid,
      command,
      ok: outcome.ok,
    };
    if (outcome.clients !== undefined) reply.clients = outcome.clients;
    if (outcome.error !== undefined) reply.error = outcome.error;
    try {
      await this.channel.sendReply(reply);
    } catch (err) {
      this.opts.logger.warn({ err, command }, 'control reply not sent');
    }
  }
}
