import { ActiveStackError } from './client-error.js';
import type { PushMessage } from './types.js';

interface Pending {
  readonly event: string;
  readonly payload: Record<string, unknown>;
  resolve(push: PushMessage): void;
  reject(error: ActiveStackError): void;
  timer: ReturnType<typeof setTimeout>;
  queued: boolean;
}

/**
 * Requests waiting for their reply, and those not yet sent because there
 * is no session. One timeout covers both phases: the caller's deadline
 * does not restart when the request finally goes out.
 */
export class PendingRequests {
  private readonly byId = new Map<string, Pending>();
  private readonly queue: string[] = [];

  constructor(private readonly queueLimit: number) {}

  /** Registers a request; `send` is false when it must wait in the queue. */
  add(
    messageId: string,
    event: string,
    payload: Record<string, unknown>,
    timeoutMs: number,
    queued: boolean,
  ): Promise<PushMessage> {
    if (queued && this.queue.length >= this.queueLimit) {
      return Promise.reject(
        new ActiveStackError(
          'QUEUE_FULL',
          `Not connected and ${this.queueLimit} requests are already waiting; try again once connected.`,
          { event, messageId },
        ),
      );
    }
    return new Promise<PushMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(messageId)?.reject(
          new ActiveStackError('TIMEOUT', `No reply to "${event}" within ${timeoutMs} ms.`, { event, messageId }),
        );
      }, timeoutMs);
      this.byId.set(messageId, { event, payload, resolve, reject, timer, queued });
      if (queued) this.queue.push(messageId);
    });
  }

  /** Takes the queued requests out, oldest first, as now sent. */
  drainQueue(): Array<{ messageId: string; event: string; payload: Record<string, unknown> }> {
    const out = [];
    for (const messageId of this.queue.splice(0)) {
      const entry = this.byId.get(messageId);
      if (entry === undefined) continue;
      entry.queued = false;
      out.push({ messageId, event: entry.event, payload: entry.payload });
    }
    return out;
  }

  resolve(messageId: string, push: PushMessage): boolean {
    const entry = this.settle(messageId);
    entry?.resolve(push);
    return entry !== undefined;
  }

  reject(messageId: string, error: ActiveStackError): boolean {
    const entry = this.settle(messageId);
    entry?.reject(error);
    return entry !== undefined;
  }

  rejectAll(error: (event: string, messageId: string) => ActiveStackError): void {
    for (const messageId of [...this.byId.keys()]) {
      const entry = this.settle(messageId);
      entry?.reject(error(entry.event, messageId));
    }
  }

  get size(): number {
    return this.byId.size;
  }

  get queued(): number {
    return this.queue.length;
  }

  private settle(messageId: string): Pending | undefined {
    const entry = this.byId.get(messageId);
    if (entry === undefined) return undefined;
    clearTimeout(entry.timer);
    this.byId.delete(messageId);
    if (entry.queued) {
      const at = this.queue.indexOf(messageId);
      if (at !== -1) this.queue.splice(at, 1);
    }
    return entry;
  }
}
