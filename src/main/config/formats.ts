import convict from 'convict';
import { MIN_RESEND_INTERVAL_MS } from '../../application/control-command.js';
import { parseHostPort } from './host-list.js';

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

const toBoolean = (v: string): unknown => {
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return v;
};

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
    text: {
      validate: (v: unknown) => {
        if (typeof v !== 'string') throw new Error('must be a string');
      },
    },
  });
}
