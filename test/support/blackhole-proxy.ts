import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to `target` that can go black: it stops forwarding in both
 * directions without closing anything, as a network partition or a hung
 * server would. Connections stay open, bytes wait (in the proxy and the
 * kernel buffers) and flow again, in order, on `forward()`. New connections
 * made while it is black are accepted and held the same way.
 */
export class BlackholeProxy {
  private readonly pairs = new Set<Pipe>();
  private black = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<BlackholeProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as { port: number };
    return new BlackholeProxy(server, port, target);
  }

  get isBlack(): boolean {
    return this.black;
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Stop forwarding; nothing is closed. */
  blackhole(): void {
    this.black = true;
    for (const pipe of this.pairs) pipe.hold();
  }

  /**
   * The server side of every open connection goes away unseen, as when a
   * primary fails over to another host: each client stays connected to a
   * silent peer that swallows what it sends, forever. New connections are
   * forwarded as usual.
   */
  sever(): void {
    for (const pipe of this.pairs) pipe.sever();
  }

  /** Forward again, what waited first. */
  forward(): void {
    this.black = false;
    for (const pipe of this.pairs) pipe.release();
  }

  async close(): Promise<void> {
    for (const pipe of this.pairs) pipe.destroy();
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = createConnection(this.target);
    const pipe = new Pipe(client, upstream, () => this.pairs.delete(pipe));
    this.pairs.add(pipe);
    if (this.black) pipe.hold();
  }
}

/** Both directions of one proxied connection. */
class Pipe {
  private held = false;
  private severed = false;
  private readonly waiting: Array<{ to: Socket; data: Buffer }> = [];

  constructor(
    private readonly a: Socket,
    private readonly b: Socket,
    onGone: () => void,
  ) {
    this.wire(a, b);
    this.wire(b, a);
    let gone = false;
    const end = (): void => {
      if (gone || this.severed) return;
      gone = true;
      a.destroy();
      b.destroy();
      onGone();
    };
    for (const s of [a, b]) {
      s.on('error', end);
      s.on('close', end);
    }
  }

  hold(): void {
    this.held = true;
    this.a.pause();
    this.b.pause();
  }

  sever(): void {
    this.severed = true;
    this.waiting.length = 0;
    this.b.destroy();
    this.a.resume();
  }

  release(): void {
    this.held = false;
    for (const { to, data } of this.waiting.splice(0)) to.write(data);
    this.a.resume();
    this.b.resume();
  }

  destroy(): void {
    this.a.destroy();
    this.b.destroy();
  }

  private wire(from: Socket, to: Socket): void {
    from.on('data', (data: Buffer) => {
      if (this.severed) return;
      // A chunk already read when the hold began waits here rather than in the kernel.
      if (this.held) this.waiting.push({ to, data });
      else to.write(data);
    });
  }
}
