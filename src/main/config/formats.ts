import convict from 'convict';
import { MIN_RESEND_INTERVAL_MS } from '../../application/control-command.js';
import type { LogLevel } from '../../application/ports.js';
import { parseHostPort } from './host-list.js';
import { LOG_LEVELS } from './schema.js';

/**
 * Strict value formats. convict's built-ins are lenient where an operator's
 * typo should stop start-up instead: `parseInt('80x')` is 80 and any boolean
 * string but "false" is true. Strings come from properties files, env vars
 * and flags; JSON files give typed values, which pass through unchanged.
 */

function assertWhole(v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new Error(`must be a whole number from ${min} to ${max}`);
  }
}

const toNumber = (v: string): unknown => (/^\s*-?\d+\s*$/.test(v) ? Number(v) : v);

/** Case-insensitive; `t`/`f` because the original read `frontend.ssl=t` as true. */
export const TRUE_SPELLINGS = ['true', 't', '1', 'yes', 'on'];
export const FALSE_SPELLINGS = ['false', 'f', '0', 'no', 'off'];

export const toBoolean = (v: string): unknown => {
  const s = v.trim().toLowerCase();
  if (TRUE_SPELLINGS.includes(s)) return true;
  if (FALSE_SPELLINGS.includes(s)) return false;
  return v;
};

/**
 * The original logged through winston with the levels silly < debug <
 * verbose < info < warn < error. pino has no level between debug and info,
 * so `verbose` becomes debug (everything the original showed, and our debug
 * lines too) and `silly` becomes trace.
 */
export const WINSTON_LEVELS: Readonly<Record<string, LogLevel>> = { verbose: 'debug', silly: 'trace' };

const toLogLevel = (v: string): unknown => {
  const s = v.trim().toLowerCase();
  return WINSTON_LEVELS[s] ?? s;
};

/** A date (UTC midnight) or a date and time with its zone: an instant nobody has to guess. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Milliseconds since the epoch of an `iso-instant` value, undefined when empty (off). */
export function instantOf(value: string): number | undefined {
  const text = value.trim();
  if (!ISO_INSTANT.test(text)) return undefined;
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  // Date.parse rolls 2026-02-30 over into March; a calendar date must exist.
  if (new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10) !== text.slice(0, 10)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

const toList = (v: string): unknown =>
  v.trim() === '' ? [] : v.split(',').map((s) => s.trim()).filter((s) => s !== '');

function assertStringList(v: unknown): asserts v is string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s !== '')) {
    throw new Error('must be a list of non-empty strings (comma-separated in text sources)');
  }
}

function assertHostPortList(v: unknown): void {
  assertStringList(v);
  for (const entry of v) {
    if (!parseHostPort(entry, 0)) throw new Error(`"${entry}" is not host[:port]`);
  }
}

let registered = false;

export function registerFormats(): void {
  if (registered) return;
  registered = true;
  convict.addFormats({
    whole: { validate: (v: unknown) => assertWhole(v, 0, Number.MAX_SAFE_INTEGER), coerce: toNumber },
    positive: { validate: (v: unknown) => assertWhole(v, 1, Number.MAX_SAFE_INTEGER), coerce: toNumber },
    // PROTOCOL §5: a shorter interval drops every client that does not ack within a few ms.
    'resend-interval': { validate: (v: unknown) => assertWhole(v, MIN_RESEND_INTERVAL_MS, Number.MAX_SAFE_INTEGER), coerce: toNumber },
    'port-number': { validate: (v: unknown) => assertWhole(v, 0, 65535), coerce: toNumber },
    bool: {
      validate: (v: unknown) => {
        if (typeof v !== 'boolean') throw new Error('must be true or false');
      },
      coerce: toBoolean,
    },
    'string-list': { validate: assertStringList, coerce: toList },
    'host-port-list': { validate: assertHostPortList, coerce: toList },
    'log-level': {
      validate: (v: unknown) => {
        if (typeof v !== 'string' || !(LOG_LEVELS as readonly string[]).includes(v)) {
          throw new Error(`must be one of ${LOG_LEVELS.join(', ')} (or the original's verbose, silly)`);
        }
      },
      coerce: toLogLevel,
    },
    'iso-instant': {
      validate: (v: unknown) => {
        if (typeof v !== 'string') throw new Error('must be a string');
        if (v.trim() === '') return;
        if (instantOf(v) === undefined) {
          throw new Error('must be empty (off) or an ISO 8601 date like 2026-03-31 or date-time with zone like 2026-03-31T18:00:00Z');
        }
      },
    },
    text: {
      validate: (v: unknown) => {
        if (typeof v !== 'string') throw new Error('must be a string');
      },
    },
  });
}
