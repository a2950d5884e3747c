import type { Logger } from '../../src/application/ports.js';

export interface LogRecord {
  readonly level: string;
  readonly obj: Record<string, unknown> | string;
  readonly msg?: string;
}

/** A Logger that keeps what it is told, for tests that look at warnings. */
export function recordingLogger(records: LogRecord[] = []): Logger & { records: LogRecord[] } {
  const at =
    (level: string) =>
    (obj: Record<string, unknown> | string, msg?: string): void => {
      records.push(msg === undefined ? { level, obj } : { level, obj, msg });
    };
  const logger = {
    records,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}
