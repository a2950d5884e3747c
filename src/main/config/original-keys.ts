import { ConfigError } from './config-error.js';
import { FALSE_SPELLINGS, TRUE_SPELLINGS } from './formats.js';

/**
 * Keys that the original gateway read, or that its own files set, and that
 * this one has no setting for. Each is refused (start-up stops, naming the
 * key) when honouring it silently would weaken something, and otherwise
 * accepted with a warning that says why it changes nothing. Every other
 * key of the original is a schema key (docs/migration.md lists them all).
 */
interface OriginalOnlyKey {
  /** The value must be a boolean spelling; `true` is refused with this reason. */
  readonly refuseTrue?: string;
  readonly bool?: boolean;
  /** Logged once at start when the key is present. */
  readonly warning?: string;
}

const MEMORY_NOTE =
  'the original compared every field of process.memoryUsage() with cluster.memoryWarning.<field> and ' +
  'cluster.memoryLimit.<field>; this gateway has only memoryWarning.rss, memoryWarning.heapTotal, ' +
  'memoryLimit.rss and memoryLimit.heapUsed. Ignored: use one of those';

const ORIGINAL_ONLY: Readonly<Record<string, OriginalOnlyKey>> = {
  'frontend.reject_unauthorized': {
    bool: true,
    warning:
      'has no effect, as in the original: neither gateway asks clients for a TLS certificate, so there is ' +
      'nothing to reject (the original passed it to https.createServer without requestCert). Remove it',
  },
  'gateway.rabbitmq.useSSL': {
    bool: true,
    refuseTrue:
      'TLS to RabbitMQ is not supported: connecting in plain text instead would expose the broker password. ' +
      'Reach the broker over a private network or a local TLS tunnel, point gateway.rabbitmq.host/port at it, and remove this key',
  },
  'gateway.rabbitmq.concurrency': {
    warning: "was set by the original's container template but never read by its code; ignored. Remove it",
  },
  'cluster.memoryWarning.heapUsed': { warning: MEMORY_NOTE },
  'cluster.memoryLimit.heapTotal': { warning: MEMORY_NOTE },
};

export const ORIGINAL_ONLY_KEYS: readonly string[] = Object.keys(ORIGINAL_ONLY);

function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const s = value.trim().toLowerCase();
  if (TRUE_SPELLINGS.includes(s)) return true;
  if (FALSE_SPELLINGS.includes(s) || s === '') return false;
  return undefined;
}

/**
 * undefined when `key` is not one of those keys; otherwise the warning to
 * log (if any). Throws a ConfigError naming the key when it is refused.
 */
export function originalOnlyKey(key: string, value: unknown): { warning?: string } | undefined {
  const rule = ORIGINAL_ONLY[key];
  if (!rule) return undefined;
  if (rule.bool) {
    const flag = booleanOf(value);
    if (flag === undefined) throw new ConfigError(key, `must be true or false (a key of the original gateway)`);
    if (flag && rule.refuseTrue) throw new ConfigError(key, rule.refuseTrue);
  }
  return rule.warning ? { warning: `configuration key "${key}" (original gateway) ${rule.warning}` } : {};
}
