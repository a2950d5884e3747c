import { createHash, timingSafeEqual } from 'node:crypto';
import type { LogLevel } from './ports.js';

/** Control lines (PROTOCOL §5): command word case-insensitive, arguments as typed. */

export type StopMode = 'immediate' | 'graceful';

export type ControlCommand =
  | { readonly name: 'clientcount' }
  | { readonly name: 'loglevel'; readonly level: LogLevel }
  | { readonly name: 'clientmessageresendinterval'; readonly ms: number | undefined }
  | { readonly name: 'restart'; readonly mode: StopMode; readonly ms: number }
  | { readonly name: 'shutdown'; readonly mode: StopMode; readonly ms: number };

export type ParsedControlLine =
  | { readonly ok: true; readonly command: ControlCommand }
  /** `name` is the lower-cased command word ('' for a blank line). */
  | { readonly ok: false; readonly name: string; readonly error: string };

export const CONTROL_LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
export const DEFAULT_ROLLING_GAP_MS = 500;
export const DEFAULT_GRACE_MS = 30_000;
/** PROTOCOL §5: a shorter resend interval is refused, in the config and in the command. */
export const MIN_RESEND_INTERVAL_MS = 100;
/** How much of an unknown command word is logged and echoed (it may be a mistyped code). */
export const UNKNOWN_WORD_SHOWN = 12;
const MAX_LINE = 1024;
const MAX_MS = 24 * 3600 * 1000;

/** Equal-length digests so neither the time nor an exception depends on the code's length. */
export function shutdownCodeMatches(given: string, expected: string): boolean {
  if (expected === '') return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

function parseMs(text: string): number | undefined {
  if (!/^\d{1,9}$/.test(text)) return undefined;
  const ms = Number(text);
  return ms <= MAX_MS ? ms : undefined;
}

function parseStop(name: 'restart' | 'shutdown', args: string[]): ParsedControlLine {
  let mode: StopMode = 'immediate';
  let rest = args;
  const first = rest[0];
  if (first !== undefined && (first.toLowerCase() === 'immediate' || first.toLowerCase() === 'graceful')) {
    mode = first.toLowerCase() as StopMode;
    rest = rest.slice(1);
  }
  if (rest.length > 1) return { ok: false, name, error: `usage: ${name}${name === 'shutdown' ? ' <code>' : ''} [immediate|graceful] [ms]` };
  let ms = mode === 'immediate' ? DEFAULT_ROLLING_GAP_MS : DEFAULT_GRACE_MS;
  if (rest[0] !== undefined) {
    const parsed = parseMs(rest[0]);
    if (parsed === undefined) return { ok: false, name, error: `ms must be a whole number up to ${MAX_MS}` };
    ms = parsed;
  }
  return { ok: true, command: { name, mode, ms } };
}

/**
 * Parses and validates one line. The shutdown code is checked here, before
 * anything else about the command is looked at, and is never part of a result.
 */
export function parseControlLine(line: string, shutdownCode: string): ParsedControlLine {
  if (line.length > MAX_LINE) return { ok: false, name: '', error: 'command line too long' };
  const [word = '', ...args] = line.trim().split(/\s+/).filter((s) => s !== '');
  const name = word.toLowerCase();
  switch (name) {
    case '':
      return { ok: false, name, error: 'empty command' };
    case 'clientcount':
      return args.length === 0 ? { ok: true, command: { name } } : { ok: false, name, error: 'usage: clientcount' };
    case 'loglevel': {
      // The original's console speaks winston: verbose and silly are our debug and trace.
      const given = args[0];
      const level = given === 'verbose' ? 'debug' : given === 'silly' ? 'trace' : given;
      if (args.length !== 1 || level === undefined || !CONTROL_LOG_LEVELS.includes(level as LogLevel)) {
        return { ok: false, name, error: `usage: loglevel <${CONTROL_LOG_LEVELS.join('|')}> (verbose = debug, silly = trace)` };
      }
      return { ok: true, command: { name, level: level as LogLevel } };
    }
    case 'clientmessageresendinterval': {
      if (args.length > 1) return { ok: false, name, error: 'usage: clientmessageresendinterval [ms]' };
      if (args[0] === undefined) return { ok: true, command: { name, ms: undefined } };
      const ms = parseMs(args[0]);
      if (ms === undefined || ms < MIN_RESEND_INTERVAL_MS) {
        return { ok: false, name, error: `ms must be a whole number from ${MIN_RESEND_INTERVAL_MS} to ${MAX_MS}` };
      }
      return { ok: true, command: { name, ms } };
    }
    case 'restart':
      return parseStop(name, args);
    case 'shutdown': {
      const [code, ...rest] = args;
      if (code === undefined || !shutdownCodeMatches(code, shutdownCode)) {
        return { ok: false, name, error: 'wrong or missing shutdown code' };
      }
      return parseStop(name, rest);
    }
    default:
      return { ok: false, name: shortWord(name), error: 'unknown command' };
  }
}

/**
 * An unknown word cut short: `shutdwn` is worth seeing in a log, a code
 * pasted in its place is not.
 */
function shortWord(word: string): string {
  return word.length > UNKNOWN_WORD_SHOWN ? `${word.slice(0, UNKNOWN_WORD_SHOWN)}…` : word;
}

/**
 * An accepted line as it may be logged: the command word and its
 * arguments, the shutdown code replaced. Rejected lines are logged by
 * their (parsed, possibly shortened) command word alone.
 */
export function describeControlLine(line: string): string {
  const [word = '', ...args] = line.trim().split(/\s+/);
  if (word.toLowerCase() === 'shutdown' && args.length > 0) args[0] = '***';
  return [word.toLowerCase(), ...args].join(' ').slice(0, 200);
}
