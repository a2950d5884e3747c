import type { Logger } from '../../application/ports.js';

/** A logger that drops everything: the default of an embedded core that was given none. */
export class SilentLogger implements Logger {
  trace(): void {}
  debug(): void {}
  info(): void {}
  warn(): void {}
  error(): void {}
  child(): Logger {
    return this;
  }
}
