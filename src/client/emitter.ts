/**
 * A minimal typed emitter: node:events does not exist in browsers, and
 * unlike it an `error` without listeners must not throw here.
 */
export class Emitter<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** `onListenerError` sees what a listener threw, so one app bug cannot stop the protocol loop. */
  constructor(private readonly onListenerError: (event: keyof Events, error: unknown) => void) {}

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<Events[K]>) => void)(...args);
      } catch (err) {
        this.onListenerError(event, err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
