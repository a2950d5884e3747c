import type { ControlAction, ControlTarget, StopMode, WorkerOutcome } from '../../application/control.js';
import type { LogLevel } from '../../application/ports.js';
import type { RootLogger } from '../logger.js';
import type { Supervisor } from './supervisor.js';

/** Control commands on a cluster: per-worker queries over IPC, restarts and shutdown by the supervisor. */
export class SupervisorControl implements ControlTarget {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly logger: RootLogger,
    /** Runs when a restart starts (the primary re-reads its TLS files). */
    private readonly onRestart: () => void = () => undefined,
  ) {}

  async clientCount(): Promise<WorkerOutcome[]> {
    return this.outcomes(await this.supervisor.queryAll({ op: 'clientcount' }));
  }

  async setLogLevel(level: LogLevel): Promise<WorkerOutcome[]> {
    this.logger.setLevel(level);
    return this.outcomes(await this.supervisor.queryAll({ op: 'loglevel', level }));
  }

  async setResendInterval(ms: number): Promise<WorkerOutcome[]> {
    return this.outcomes(await this.supervisor.queryAll({ op: 'resend', ms }));
  }

  async restart(mode: StopMode, ms: number): Promise<ControlAction> {
    // A second restart would replace the replacements of the first one.
    const busy = this.supervisor.isRestarting() ? 'busy: restarting' : undefined;
    return this.action(() => {
      this.onRestart();
      return mode === 'immediate' ? this.supervisor.rollingRestart(ms) : this.supervisor.gracefulRestart(ms);
    }, busy);
  }

  async shutdown(mode: StopMode, ms: number): Promise<ControlAction> {
    return this.action(() => this.supervisor.shutdown(mode, ms));
  }

  private action(run: () => Promise<void>, busy?: string): ControlAction {
    const error = this.supervisor.isShuttingDown() ? 'shutting down' : busy;
    const refused = error !== undefined;
    const outcomes = this.supervisor.serving().map(({ pid }) => (refused ? { pid, ok: false, error } : { pid, ok: true }));
    return {
      outcomes,
      start: () => {
        if (refused) return;
        run().catch((err: unknown) => this.logger.error({ err }, 'control action failed'));
      },
    };
  }

  private outcomes(answers: Array<{ pid: number; ok: boolean; clients?: number; error?: string }>): WorkerOutcome[] {
    return answers.map(({ pid, ok, clients, error }) => ({
      pid, ok, ...(clients !== undefined ? { clients } : {}), ...(error !== undefined ? { error } : {}),
    }));
  }
}
