import {
  ControlService,
  DEFAULT_GRACE_MS,
  type ControlAction,
  type ControlTarget,
  type StopMode,
  type WorkerOutcome,
} from '../../application/control.js';
import type { GatewayConfig } from '../config/index.js';
import type { RootLogger } from '../logger.js';
import { startWorker, type RunningWorker } from '../worker.js';
import { stopWorker } from './drain.js';
import { onStopSignals } from './signals.js';

export interface SingleProcess {
  /** Resolves when the gateway has shut down (signal or control command). */
  readonly done: Promise<void>;
  port(): number;
  stop(mode: StopMode, ms?: number): Promise<void>;
}

/**
 * workerCount 1: no supervisor, the worker runs in this process and listens
 * to the control channel itself (the worker's own). A restart closes the
 * worker and starts a new one in place, so during a graceful restart new
 * sockets are refused until the old clients are gone.
 */
export async function runSingleProcess(
  config: GatewayConfig,
  logger: RootLogger,
  opts: { signals?: boolean } = {},
): Promise<SingleProcess> {
  let running: RunningWorker = await startWorker(config, { logger });
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => { resolveDone = resolve; });
  let stopping: Promise<void> | undefined;
  let restarting: Promise<void> | undefined;
  const me = (extra: Partial<WorkerOutcome> = {}): WorkerOutcome[] => [{ pid: process.pid, ok: true, ...extra }];
  const refuse = (): ControlAction => ({ outcomes: me({ ok: false, error: 'busy: restarting or shutting down' }), start: () => undefined });

  const stop = async (mode: StopMode, ms = DEFAULT_GRACE_MS): Promise<void> => {
    if (stopping && mode === 'graceful') return stopping;
    const previous = stopping;
    stopping = (async () => {
      service.stop();
      if (!previous) await restarting?.catch(() => undefined);
      await stopWorker(running, mode, ms, logger);
      removeSignals();
      resolveDone();
    })();
    return stopping;
  };

  const target: ControlTarget = {
    clientCount: async () => me({ clients: running.clientCount() }),
    setLogLevel: async (level) => {
      running.setLogLevel(level);
      return me();
    },
    setResendInterval: async (ms) => {
      running.setResendInterval(ms);
      return me();
    },
    restart: async (mode, ms) => {
      if (stopping || restarting) return refuse();
      return {
        outcomes: me(),
        start: () => {
          restarting = (async () => {
            service.stop();
            await stopWorker(running, mode, mode === 'immediate' ? 0 : ms, logger);
            running = await startWorker(config, { logger });
            service = attach(running);
            logger.info({ port: running.port }, 'worker restarted');
          })()
            .catch((err: unknown) => {
              logger.error({ err }, 'restart failed; shutting down');
              void stop('immediate');
            })
            .finally(() => { restarting = undefined; });
        },
      };
    },
    shutdown: async (mode, ms) => {
      if (stopping) return refuse();
      return { outcomes: me(), start: () => void stop(mode, ms) };
    },
  };

  const attach = (worker: RunningWorker): ControlService => {
    const s = new ControlService(worker.control, target, {
      instance: worker.instance,
      pid: process.pid,
      shutdownCode: config.frontend.shutdownCode,
      defaultResendInterval: config.frontend.clientMessageResendInterval,
      logger: logger.child({ component: 'control' }),
    });
    // Redis may be down at start: the gateway serves anyway.
    s.start().catch((err: unknown) => logger.error({ err }, 'control channel unavailable for now; subscribing again when Redis is back'));
    return s;
  };
  let service = attach(running);
  const removeSignals = opts.signals === false ? () => undefined : onStopSignals((mode) => void stop(mode));

  return { done, port: () => running.port, stop };
}
