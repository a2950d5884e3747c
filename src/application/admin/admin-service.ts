import { randomBytes } from 'node:crypto';
import { describeControlLine } from '../control-command.js';
import type { Clock, ControlChannel, ControlReply, InstancePresence, Logger, SessionStore } from '../ports.js';
import type { WorkerStats } from '../stats/stats-sample.js';
import { DeploymentHistory } from './deployment-history.js';
import { deploymentView, type DeploymentState } from './deployment-view.js';
import { formatStatsRequest } from './stats-request.js';

/** The console commands the page offers (PROTOCOL §5). */
export const ADMIN_COMMANDS = ['clientcount', 'loglevel', 'clientmessageresendinterval', 'restart', 'shutdown'] as const;

export interface AdminServiceDeps {
  /** Where `stats` requests go and every worker answers (a channel of its own, so consoles never see them). */
  readonly adminBus: ControlChannel;
  /** The operators' control channel, as the console uses it. */
  readonly control: ControlChannel;
  readonly store: Pick<SessionStore, 'presenceByInstance'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface AdminServiceOptions {
  /** The workers' sampling interval, ms. */
  readonly intervalMs: number;
  /** Longest wait for the workers' stats replies, ms. Default 800. */
  readonly statsWaitMs?: number;
  /** Longest wait for the replies to a command, ms (a supervisor asks its workers with a 2 s timeout). Default 3000. */
  readonly commandWaitMs?: number;
  /** Presence is read at most this often, ms. Default 2000. */
  readonly presenceCacheMs?: number;
  readonly windowMs?: number;
}

export interface CommandResult {
  readonly ok: boolean;
  /** The line as logged: the shutdown code replaced by ***. */
  readonly command: string;
  readonly replies: readonly ControlReply[];
  /** Why nothing was sent. */
  readonly failure?: 'not-a-command' | 'channel-unavailable';
  readonly error?: string;
}

/**
 * What the admin page asks of the deployment: its state (every worker's
 * stats over the admin bus, presence from the store) and the console
 * commands, each logged with the name of the token that ran it. Usable in
 * any process that has the two channels and the store.
 */
export class AdminService {
  private readonly history: DeploymentHistory;
  private readonly statsWaitMs: number;
  private readonly commandWaitMs: number;
  private readonly presenceCacheMs: number;
  /** Our own requests of the last minute: only their replies bring samples (no gaps). */
  private readonly ownRequests = new Map<string, number>();
  private readonly statsWaiters = new Map<string, (stats: WorkerStats) => void>();
  private readonly replyWaiters = new Set<(reply: ControlReply) => void>();
  private round: { startedAt: number; done: Promise<void> } | undefined;
  private presence: { at: number; read: Promise<{ list?: InstancePresence[]; error?: string }> } | undefined;

  constructor(
    private readonly deps: AdminServiceDeps,
    private readonly opts: AdminServiceOptions,
  ) {
    this.history = new DeploymentHistory(opts.windowMs !== undefined ? { windowMs: opts.windowMs } : {});
    this.statsWaitMs = opts.statsWaitMs ?? 800;
    this.commandWaitMs = opts.commandWaitMs ?? 3000;
    this.presenceCacheMs = opts.presenceCacheMs ?? 2000;
  }

  /** Subscribes to both reply channels. Rejects while Redis is down; the channels subscribe again when it is back. */
  async start(): Promise<void> {
    await Promise.all([
      this.deps.adminBus.onReply((reply) => this.onStatsReply(reply)),
      this.deps.control.onReply((reply) => {
        for (const waiter of [...this.replyWaiters]) waiter(reply);
      }),
    ]);
  }

  /** The deployment now, with the chart rows after `since` (epoch ms; 0 for the whole window). */
  async state(since: number): Promise<DeploymentState> {
    const [, presence] = await Promise.all([this.statsRound(), this.readPresence()]);
    const now = this.deps.clock.now();
    this.history.prune(now);
    return deploymentView({
      history: this.history,
      presence: presence.list,
      ...(presence.error !== undefined ? { presenceError: presence.error } : {}),
      since,
      now,
      intervalMs: this.opts.intervalMs,
    });
  }

  /** Publishes a console command and gathers the workers' replies; `who` is the token's name, for the audit log. */
  async command(line: string, who: string): Promise<CommandResult> {
    const text = String(line).trim();
    const word = text.split(/\s+/)[0]?.toLowerCase() ?? '';
    const command = describeControlLine(text);
    if (text.length > 1024 || !(ADMIN_COMMANDS as readonly string[]).includes(word)) {
      this.deps.logger.warn({ admin: who, command }, 'admin command refused: not a console command');
      return { ok: false, command, replies: [], failure: 'not-a-command', error: `not a console command; one of ${ADMIN_COMMANDS.join(', ')}` };
    }
    this.deps.logger.info({ admin: who, command }, 'admin command');
    const expected = this.history.answering(this.deps.clock.now());
    const replies: ControlReply[] = [];
    let finish!: () => void;
    const done = new Promise<void>((resolve) => { finish = resolve; });
    const waiter = (reply: ControlReply): void => {
      if (reply.command !== word) return;
      replies.push(reply);
      if (expected > 0 && replies.length >= expected) finish();
    };
    this.replyWaiters.add(waiter);
    const timer = this.deps.clock.setTimer(this.commandWaitMs, finish);
    try {
      await this.deps.control.sendCommand(text);
    } catch (err) {
      this.replyWaiters.delete(waiter);
      this.deps.clock.clearTimer(timer);
      this.deps.logger.error({ err, admin: who, command }, 'admin command not sent');
      return { ok: false, command, replies: [], failure: 'channel-unavailable', error: 'the control channel is unavailable (Redis down?)' };
    }
    await done;
    this.replyWaiters.delete(waiter);
    this.deps.clock.clearTimer(timer);
    const failed = replies.filter((r) => !r.ok).length;
    this.deps.logger.info({ admin: who, command, replies: replies.length, failed }, 'admin command answered');
    return { ok: replies.length > 0 && failed === 0, command, replies };
  }

  /** One request to every worker; pages polling together share it. */
  private statsRound(): Promise<void> {
    const now = this.deps.clock.now();
    if (this.round && now - this.round.startedAt < this.opts.intervalMs / 2) return this.round.done;
    const id = randomBytes(6).toString('hex');
    const since = this.history.since(now);
    const expected = this.history.answering(now);
    for (const [old, at] of this.ownRequests) if (now - at > 60_000) this.ownRequests.delete(old);
    this.ownRequests.set(id, now);
    const done = new Promise<void>((resolve) => {
      let answers = 0;
      const finish = (): void => {
        this.deps.clock.clearTimer(timer);
        this.statsWaiters.delete(id);
        resolve();
      };
      const timer = this.deps.clock.setTimer(this.statsWaitMs, finish);
      this.statsWaiters.set(id, () => {
        if (expected > 0 && ++answers >= expected) finish();
      });
      this.deps.adminBus.sendCommand(formatStatsRequest({ id, since })).catch((err: unknown) => {
        this.deps.logger.warn({ err }, 'stats request not sent');
        finish();
      });
    });
    this.round = { startedAt: now, done };
    return done;
  }

  private onStatsReply(reply: ControlReply): void {
    const { stats, requestId } = reply;
    if (reply.command !== 'stats' || stats === undefined || requestId === undefined || !this.ownRequests.has(requestId)) return;
    this.history.record(stats, this.deps.clock.now());
    this.statsWaiters.get(requestId)?.(stats);
  }

  private readPresence(): Promise<{ list?: InstancePresence[]; error?: string }> {
    const now = this.deps.clock.now();
    if (this.presence && now - this.presence.at < this.presenceCacheMs) return this.presence.read;
    const read = this.deps.store.presenceByInstance().then(
      (list) => ({ list }),
      (err: unknown) => {
        this.deps.logger.debug({ err }, 'presence unreadable');
        return { error: (err as Error)?.message ?? String(err) };
      },
    );
    this.presence = { at: now, read };
    return read;
  }
}
