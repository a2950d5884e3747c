import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'node:tls';
import sticky from '@socket.io/sticky';
import type { Logger } from '../../application/ports.js';
import { ConfigError } from '../config/index.js';
import { guardHandoffs } from './handoff-guard.js';

const SERVICE_UNAVAILABLE = 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

export interface StickyFrontendOptions {
  readonly host: string;
  readonly port: number;
  /** Key and certificate: the primary terminates TLS (workers then serve plain HTTP over the connections it hands them). */
  readonly tls?: SecureContextOptions;
  /** False while no worker can take a connection (all still starting, or all gone): answered 503 here. */
  readonly canRoute: () => boolean;
  readonly logger: Logger;
}

/**
 * The cluster's listening side, in the primary. Every connection is read by
 * @socket.io/sticky, which hands it to the worker that owns its Engine.IO
 * session (the `sid` of a polling request or of a WebSocket upgrade), or,
 * for a new session, a raw WebSocket, /health or /metrics, to the worker
 * with the lowest `clientsCount` (least-connection: see exposeRoutingWeight).
 *
 * The package must read the request to route it, so it cannot route
 * encrypted bytes (its README: not compatible with an HTTPS server). With
 * TLS the primary terminates it: each TLS connection is piped, decrypted,
 * into a connection to a private Unix socket of the primary, and that
 * socket (a plain one, which can be handed to a worker) is what the package
 * routes. The cost is the primary's CPU for every byte of TLS.
 */
export class StickyFrontend {
  private readonly router = new EventEmitter();
  private readonly server: Server | TlsServer;
  private plain?: { server: Server; dir: string; path: string };
  private boundPort = 0;

  constructor(private readonly options: StickyFrontendOptions) {
    // Buffers (the request bytes the primary read) must cross IPC as Buffers.
    cluster.setupPrimary({ serialization: 'advanced' });
    // The package only listens to "connection" on what it is given.
    sticky.setupMaster(this.router as unknown as HttpServer, { loadBalancingMethod: 'least-connection' });
    // Handing a connection over must lose none of its bytes, nor leave it open if its worker dies (handoff-guard.ts).
    cluster.on('fork', guardHandoffs);
    if (options.tls) {
      const tls = createTlsServer(options.tls, (socket) => this.decrypt(socket));
      tls.on('tlsClientError', (err) => options.logger.debug({ err: { message: err.message, code: (err as NodeJS.ErrnoException).code } }, 'TLS handshake failed'));
      this.server = tls;
    } else {
      this.server = createServer((socket) => this.route(socket));
    }
  }

  /** The port bound (the configured one, or the one picked for frontend.port=0). */
  get port(): number {
    return this.boundPort;
  }

  /** Binds frontend.host:frontend.port; a port in use is a configuration error naming the key. */
  async listen(): Promise<number> {
    if (this.options.tls) await this.listenPlainSide();
    const { host, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
          ? new ConfigError('frontend.port', `cannot listen on ${host}:${port}: ${err.code}`, { cause: err })
          : err);
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.server.on('error', (err) => this.options.logger.error({ err }, 'listening socket error'));
    this.boundPort = (this.server.address() as { port: number }).port;
    return this.boundPort;
  }

  /** New TLS connections use these key and certificate files from now on (a restart re-reads them). */
  setSecureContext(tls: SecureContextOptions): void {
    if ('setSecureContext' in this.server) this.server.setSecureContext(tls);
  }

  /** Stops listening. Connections already handed to workers are theirs. */
  close(): void {
    this.server.close();
    if (this.plain) {
      this.plain.server.close();
      rmSync(this.plain.dir, { recursive: true, force: true });
    }
  }

  /** A plain connection: to the package, unless no worker can take it. */
  private route(socket: Socket): void {
    // A reset while the primary still holds the socket must not take the primary down.
    socket.on('error', (err) => this.options.logger.debug({ err: { message: err.message } }, 'client connection error in the primary'));
    if (!this.options.canRoute()) {
      socket.resume();
      socket.end(SERVICE_UNAVAILABLE);
      return;
    }
    this.router.emit('connection', socket);
  }

  /** A decrypted TLS connection, as a plain connection to our own Unix socket. */
  private decrypt(secure: TLSSocket): void {
    const plain = connect(this.plain!.path);
    const drop = (): void => {
      secure.destroy();
      plain.destroy();
    };
    secure.on('error', drop);
    plain.on('error', drop);
    secure.on('close', () => plain.destroy());
    plain.on('close', () => secure.destroy());
    secure.pipe(plain).pipe(secure);
  }

  private async listenPlainSide(): Promise<void> {
    // A directory only this user can enter: the decrypted side is not reachable by others.
    const dir = mkdtempSync(join(tmpdir(), 'asgw-tls-'));
    const path = join(dir, 'plain.sock');
    const server = createServer((socket) => this.route(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    this.plain = { server, dir, path };
  }
}

/**
 * @socket.io/sticky's least-connection picks the worker with the lowest
 * `worker.clientsCount`, and itself adds 1 when a worker reports a new
 * Engine.IO session and subtracts 1 when it closes. We turn that property
 * into a view of the supervisor's state (routingWeight: starting and
 * draining workers last, then the fewest sessions), keeping the package's
 * +1/-1 as the worker's session count.
 * A burst of new sessions arrives before any worker has reported one, so
 * ties are broken at random (a fraction under 0.5, which the rounding of
 * the package's +1/-1 removes again) rather than always to the first worker.
 */
export function exposeRoutingWeight(
  worker: Worker,
  weight: () => number,
  addSessions: (delta: number) => void,
  random: () => number = Math.random,
): void {
  Object.defineProperty(worker, 'clientsCount', {
    configurable: true,
    enumerable: false,
    get: () => weight() + random() * 0.49,
    set: (value: number) => addSessions(Math.round(value - weight())),
  });
}
