import type { Worker } from 'node:cluster';
import { Socket } from 'node:net';

type Send = (...args: unknown[]) => boolean;
type Callback = (err: Error | null) => void;

/**
 * Makes handing a client connection to a worker (what @socket.io/sticky
 * does with `worker.send(message, socket, callback)`) lose nothing:
 *
 * - Node's child_process detaches the primary's copy of a sent socket with
 *   `onread = nop` but leaves it reading until the worker acknowledges the
 *   handle. Bytes the client sends in that window (the Socket.IO CONNECT
 *   right after the Engine.IO handshake, or the reconnect message) are read
 *   by the primary and dropped: the client then waits forever on an open
 *   connection. The window grows when the primary is busy, e.g. while it
 *   forks a replacement and the killed worker's clients all come back at
 *   once (seen in the worker-kill fault run). So the primary stops reading
 *   a socket before it is sent; the worker reads from then on.
 * - A socket queued behind a handle the worker has not acknowledged yet is
 *   left open in the primary if that worker dies (Node closes only the one
 *   awaiting its acknowledgement): it is closed, and its client comes back.
 */
export function guardHandoffs(worker: Worker): void {
  const queued = new Set<Socket>();
  const send = worker.send.bind(worker) as Send;
  (worker as unknown as { send: Send }).send = (message: unknown, ...rest: unknown[]): boolean => {
    const socket = rest[0];
    if (!(socket instanceof Socket)) return send(message, ...rest);
    (socket as unknown as { _handle?: { readStop(): number } | null })._handle?.readStop();
    queued.add(socket);
    const at = rest.findIndex((arg) => typeof arg === 'function');
    const callback = at >= 0 ? (rest[at] as Callback) : undefined;
    const done: Callback = (err) => {
      queued.delete(socket);
      callback?.(err);
    };
    const args = [...rest];
    if (at >= 0) args[at] = done;
    else args.push(done);
    return send(message, ...args);
  };
  worker.once('exit', () => {
    for (const socket of queued) socket.destroy();
    queued.clear();
  });
}
