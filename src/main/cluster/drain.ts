import type { StopMode } from '../../application/control.js';
import type { Logger } from '../../application/ports.js';

/** The part of a RunningWorker that stopping needs. */
export interface Stoppable {
  clientCount(): number;
  stopAccepting(): void;
  waitForClients(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Graceful: refuse new sockets, let connected clients finish (or `ms`
 * pass), then close. Immediate: close now (which disconnects the sockets).
 */
export async function stopWorker(worker: Stoppable, mode: StopMode, ms: number, logger: Logger): Promise<void> {
  if (mode === 'graceful') {
    worker.stopAccepting();
    logger.info({ clients: worker.clientCount(), graceMs: ms }, 'draining: waiting for clients to leave');
    const drained = await worker.waitForClients(ms);
    if (!drained) logger.warn({ clients: worker.clientCount() }, 'grace period over; disconnecting the remaining clients');
  }
  await worker.close();
}
