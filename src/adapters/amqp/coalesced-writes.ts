import type { ChannelModel } from 'amqplib';
import type { Writable } from 'node:stream';

/**
 * amqplib writes every frame to its socket on its own: once per turn its
 * Mux `write`s each channel's queued frames one at a time, and with
 * `noDelay` each write is a syscall and a TCP segment for the gateway and a
 * read for the broker. A served request is at least two of them (the
 * publish, and the ack of the reply). Corked from a turn's first write until
 * the next tick, the turn's frames leave in one `writev`; nothing waits on a
 * timer. Backpressure is the stream's own: `write` still returns false past
 * the high-water mark, and `drain` follows the flush.
 *
 * Returns whether it could: the socket is amqplib's internal
 * `connection.stream` (not in its typings); without one, nothing changes.
 */
export function coalesceWrites(model: ChannelModel): boolean {
  const stream = amqpSocket(model);
  if (!stream) return false;
  coalesceStreamWrites(stream);
  return true;
}

/** The socket under an amqplib connection (its internal `connection.stream`), if it has one. */
export function amqpSocket(model: ChannelModel): Writable | undefined {
  const stream = (model as unknown as { connection?: { stream?: unknown } }).connection?.stream;
  return isWritable(stream) ? stream : undefined;
}

/** The same for any writable: a turn's writes go out together on the next tick. */
export function coalesceStreamWrites(stream: Writable): void {
  const write = stream.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    stream.uncork();
  };
  stream.write = function coalescedWrite(this: Writable, ...args: Parameters<Writable['write']>): boolean {
    if (!corked) {
      corked = true;
      stream.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args as never);
  } as Writable['write'];
}

function isWritable(value: unknown): value is Writable {
  const s = value as Partial<Writable> | undefined;
  return typeof s?.write === 'function' && typeof s.cork === 'function' && typeof s.uncork === 'function';
}
