import type { StopMode } from '../../application/control.js';

/**
 * SIGTERM: graceful stop. SIGINT: graceful the first time, immediate the
 * second (an operator pressing Ctrl-C again means it). Returns the remover.
 */
export function onStopSignals(stop: (mode: StopMode) => void): () => void {
  let interrupts = 0;
  const onTerm = (): void => stop('graceful');
  const onInt = (): void => stop(++interrupts > 1 ? 'immediate' : 'graceful');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return () => {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  };
}
