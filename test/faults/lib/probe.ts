import { TestSocket } from '../../support/test-socket.js';

interface Trip {
  readonly sentAt: number;
  readonly doneAt: number;
  readonly ok: boolean;
}

/**
 * A client that asks the agent (`testCall`) over and over, one request at
 * a time, and keeps every outcome: when the gateway served again after a
 * fault is read off it, as a user would notice it.
 */
export class ServiceProbe {
  private readonly trips: Trip[] = [];
  private running = true;
  private loop: Promise<void> = Promise.resolve();
  private n = 0;

  /** Times the probe's socket was closed by the gateway and opened again. */
  reopened = 0;

  private constructor(
    private readonly url: string,
    private socket: TestSocket,
  ) {}

  static async start(url: string): Promise<ServiceProbe> {
    const probe = new ServiceProbe(url, await ServiceProbe.open(url));
    probe.loop = probe.run();
    return probe;
  }

  private static async open(url: string): Promise<TestSocket> {
    const socket = await TestSocket.open(url);
    await socket.start();
    // Every reply needs an ack, as any push with a correspondingMessageId.
    socket.socket.on('push', (m: { correspondingMessageId?: unknown }) => {
      if (typeof m?.correspondingMessageId === 'string') socket.emit('message', { ack: { correspondingMessageId: m.correspondingMessageId } });
    });
    return socket;
  }

  /** Requests answered, and not answered (AGENT_UNAVAILABLE or no answer within 2 s). */
  counts(): { ok: number; failed: number } {
    const ok = this.trips.filter((t) => t.ok).length;
    return { ok, failed: this.trips.length - ok };
  }

  /** ms from `t` to the end of the first answered request that was sent at or after `t`; undefined if none yet. */
  servedAgainAfter(t: number): number | undefined {
    const trip = this.trips.find((x) => x.ok && x.sentAt >= t);
    return trip ? trip.doneAt - t : undefined;
  }

  /** The longest time between two answered requests within [from, to]: the outage a user saw. */
  longestGap(from: number, to: number): number {
    const done = this.trips.filter((t) => t.ok && t.doneAt >= from && t.doneAt <= to).map((t) => t.doneAt);
    let longest = 0;
    let previous = from;
    for (const at of done) {
      longest = Math.max(longest, at - previous);
      previous = at;
    }
    return Math.max(longest, to - previous);
  }

  get connected(): boolean {
    return this.socket.socket.connected;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.socket.close();
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (!this.socket.socket.connected) {
        // Ended by the gateway (say, its queue was deleted): a user would connect again.
        this.socket.close();
        const next = await ServiceProbe.open(this.url).catch(() => undefined);
        if (!next) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        this.socket = next;
        this.reopened++;
      }
      const id = `probe-${++this.n}`;
      const sentAt = Date.now();
      this.socket.emit('testCall', { messageId: id });
      const ok = await Promise.race([
        this.socket.next('push', (m) => m?.correspondingMessageId === id, 2_000).then(() => true),
        this.socket.next('gatewayError', (e) => e?.messageId === id, 2_000).then(() => false),
      ]).catch(() => false);
      this.trips.push({ sentAt, doneAt: Date.now(), ok });
      await new Promise((r) => setTimeout(r, ok ? 25 : 50));
    }
  }
}
