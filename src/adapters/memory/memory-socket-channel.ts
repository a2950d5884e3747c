import type { CloseReason, InboundMessage, OutboundEvent, SocketChannel } from '../../application/ports.js';

export interface SentEvent {
  readonly event: OutboundEvent;
  readonly data: unknown;
}

let counter = 0;

/**
 * A SocketChannel with no network: the test (or the embedder's own
 * transport) plays the client with `clientSends` and `clientCloses`, and
 * reads what the gateway sent in `sent` or waits for it with `next`.
 */
export class MemorySocketChannel implements SocketChannel {
  readonly id: string;
  readonly transport: string;
  /** Everything the gateway sent, in order. */
  readonly sent: SentEvent[] = [];
  /** Set once the gateway closed the socket. */
  closedBy: { reason: CloseReason; resumable: boolean } | undefined;
  private messageHandler: ((message: InboundMessage) => void) | undefined;
  private closeHandler: ((cause: string) => void) | undefined;
  private isClosed = false;
  private waiters: Array<{ match: (e: SentEvent) => boolean; resolve: (e: SentEvent) => void }> = [];
  private readonly taken = new Set<SentEvent>();

  constructor(opts: { id?: string; transport?: string } = {}) {
    this.id = opts.id ?? `memory-${++counter}`;
    this.transport = opts.transport ?? 'memory';
  }

  get closed(): boolean {
    return this.isClosed;
  }

  // ------------------------------------------------------------ the gateway's side

  send(event: OutboundEvent, data: unknown): void {
    if (this.isClosed) return;
    const sent = { event, data };
    this.sent.push(sent);
    const i = this.waiters.findIndex((w) => w.match(sent));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(sent);
  }

  close(reason: CloseReason, resumable: boolean): void {
    if (this.isClosed) return;
    this.closedBy = { reason, resumable };
    this.finish(`server close: ${reason}`);
  }

  onMessage(handler: (message: InboundMessage) => void): void {
    this.messageHandler = handler;
  }

  onClose(handler: (cause: string) => void): void {
    this.closeHandler = handler;
  }

  // ------------------------------------------------------------- the client's side

  /** The client sends `event` with `payload`; its size is that of its JSON unless given. */
  clientSends(event: string, payload?: unknown, opts: { bytes?: number; binary?: boolean } = {}): void {
    if (this.isClosed) throw new Error('the socket is closed');
    const bytes = opts.bytes ?? Buffer.byteLength(JSON.stringify([event, payload]) ?? '', 'utf8');
    this.messageHandler?.({ event, payload, bytes, binary: opts.binary ?? false });
  }

  /** The client goes away (network drop, tab closed). */
  clientCloses(cause = 'client gone'): void {
    if (!this.isClosed) this.finish(cause);
  }

  /**
   * The next sent event named `event` (matching `match`) not yet returned by
   * an earlier `next`, waiting up to timeoutMs for it.
   */
  next(event: OutboundEvent, match: (data: any) => boolean = () => true, timeoutMs = 5000): Promise<SentEvent> {
    const pred = (e: SentEvent): boolean => e.event === event && !this.taken.has(e) && match(e.data);
    const found = this.sent.find(pred);
    if (found) return Promise.resolve(this.take(found));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${event} within ${timeoutMs} ms; sent: ${JSON.stringify(this.sent).slice(0, 1000)}`));
      }, timeoutMs);
      const waiter = {
        match: pred,
        resolve: (e: SentEvent) => {
          clearTimeout(timer);
          resolve(this.take(e));
        },
      };
      this.waiters.push(waiter);
    });
  }

  private take(e: SentEvent): SentEvent {
    this.taken.add(e);
    return e;
  }

  private finish(cause: string): void {
    this.isClosed = true;
    this.closeHandler?.(cause);
  }
}
