import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import amqp, { type ConsumeMessage, type Message } from 'amqplib';
import { Server, type Socket } from 'socket.io';
import { coalesceWrites } from '../src/adapters/amqp/coalesced-writes.js';
import { allocationSampler } from './lib/alloc-sampler.js';

/**
 * BARE RELAY: the limit of this stack, to measure the gateway against.
 * Socket.IO v4 in front of RabbitMQ with the same wire shape as the gateway
 * (default exchange, routing key = event, replyTo = a per-socket reply
 * queue, confirms, mandatory; manual ack, prefetch 10) and nothing else: no
 * sessions, keys, auth, validation or resends.
 *
 *   node --import tsx bench/relay.ts --port 0 --amqp amqp://guest:guest@127.0.0.1:5672/vhost
 * Prints `relay listening <port>` once it serves. With `--coalesce` it corks
 * its AMQP socket for a turn as the gateway does (src/adapters/amqp/
 * coalesced-writes.ts), to tell that saving from the rest.
 */

const PREFETCH = 10;
const writeAllocProfile = await allocationSampler();

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const url = arg('amqp', 'amqp://guest:guest@127.0.0.1:5672');
const port = Number(arg('port', '0'));

const connection = await amqp.connect(url, { noDelay: true });
if (process.argv.includes('--coalesce') && !coalesceWrites(connection)) throw new Error('relay: no AMQP socket to coalesce');
const publisher = await connection.createConfirmChannel();
const consumer = await connection.createChannel();
await consumer.prefetch(PREFETCH);

// basic.return arrives before the confirm of the same message.
const returned = new Set<string>();
publisher.on('return', (m: Message) => returned.add(String(m.properties.messageId)));
let sequence = 0;

function relaySocket(socket: Socket): void {
  const queue = randomBytes(16).toString('hex');
  let consumerTag: string | undefined;
  let closed = false;
  const held = new Map<string, ConsumeMessage[]>();

  const onDelivery = (m: ConsumeMessage | null): void => {
    if (!m) return;
    let body: unknown;
    try {
      body = JSON.parse(m.content.toString());
    } catch {
      consumer.reject(m, false);
      return;
    }
    socket.emit('push', body);
    const id = (body as { correspondingMessageId?: unknown } | null)?.correspondingMessageId;
    if (typeof id !== 'string') {
      consumer.ack(m);
      return;
    }
    const list = held.get(id);
    if (list) list.push(m);
    else held.set(id, [m]);
  };

  const start = async (): Promise<void> => {
    await consumer.assertQueue(queue, { durable: false, autoDelete: false, exclusive: false });
    const reply = await consumer.consume(queue, onDelivery, { noAck: false });
    consumerTag = reply.consumerTag;
    if (closed) await stop();
    else socket.emit('gatewayConnectAck', `relay;${queue}`);
  };

  const stop = async (): Promise<void> => {
    for (const list of held.values()) for (const m of list) consumer.nack(m, false, true);
    held.clear();
    if (consumerTag) await consumer.cancel(consumerTag);
    await consumer.deleteQueue(queue);
  };

  socket.on('message', (payload: unknown) => {
    if (payload === null || typeof payload !== 'object') return;
    const p = payload as { connect?: unknown; ack?: { correspondingMessageId?: unknown } };
    if (p.connect !== undefined && consumerTag === undefined) {
      start().catch((err: unknown) => socket.emit('gatewayError', { code: 'AGENT_UNAVAILABLE', message: String(err) }));
    }
    const id = p.ack?.correspondingMessageId;
    if (typeof id === 'string') {
      const list = held.get(id);
      held.delete(id);
      for (const m of list ?? []) consumer.ack(m);
    }
  });

  socket.onAny((event: string, payload: unknown) => {
    if (event === 'message') return;
    const messageId = String(++sequence);
    const fail = (): void => {
      const mid = (payload as { messageId?: unknown } | null)?.messageId;
      socket.emit('gatewayError', { code: 'AGENT_UNAVAILABLE', message: 'agent unavailable', event, messageId: mid });
    };
    publisher.publish(
      '',
      event,
      Buffer.from(JSON.stringify(payload ?? {})),
      { replyTo: queue, mandatory: true, contentType: 'application/json', messageId },
      (err) => {
        if (returned.delete(messageId) || err) fail();
      },
    );
  });

  socket.on('disconnect', () => {
    closed = true;
    if (consumerTag) stop().catch(() => undefined);
  });
}

const http = createServer();
const io = new Server(http, { transports: ['websocket'] });
io.on('connection', relaySocket);
http.listen(port, '127.0.0.1', () => {
  console.log(`relay listening ${(http.address() as AddressInfo).port}`);
});

const shutdown = (): void => {
  void writeAllocProfile().finally(() => {
    io.close();
    void connection.close().finally(() => process.exit(0));
  });
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
