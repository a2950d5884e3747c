import { createServer, type Server, type Socket } from 'node:net';
import type { ChannelAcceptor, CloseReason, InboundMessage, OutboundEvent, SocketChannel } from 'activestack-gateway';

/**
 * A transport of our own for the gateway core: newline-delimited JSON over
 * TCP. Every line, both ways, is one object `{"event": "...", "data": ...}`;
 * an empty line is a heartbeat. Everything here is the embedder's part:
 * framing, sizes on the wire, heartbeats, closing the connection. The core
 * decides everything about the protocol.
 */
export interface NdjsonTransportOptions {
  readonly port: number;
  readonly host?: string;
  /**
   * A line longer than this closes the connection before it is parsed. The
   * core refuses messages over its `maxPayloadBytes` politely
   * (PAYLOAD_TOO_LARGE); this is the hard cap above it (the shipped
   * transports use four times that).
   */
  readonly maxLineBytes: number;
  /** A connection silent for this long (no line, no heartbeat) is closed as gone. */
  readonly idleTimeoutMs: number;
}

export interface NdjsonTransport {
  readonly port: number;
  /**
   * Stops listening at once, and resolves once every connection is gone:
   * close the gateway first, it closes them.
   */
  close(): Promise<void>;
}

const NEWLINE = 0x0a;
let counter = 0;

export class NdjsonChannel implements SocketChannel {
  readonly id = `ndjson-${process.pid}-${++counter}`;
  readonly transport = 'ndjson';
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private messageHandler: ((message: InboundMessage) => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly maxLineBytes: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    // A socket error is always followed by 'close', which tells the core.
    socket.on('error', () => undefined);
  }

  send(event: OutboundEvent, data: unknown): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(`${JSON.stringify(data === undefined ? { event } : { event, data })}\n`);
  }

  /**
   * The core has sent `gatewayDisconnect {reason, resumable}` just before;
   * NDJSON has no close code to add. Written lines go out, then the socket.
   */
  close(reason: CloseReason, resumable: boolean): void {
    void reason;
    void resumable;
    this.socket.destroySoon();
  }

  onMessage(handler: (message: InboundMessage) => void): void {
    this.messageHandler = handler;
  }

  /** Node emits 'close' once, after the last 'data': the ordering the core needs. */
  onClose(handler: (cause: string) => void): void {
    this.socket.on('close', (hadError: boolean) => handler(hadError ? 'ndjson socket error' : 'ndjson socket closed'));
  }

  private read(chunk: Buffer): void {
    let start = 0;
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, start)) {
      this.pending.push(chunk.subarray(start, i));
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      start = i + 1;
      if (!this.admit(line.length)) return;
      if (line.length > 0) this.deliver(line);
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0) return;
    this.pending.push(rest);
    this.pendingBytes += rest.length;
    this.admit(this.pendingBytes);
  }

  /** A line over the hard cap is never buffered nor parsed: the connection goes. */
  private admit(bytes: number): boolean {
    if (bytes <= this.maxLineBytes) return true;
    this.pending = [];
    this.socket.destroy();
    return false;
  }

  private deliver(line: Buffer): void {
    let value: unknown;
    try {
      value = JSON.parse(line.toString('utf8'));
    } catch {
      value = undefined;
    }
    const frame = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { event?: unknown; data?: unknown }) : {};
    // event undefined = undecodable: the core answers BAD_REQUEST. Sizes are bytes on the wire.
    this.messageHandler?.({
      event: typeof frame.event === 'string' ? frame.event : undefined,
      payload: typeof frame.event === 'string' ? frame.data : undefined,
      bytes: line.length,
      binary: false,
    });
  }
}

/** Listens for NDJSON connections and hands each to `acceptor` (the gateway core). */
export async function listenNdjson(acceptor: ChannelAcceptor, options: NdjsonTransportOptions): Promise<NdjsonTransport> {
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    // Heartbeats are the transport's: any line (the empty one included)
    // resets the idle timer, and none of them reaches the core.
    socket.setTimeout(options.idleTimeoutMs, () => socket.destroy());
    acceptor.accept(new NdjsonChannel(socket, options.maxLineBytes));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
