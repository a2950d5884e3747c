import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import amqp, { type ChannelModel } from 'amqplib';
import { beforeAll, describe, expect, it } from 'vitest';
import { amqpSocket, coalesceStreamWrites, coalesceWrites } from '../../../src/adapters/amqp/coalesced-writes.js';
import { RABBITMQ_URL, requireRabbitMq } from '../../support/services.js';

// A turn's AMQP frames leave in one socket write (fewer syscalls for the
// gateway, fewer reads for the broker), and nothing else about the
// connection changes: every message arrives, in order, confirmed.
const run = randomUUID().slice(0, 8);

beforeAll(() => requireRabbitMq());

/** Calls that reach the socket's handle (`_write` for one chunk, `_writev` for several). */
function countHandleWrites(model: ChannelModel): () => number {
  const socket = amqpSocket(model);
  if (!socket) throw new Error('no socket under the amqplib connection');
  let calls = 0;
  const write = socket._write.bind(socket);
  const writev = socket._writev?.bind(socket);
  socket._write = (...args) => {
    calls++;
    write(...args);
  };
  if (writev) {
    socket._writev = (...args) => {
      calls++;
      writev(...args);
    };
  }
  return () => calls;
}

async function publishInOneTurn(coalesce: boolean, count: number): Promise<{ writes: number; received: string[] }> {
  const queue = `test.${run}.coalesce.${coalesce}`;
  const model = await amqp.connect(RABBITMQ_URL, { noDelay: true });
  try {
    if (coalesce) expect(coalesceWrites(model)).toBe(true);
    const ch = await model.createConfirmChannel();
    await ch.assertQueue(queue, { durable: false, autoDelete: false });
    await ch.purgeQueue(queue);
    const writes = countHandleWrites(model);
    const confirms = Array.from({ length: count }, (_, i) =>
      new Promise<void>((resolve, reject) => ch.sendToQueue(queue, Buffer.from(String(i)), {}, (err) => (err ? reject(err) : resolve()))),
    );
    await Promise.all(confirms);
    const sent = writes();
    const reader = await model.createChannel();
    const received: string[] = [];
    for (let m = await reader.get(queue, { noAck: true }); m; m = await reader.get(queue, { noAck: true })) received.push(m.content.toString());
    await reader.deleteQueue(queue);
    await reader.close();
    return { writes: sent, received };
  } finally {
    await model.close();
  }
}

describe('coalesced AMQP writes', () => {
  it('200 publishes of one turn reach the broker in a few socket writes (one each without), all of them, in order', async () => {
    const expected = Array.from({ length: 200 }, (_, i) => String(i));
    const plain = await publishInOneTurn(false, 200);
    const coalesced = await publishInOneTurn(true, 200);
    expect(plain.received).toEqual(expected);
    expect(coalesced.received).toEqual(expected);
    expect(plain.writes).toBeGreaterThanOrEqual(200);
    expect(coalesced.writes).toBeLessThanOrEqual(5);
  });
});

describe('coalesceStreamWrites', () => {
  function recorder(highWaterMark: number): { stream: Writable; batches: string[][] } {
    const batches: string[][] = [];
    const stream = new Writable({
      highWaterMark,
      write(chunk: Buffer, _enc, cb) {
        batches.push([chunk.toString()]);
        setImmediate(cb);
      },
      writev(chunks, cb) {
        batches.push(chunks.map((c) => (c.chunk as Buffer).toString()));
        setImmediate(cb);
      },
    });
    coalesceStreamWrites(stream);
    return { stream, batches };
  }

  it('writes of one turn go out as one batch on the next tick; a later turn makes its own', async () => {
    const { stream, batches } = recorder(1024);
    stream.write('a');
    stream.write('b');
    stream.write('c');
    expect(batches).toEqual([]);
    await new Promise((r) => process.nextTick(r));
    expect(batches).toEqual([['a', 'b', 'c']]);
    await new Promise((r) => setImmediate(r));
    stream.write('d');
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('keeps backpressure: write returns false past the high-water mark and drain follows the flush', async () => {
    const { stream, batches } = recorder(4);
    expect(stream.write('12')).toBe(true);
    expect(stream.write('345')).toBe(false);
    await new Promise((r) => stream.once('drain', r));
    expect(batches.flat()).toEqual(['12', '345']);
  });
});
