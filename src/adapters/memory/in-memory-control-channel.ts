import type { ControlChannel, ControlReply } from '../../application/ports.js';

/**
 * What several in-process ControlChannels share, as Redis pub/sub is shared
 * by every instance: each message goes to every subscriber of the hub.
 */
export class InMemoryControlHub {
  readonly commandHandlers = new Set<(line: string) => void>();
  readonly replyHandlers = new Set<(reply: ControlReply) => void>();

  /** Subscribers currently listening, for tests that wait on them. */
  subscriberCount(): number {
    return this.commandHandlers.size + this.replyHandlers.size;
  }
}

/** One instance's view of the control bus; at-most-once, fan-out. */
export class InMemoryControlChannel implements ControlChannel {
  private readonly commandHandlers = new Set<(line: string) => void>();
  private readonly replyHandlers = new Set<(reply: ControlReply) => void>();
  private closed = false;

  constructor(private readonly hub: InMemoryControlHub = new InMemoryControlHub()) {}

  async onCommand(handler: (line: string) => void): Promise<void> {
    this.assertOpen();
    this.commandHandlers.add(handler);
    this.hub.commandHandlers.add(handler);
  }

  async sendCommand(line: string): Promise<void> {
    this.assertOpen();
    // Snapshot now: only subscribers present at publish time receive it.
    deliverLater([...this.hub.commandHandlers], line);
  }

  async onReply(handler: (reply: ControlReply) => void): Promise<void> {
    this.assertOpen();
    this.replyHandlers.add(handler);
    this.hub.replyHandlers.add(handler);
  }

  async sendReply(reply: ControlReply): Promise<void> {
    this.assertOpen();
    // A copy, as a JSON round trip through Redis would give.
    deliverLater([...this.hub.replyHandlers], structuredClone(reply));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const handler of this.commandHandlers) this.hub.commandHandlers.delete(handler);
    for (const handler of this.replyHandlers) this.hub.replyHandlers.delete(handler);
    this.commandHandlers.clear();
    this.replyHandlers.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('control channel is closed');
  }
}

function deliverLater<T>(handlers: Array<(value: T) => void>, value: T): void {
  queueMicrotask(() => {
    for (const handler of handlers) handler(value);
  });
}
