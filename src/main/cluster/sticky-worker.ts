import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Server } from 'socket.io';
import sticky from '@socket.io/sticky';
import '../../adapters/socketio/socketio-transport.js';

/**
 * The worker side of the sticky primary (sticky-primary.ts): the worker
 * does not listen; its primary hands it connections over IPC, which enter
 * the fastify server as if it had accepted them (@socket.io/sticky's
 * setupWorker, which also sets `Connection: close` on every response so
 * that a kept-alive connection never carries another session's requests).
 * Call once the app is ready: a connection handed over before this would
 * have nowhere to go.
 *
 * One change to the package's way: the worker tells the primary which
 * worker owns a new session *before* the handshake response leaves, not
 * after (the package reports on Engine.IO's "connection", which comes
 * after the response is written). Reported late, the client's next
 * request can reach the primary first under load and be routed by load to
 * the other worker, which answers "Session ID unknown" (seen as an `xhr
 * poll error` in the 100-client test). So the package gets an engine that
 * never emits, and the session id is reported from `generateId`, which
 * Engine.IO awaits before it answers.
 */
export async function serveFromPrimary(app: FastifyInstance): Promise<void> {
  await app.ready();
  const engine = app.io.engine;
  sticky.setupWorker({ httpServer: app.server, engine: new EventEmitter() } as unknown as Server);
  engine.generateId = async () => {
    // What Engine.IO's own ids look like (20 characters of [A-Za-z0-9_-]), which the package's `sid=` matcher expects.
    const id = randomBytes(15).toString('base64url');
    await tellPrimary('sticky:connection', id);
    // A handshake that fails after its id was made (a bad transport) must not leave the id bound.
    setImmediate(() => {
      if (!(id in (engine as unknown as { clients: Record<string, unknown> }).clients)) void tellPrimary('sticky:disconnection', id);
    });
    return id;
  };
  engine.on('connection', (socket: { id: string; once(event: 'close', f: () => void): void }) => {
    socket.once('close', () => void tellPrimary('sticky:disconnection', socket.id));
  });
}

/** Resolves once the message is written to the IPC channel (or cannot be: no primary). */
function tellPrimary(type: 'sticky:connection' | 'sticky:disconnection', id: string): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send({ type, data: id }, () => resolve());
  });
}
