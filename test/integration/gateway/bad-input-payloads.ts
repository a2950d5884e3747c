/** Seeded generators of hostile payloads for the bad-input tests (reproducible: same seed, same values). */

export type Rng = () => number;

/** mulberry32: a tiny seeded PRNG, good enough to vary test data. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function isPlain(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'messageId', 'sendAck', 'correspondingMessageId', 'reconnectId', 'clientId', 'userId', 'token', 'a', ''];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

function scalar(rng: Rng): unknown {
  switch (Math.floor(rng() * 9)) {
    case 0: return null;
    case 1: return rng() < 0.5;
    case 2: return Math.floor(rng() * 2 ** 31) * (rng() < 0.5 ? -1 : 1);
    case 3: return rng() * 1e308;
    case 4: return '';
    case 5: return 'x'.repeat(Math.floor(rng() * 20_000));
    case 6: return '\u0000\ud800💥"\\';
    case 7: return pick(rng, KEYS);
    default: return String(rng());
  }
}

/** A random JSON value; objects are built as parsed JSON would be, so `__proto__` is an own key. */
export function junkValue(rng: Rng, depth = 0): unknown {
  const r = rng();
  if (depth > 4 || r < 0.4) return scalar(rng);
  if (r < 0.6) return Array.from({ length: Math.floor(rng() * 4) }, () => junkValue(rng, depth + 1));
  const entries: string[] = [];
  for (let i = Math.floor(rng() * 5); i > 0; i--) entries.push(`${JSON.stringify(pick(rng, KEYS))}:${JSON.stringify(junkValue(rng, depth + 1)) ?? 'null'}`);
  return JSON.parse(`{${entries.join(',')}}`);
}

/** `count` generated values, always including the classic non-objects. */
export function junkValues(rng: Rng, count: number): unknown[] {
  const fixed: unknown[] = [null, 0, -1, 1.5, true, false, '', 'connect', [], [{}], [[[]]], { sendAck: true }, { sendAck: true, messageId: 5 }];
  return [...fixed, ...Array.from({ length: count }, () => junkValue(rng))];
}

export function deepNest(depth: number, kind: 'object' | 'array'): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { n: v };
  return v;
}

/** Values for `{reconnect: value}` that must all be refused; `realKey` is a valid key to tamper with. */
export function badReconnectValues(realKey: string, rng: Rng): unknown[] {
  const [pub = '', sealed = ''] = realKey.split(';');
  const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  const otherPub = Buffer.from(JSON.stringify({ clientId: 'f'.repeat(32), userId: 'admin', savedAt: Date.now() })).toString('base64');
  const protoPub = Buffer.from('{"__proto__":{"userId":"admin"},"clientId":"x","savedAt":1}').toString('base64');
  const keys: unknown[] = [
    '', ';', ';;', 'a;b', realKey.replace(';', ''), `${pub};`, `;${sealed}`,
    `${pub};${flip(sealed, sealed.length - 3)}`, `${pub};${flip(sealed, 12)}`,
    `${otherPub};${sealed}`, `${protoPub};${sealed}`,
    `${pub};${sealed.replace(/^v1\./, 'v2.')}`, `${pub};${sealed.replace(/^v1\.[^.]+\./, 'v1.nokid.')}`,
    `${pub};v1`, `${pub};v1..`, `${pub};v1.x.${'A'.repeat(10)}`,
    `${pub};${sealed}${'A'.repeat(9000)}`, 'x'.repeat(8193), `${realKey};${realKey}`,
    '\u0000;\u0000', '💥;💥', 'not base64!;v1.k.***',
  ];
  const shapes: unknown[] = [
    null, 0, 'string-not-object', [], [realKey], true,
    {}, { reconnectId: null }, { reconnectId: 5 }, { reconnectId: [realKey] }, { reconnectId: { key: realKey } },
    JSON.parse(`{"__proto__":{"reconnectId":${JSON.stringify(realKey)}}}`),
    JSON.parse(`{"constructor":{"reconnectId":${JSON.stringify(realKey)}}}`),
  ];
  const random = Array.from({ length: 10 }, () => ({ reconnectId: (JSON.stringify(junkValue(rng)) ?? "").slice(0, 9000) }));
  return [...shapes, ...keys.map((k) => ({ reconnectId: k })), ...random];
}
