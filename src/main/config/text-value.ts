/**
 * How a value written as text (a .properties line, an environment variable,
 * a --set flag) is read before its format converts it, so that the
 * original gateway's files load as they are:
 *
 * - A key whose format is not free text (numbers, ports, booleans, the log
 *   level, lists, dates) loses a trailing comment: whitespace, then `#`,
 *   then anything to the end of the line. The original's sample file has
 *   `frontend.flash_policy_port=10443 # Optionally change …`.
 *   Text keys (secrets, passwords, paths, names) are kept verbatim, `#`
 *   included, as Java properties and the original's parser read them.
 * - An empty number, port, boolean or level keeps the key's default, as the
 *   original's `properties[key] || default` did (its container template
 *   wrote `cluster.workerCount=$WORKER_COUNT`, empty when unset).
 */
export type TextValue = { readonly useDefault: true } | { readonly useDefault: false; readonly value: string };

const TRAILING_COMMENT = /\s+#.*$/s;
const DEFAULT_WHEN_EMPTY = new Set(['whole', 'positive', 'port-number', 'bool', 'log-level']);

export function readTextValue(format: string | undefined, raw: string): TextValue {
  if (format === undefined || format === 'text') return { useDefault: false, value: raw };
  const value = raw.replace(TRAILING_COMMENT, '');
  if (value.trim() === '' && DEFAULT_WHEN_EMPTY.has(format)) return { useDefault: true };
  return { useDefault: false, value };
}
