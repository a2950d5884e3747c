import type { ControlChannel, Logger } from '../ports.js';
import type { WorkerStats } from '../stats/stats-sample.js';
import { parseStatsRequest } from './stats-request.js';

/** What a worker reports about itself: its status with the samples taken after `since`. */
export type WorkerStatsSource = (since: number) => WorkerStats;

/**
 * The worker's side of the admin bus: answers every `stats` request with
 * its own WorkerStats. Every worker runs one, so the page sees the whole
 * deployment whichever worker served it.
 */
export class StatsResponder {
  private stopped = false;

  constructor(
    private readonly bus: ControlChannel,
    private readonly source: WorkerStatsSource,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.bus.onCommand((line) => {
      void this.answer(line);
    });
  }

  /** Requests after this go unanswered (the port has no unsubscribe). */
  stop(): void {
    this.stopped = true;
  }

  private async answer(line: string): Promise<void> {
    if (this.stopped) return;
    const request = parseStatsRequest(line);
    if (!request) {
      this.logger.debug({ line: String(line).slice(0, 80) }, 'ignoring a line on the admin bus that is no stats request');
      return;
    }
    try {
      const stats = this.source(request.since);
      await this.bus.sendReply({ instance: stats.instance, pid: stats.pid, command: 'stats', ok: true, requestId: request.id, stats });
    } catch (err) {
      this.logger.warn({ err }, 'stats reply not sent');
    }
  }
}
