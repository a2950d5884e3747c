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
  const state: LevelState = { level: config.frontend.logLevel as LogLevel };
  const base = { pid: process.pid, ...opts.bindings };
  const options = { level: 'trace', base, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  let pinoRoot: PinoLogger;
  if (opts.destination) pinoRoot = pino(options, opts.destination);
  else if (process.stdout.isTTY) pinoRoot = pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  else pinoRoot = pino(options);

  const root = new LevelledLogger(state, undefined, undefined, pinoRoot);
  return Object.assign(root, {
    setLevel(level: string): void {
      if (!(level in ORDER)) throw new Error(`unknown log level "${level}"; one of ${Object.keys(ORDER).join(', ')}`);
      state.level = level as LogLevel;
    },
    level: () => state.level,
  });
}

interface LevelState {
  level: LogLevel;
}

/**
 * The level is checked against one shared value before anything is built,
 * and a child's pino logger is made on its first enabled line: the gateway
 * makes one child per client socket and most never log. A class, so that a
 * child costs one small object rather than a set of closures.
 */
class LevelledLogger implements Logger {
  constructor(
    private readonly state: LevelState,
    private readonly parent: LevelledLogger | undefined,
    private readonly bindings: Record<string, unknown> | undefined,
    private made: PinoLogger | undefined,
  ) {}

  trace(obj: Record<string, unknown> | string, msg?: string): void {
    if (ORDER.trace >= ORDER[this.state.level]) this.write('trace', obj, msg);
  }
  debug(obj: Record<string, unknown> | string, msg?: string): void {
    if (ORDER.debug >= ORDER[this.state.level]) this.write('debug', obj, msg);
  }
  info(obj: Record<string, unknown> | string, msg?: string): void {
    if (ORDER.info >= ORDER[this.state.level]) this.write('info', obj, msg);
  }
  warn(obj: Record<string, unknown> | string, msg?: string): void {
    if (ORDER.warn >= ORDER[this.state.level]) this.write('warn', obj, msg);
  }
  error(obj: Record<string, unknown> | string, msg?: string): void {
    if (ORDER.error >= ORDER[this.state.level]) this.write('error', obj, msg);
  }

  child(bindings: Record<string, unknown>): Logger {
    return new LevelledLogger(this.state, this, bindings, undefined);
  }

  private pino(): PinoLogger {
    return (this.made ??= this.parent!.pino().child(this.bindings!));
  }

  private write(lvl: Exclude<LogLevel, 'silent' | 'fatal'>, obj: Record<string, unknown> | string, msg?: string): void {
    if (typeof obj === 'string') this.pino()[lvl](obj);
    else this.pino()[lvl](obj, msg);
  }
}
