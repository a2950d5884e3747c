import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { ChannelAcceptor } from '../../application/ports.js';
import { writeUpgradeRefusal, type HandshakeGuard } from '../edge/handshake-guard.js';
import { WebSocketChannel } from './websocket-channel.js';

export interface WebSocketTransportOptions {
  /** e.g. `/ws` (PROTOCOL §7). */
  readonly path: string;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  /** Largest message the gateway accepts (`frontend.maxPayloadBytes`): frames over it are refused without being parsed. */
  readonly maxPayloadBytes: number;
  /** Frames over this close the connection with 1009 before they are parsed (PROTOCOL §7: four times the size limit). */
  readonly maxFrameBytes: number;
  /** Origin and per-address checks on every upgrade (none when absent). */
  readonly guard?: HandshakeGuard;
  /** Upgrade paths another transport owns on the same server (Socket.IO's); left alone. */
  readonly foreignUpgradePaths?: readonly string[];
}

/**
 * The raw WebSocket transport on a fastify app that is not listening yet,
 * with @fastify/websocket. Socket.IO listens to the same server's upgrades,
 * so upgrades reach @fastify/websocket only when they are not on a
 * Socket.IO path: otherwise fastify would answer them 404 under Socket.IO's
 * feet. A heartbeat pings every socket each interval and drops those that
 * have not answered within the timeout. Every upgrade passes the guard
 * (Origin, per-address limits) first; a refusal is answered 403 or 429.
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
    if (foreign.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`))) return;
    const verdict = options.guard?.admit(req, 'websocket');
    if (verdict && !verdict.ok) return writeUpgradeRefusal(socket, verdict);
    // A WebSocket lives as long as its TCP connection.
    if (verdict) socket.once('close', () => verdict.lease.release());
    ours.emit('upgrade', req, socket, head);
  });
  await app.register(fastifyWebsocket, { options: { server: ours as never, maxPayload: options.maxFrameBytes } });

  const channels = new Set<WebSocketChannel>();
  let counter = 0;
  app.get(options.path, { websocket: true }, (ws) => {
    const channel = new WebSocketChannel(`ws-${process.pid}-${++counter}`, ws, Date.now(), options.maxPayloadBytes);
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
