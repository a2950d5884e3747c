import type { Logger, Metrics } from '../../src/application/ports.js';

/** A logger that keeps what it was told, for assertions and quiet tests. */
export class MemoryLogger implements Logger {
  constructor(
    readonly lines: Array<{ level: string; msg?: string; obj: unknown }> = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}
  private add(level: string, obj: Record<string, unknown> | string, msg?: string): void {
    this.lines.push(typeof obj === 'string' ? { level, msg: obj, obj: this.bindings } : { level, msg, obj: { ...this.bindings, ...obj } });
    if (this.lines.length > 10_000) this.lines.shift();
  }
  trace(obj: Record<string, unknown> | string, msg?: string): void { this.add('trace', obj, msg); }
  debug(obj: Record<string, unknown> | string, msg?: string): void { this.add('debug', obj, msg); }
  info(obj: Record<string, unknown> | string, msg?: string): void { this.add('info', obj, msg); }
  warn(obj: Record<string, unknown> | string, msg?: string): void { this.add('warn', obj, msg); }
  error(obj: Record<string, unknown> | string, msg?: string): void { this.add('error', obj, msg); }
  child(bindings: Record<string, unknown>): Logger {
    return new MemoryLogger(this.lines, { ...this.bindings, ...bindings });
  }
}

/** Metrics kept as plain counters. */
export class CountingMetrics implements Metrics {
  readonly counts = new Map<string, number>();
  connected = 0;
  private bump(key: string): void { this.counts.set(key, (this.counts.get(key) ?? 0) + 1); }
  clientsConnected(delta: number): void { this.connected += delta; }
  messageIn(event: string): void { this.bump(`in:${event}`); }
  messageOut(kind: string): void { this.bump(`out:${kind}`); }
  resend(): void { this.bump('resend'); }
  gatewayError(code: string): void { this.bump(`error:${code}`); }
  ackWait(): void { this.bump('ackWait'); }
  publishConfirm(): void { this.bump('publishConfirm'); }
  badAgentMessage(): void { this.bump('badAgentMessage'); }
  legacyKey(outcome: string): void { this.bump(`legacyKey:${outcome}`); }
}
