import type { Logger } from '../../application/ports.js';
import type { QueryAnswer, QueryOp, ToWorker } from './ipc.js';
import type { WorkerState } from './worker-state.js';

/** Send to a worker; a worker gone mid-send is not an error of the supervisor. */
export function sendToWorker(state: WorkerState, msg: ToWorker, logger: Logger): void {
  if (!state.worker.isConnected()) return;
  state.worker.send(msg, (err: Error | null) => {
    if (err) logger.debug({ err, workerPid: state.worker.process.pid }, 'message to worker lost');
  });
}

/** Ask one worker; no answer within timeoutMs (or its exit) reports ok:false. */
export function queryWorker(
  state: WorkerState,
  op: QueryOp,
  id: number,
  timeoutMs: number,
  logger: Logger,
): Promise<QueryAnswer & { pid: number }> {
  const pid = state.worker.process.pid ?? 0;
  return new Promise((resolve) => {
    const timer = setTimeout(() => settle({ type: 'asgw:answer', id, ok: false, error: 'worker did not answer' }), timeoutMs);
    const settle = (answer: QueryAnswer): void => {
      clearTimeout(timer);
      state.pending.delete(id);
      resolve({ ...answer, pid });
    };
    state.pending.set(id, settle);
    sendToWorker(state, { type: 'asgw:query', id, ...op } as ToWorker, logger);
  });
}
