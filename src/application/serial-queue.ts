/**
 * Runs tasks one at a time in submission order. Synchronous tasks run
 * immediately when nothing is pending, so the common path costs no
 * promise; a task that returns a promise holds the queue until it settles.
 */
export class SerialQueue {
  private readonly pending: Array<() => unknown> = [];
  private running = false;

  constructor(private readonly onError: (err: unknown) => void) {}

  submit(task: () => unknown): void {
    if (this.running) {
      this.pending.push(task);
      return;
    }
    this.run(task);
  }

  private run(first: () => unknown): void {
    let task: (() => unknown) | undefined = first;
    this.running = true;
    while (task) {
      let result: unknown;
      try {
        result = task();
      } catch (err) {
        this.onError(err);
      }
      if (isPromise(result)) {
        result.then(this.resume, (err: unknown) => {
          this.onError(err);
          this.resume();
        });
        return;
      }
      task = this.pending.shift();
    }
    this.running = false;
  }

  private readonly resume = (): void => {
    this.running = false;
    const next = this.pending.shift();
    if (next) this.run(next);
  };
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === 'function';
}
