import type { GatewayConfig } from '../config/index.js';
import type { RootLogger } from '../logger.js';
import { startWorker, type RunningWorker } from '../worker.js';
import { withClusterPort } from './cluster-port.js';
import { stopWorker } from './drain.js';
import { isMessage, type Heartbeat, type Query, type QueryAnswer, type Stop } from './ipc.js';

/**
 * The worker side of the cluster: runs one gateway worker, heartbeats with
 * its memory usage, answers the supervisor's queries and stops when told.
 * Signals are the supervisor's business: a Ctrl-C reaches the whole process
 * group, and the supervisor decides how the workers stop.
 */
export async function runClusterWorker(loaded: GatewayConfig, logger: RootLogger): Promise<void> {
  const config = withClusterPort(loaded);
  const send = (msg: Heartbeat | QueryAnswer): void => {
    if (process.connected) process.send?.(msg);
  };
  let running: RunningWorker | undefined;
  const beat = (): void => {
    const { rss, heapTotal, heapUsed } = process.memoryUsage();
    send({ type: 'asgw:heartbeat', memory: { rss, heapTotal, heapUsed }, clients: running?.clientCount() ?? 0, listening: running !== undefined });
  };
  // Heartbeats start before the broker connection: a slow broker is not a hung worker.
  const heartbeat = setInterval(beat, config.cluster.heartbeatInterval);
  beat();
  // Until the gateway runs: a stop (shutdown, or a replacement given up on)
  // ends the start-up, as there are no clients to care for; queries fail.
  const whileStarting = (msg: unknown): void => {
    if (isMessage<Stop>(msg, 'asgw:stop')) {
      logger.info('stopped while starting');
      clearInterval(heartbeat);
      process.exit(0);
    }
    if (isMessage<Query>(msg, 'asgw:query')) send({ type: 'asgw:answer', id: msg.id, ok: false, error: 'worker starting' });
  };
  process.on('message', whileStarting);
  try {
    // startWorker makes its own PromMetrics and, in a cluster worker, serves the cluster-wide sum.
    running = await startWorker(config, { logger, servedByPrimary: true });
  } catch (err) {
    clearInterval(heartbeat);
    throw err;
  } finally {
    process.off('message', whileStarting);
  }
  const worker = running;
  beat();

  let closing: Promise<void> | undefined;
  const exit = async (stop: Promise<void>): Promise<void> => {
    try {
      await stop;
    } catch (err) {
      logger.error({ err }, 'worker did not close cleanly');
    }
    clearInterval(heartbeat);
    process.exit(0);
  };
  const onStop = (msg: Stop): void => {
    if (msg.mode === 'immediate') {
      closing = worker.close();
      void exit(closing);
    } else if (!closing) {
      closing = stopWorker(worker, 'graceful', msg.ms, logger);
      void exit(closing);
    }
  };
  const onQuery = (q: Query): void => {
    try {
      if (q.op === 'clientcount') {
        send({ type: 'asgw:answer', id: q.id, ok: true, clients: worker.clientCount() });
        return;
      }
      if (q.op === 'loglevel') {
        worker.setLogLevel(q.level);
      } else {
        worker.setResendInterval(q.ms);
      }
      send({ type: 'asgw:answer', id: q.id, ok: true });
    } catch (err) {
      send({ type: 'asgw:answer', id: q.id, ok: false, error: String((err as Error)?.message ?? err) });
    }
  };

  process.on('message', (msg: unknown) => {
    if (isMessage<Query>(msg, 'asgw:query')) onQuery(msg);
    else if (isMessage<Stop>(msg, 'asgw:stop')) onStop(msg);
  });
  // The supervisor is gone: nobody will restart or stop us, so leave now.
  process.on('disconnect', () => {
    logger.warn('supervisor gone; closing');
    onStop({ type: 'asgw:stop', mode: 'immediate', ms: 0 });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => logger.debug({ signal }, 'signal left to the supervisor'));
  }
}
