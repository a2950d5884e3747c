import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Logger, LogLevel } from '../application/ports.js';
import type { GatewayConfig } from './config/index.js';

const SECRET_FIELDS = [
  'token', 'password', 'reconnectId', 'key', 'keys', 'secret', 'session_secret',
  'previous_session_secrets', 'shutdownCode', 'authorization', 'cookie',
];

/** Secrets redacted at the top level and up to three objects deep (payloads, sessions, config). */
export const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]);

const ORDER: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

export interface RootLogger extends Logger {
  /** Changes the level of this logger and of every child, existing or future. */
  setLevel(level: LogLevel | string): void;
  level(): LogLevel;
}

export interface CreateLoggerOptions {
  /** Where JSON lines go (tests); default stdout, pretty-printed when it is a TTY. */
  destination?: DestinationStream;
  bindings?: Record<string, unknown>;
}

/**
 * pino itself logs everything; the level is checked here against one shared
 * value because pino children copy their parent's level when created, and
 * `loglevel` at run time must reach the per-client children that already exist.
 */
export function createLogger(config: Pick<GatewayConfig, 'frontend'>, opts: CreateLoggerOptions = {}): RootLogger {
  const state = { level: config.frontend.logLevel as LogLevel };
  const base = { pid: process.pid, ...opts.bindings };
  const options = { level: 'trace', base, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  let root: PinoLogger;
  if (opts.destination) root = pino(options, opts.destination);
  else if (process.stdout.isTTY) root = pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  else root = pino(options);

  const enabled = (lvl: LogLevel): boolean => ORDER[lvl] >= ORDER[state.level];
  // A child's pino logger is made on its first enabled line: one per client
  // socket, and most never log anything.
  const wrap = (make: () => PinoLogger): Logger => {
    let made: PinoLogger | undefined;
    const get = (): PinoLogger => (made ??= make());
    const at = (lvl: Exclude<LogLevel, 'silent' | 'fatal'>) =>
      (obj: Record<string, unknown> | string, msg?: string): void => {
        if (!enabled(lvl)) return;
        if (typeof obj === 'string') get()[lvl](obj);
        else get()[lvl](obj, msg);
      };
    return {
      trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'),
      child: (bindings) => wrap(() => get().child(bindings)),
    };
  };
  return {
    ...wrap(() => root),
    setLevel(level: string): void {
      if (!(level in ORDER)) throw new Error(`unknown log level "${level}"; one of ${Object.keys(ORDER).join(', ')}`);
      state.level = level as LogLevel;
    },
    level: () => state.level,
  };
}
