/**
 * A backing service (RabbitMQ, Redis) as this worker sees it, and since
 * when: what the admin page shows. Adapters keep it up to date from their
 * client's events.
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'blocked' | 'closed';

export interface ConnectionHealth {
  /** What the service is to the operator: 'RabbitMQ', 'Redis (sessions)', ... */
  readonly name: string;
  readonly state: ConnectionState;
  /** Epoch ms of the last change of state. */
  readonly since: number;
  /** Why, when the client said (the broker's block reason, the error of a loss). */
  readonly detail?: string;
}

/** Keeps one service's state and the time it last changed; repeating a state keeps its time. */
export class HealthTracker {
  private current: ConnectionHealth;

  constructor(name: string, state: ConnectionState, now: number) {
    this.current = { name, state, since: now };
  }

  set(state: ConnectionState, now: number, detail?: string): void {
    if (state === this.current.state) return;
    this.current = { name: this.current.name, state, since: now, ...(detail !== undefined ? { detail: detail.slice(0, 200) } : {}) };
  }

  get(): ConnectionHealth {
    return this.current;
  }
}
