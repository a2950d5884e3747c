/**
 * Client and agent payloads arrive as parsed JSON; only plain objects are
 * accepted, so class instances, arrays and exotic prototypes never reach
 * the session or an agent.
 */
export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Copy own enumerable keys into a fresh object. Spread defines properties
 * (it never calls the `__proto__` setter), so a parsed `__proto__` key stays
 * data and never swaps the copy's prototype; it is also the fast path.
 */
export function copyPlain(source: PlainObject): PlainObject {
  return { ...source };
}

export function stringField(source: PlainObject, key: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(source, key)) return undefined;
  const value = source[key];
  return typeof value === 'string' ? value : undefined;
}
