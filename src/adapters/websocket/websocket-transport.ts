import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { ChannelAcceptor } from '../../application/ports.js';
import { WebSocketChannel } from './websocket-channel.js';

export interface WebSocketTransportOptions {
  /** e.g. `/ws` (PROTOCOL §7). */
  readonly path: string;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  /** Frames over this close the connection with 1009 before they are parsed (PROTOCOL §7: four times the size limit). */
  readonly maxFrameBytes: number;
  /** Upgrade paths another transport owns on the same server (Socket.IO's); left alone. */
  readonly foreignUpgradePaths?: readonly string[];
}

/**
 * The raw WebSocket transport on a fastify app that is not listening yet,
 * with @fastify/websocket. Socket.IO listens to the same server's upgrades,
 * so upgrades reach @fastify/websocket only when they are not on a
 * Socket.IO path: otherwise fastify would answer them 404 under Socket.IO's
 * feet. A heartbeat pings every socket each interval and drops those that
 * have not answered within the timeout.
 */
export async function registerWebSocketTransport(
  app: FastifyInstance,
  acceptor: ChannelAcceptor,
  options: WebSocketTransportOptions,
): Promise<void> {
  const foreign = options.foreignUpgradePaths ?? [];
  const ours = new EventEmitter();
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!foreign.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`))) ours.emit('upgrade', req, socket, head);
  });
  await app.register(fastifyWebsocket, { options: { server: ours as never, maxPayload: options.maxFrameBytes } });

  const channels = new Set<WebSocketChannel>();
  let counter = 0;
  app.get(options.path, { websocket: true }, (ws) => {
    const channel = new WebSocketChannel(`ws-${process.pid}-${++counter}`, ws, Date.now());
    channels.add(channel);
    ws.on('close', () => channels.delete(channel));
    acceptor.accept(channel);
  });

  const heartbeat = setInterval(() => {
    const deadline = Date.now() - options.pingIntervalMs - options.pingTimeoutMs;
    for (const channel of channels) {
      if (channel.lastSeenAt < deadline) channel.terminate();
      else channel.ping();
    }
  }, options.pingIntervalMs);
  heartbeat.unref();
  app.addHook('onClose', (_instance, done) => {
    clearInterval(heartbeat);
    done();
  });
}
