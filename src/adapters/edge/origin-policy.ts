/**
 * Which web pages may open a connection (PROTOCOL §1; issue 10: without it
 * any page on the internet can make its visitors' browsers connect).
 * Browsers send `Origin` on every WebSocket upgrade and cross-origin
 * request; clients that are not browsers usually send none, and nothing
 * stops them from sending any, so a request without Origin is let through:
 * the check protects browsers' users, it does not authenticate anyone.
 *
 * Pages of the gateway's own origin (the Origin's host:port equals the
 * request's Host) are always let through; with no allowed origins
 * configured, only they are, as gorilla/websocket and Centrifugo do by
 * default. Entries are
 * `scheme://host[:port]`, `scheme://*.domain[:port]` (any subdomain, not
 * the domain itself), or `*` (any page: the original gateway's behaviour).
 */
export class OriginPolicy {
  private readonly any: boolean;
  private readonly exact = new Set<string>();
  private readonly patterns: RegExp[] = [];

  constructor(readonly allowed: readonly string[]) {
    this.any = allowed.includes('*');
    for (const entry of allowed) {
      if (entry === '*') continue;
      const normal = normalizeEntry(entry);
      if (normal.includes('*')) this.patterns.push(patternOf(normal));
      else this.exact.add(normal);
    }
  }

  /** undefined: allowed; otherwise why not (for the log). `host`: the request's Host header. */
  check(origin: string | undefined, host: string | undefined): string | undefined {
    if (origin === undefined || this.any) return undefined;
    const normal = normalizeOrigin(origin);
    if (normal === undefined) return 'malformed Origin';
    if (host !== undefined && normal !== 'null' && hostPortOf(normal) === normalizeHost(host, schemeOf(normal))) return undefined;
    if (this.exact.has(normal) || this.patterns.some((p) => p.test(normal))) return undefined;
    return this.allowed.length === 0 ? 'cross-origin, and frontend.allowedOrigins is empty' : 'cross-origin, and not in frontend.allowedOrigins';
  }
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443' };

/** `scheme://host[:port]` lower-cased, default port dropped; undefined if not an origin. `null` stays `null`. */
function normalizeOrigin(origin: string): string | undefined {
  if (origin === 'null') return 'null';
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  if (url.host === '' || (url.pathname !== '/' && url.pathname !== '') || url.username !== '' || url.password !== '') return undefined;
  return `${url.protocol}//${url.host}`;
}

/** A configured entry, checked at start-up: a mistyped one must not silently allow nothing (or everything). */
function normalizeEntry(entry: string): string {
  if (entry === 'null') return 'null';
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([^/?#]+)\/?$/i.exec(entry);
  if (!m) throw new Error(`"${entry}" is not an origin (scheme://host[:port], scheme://*.domain[:port] or *)`);
  const [, scheme, wildcard = '', rest] = m;
  const normal = normalizeOrigin(`${scheme}://${rest}`);
  if (normal === undefined || rest!.includes('*')) throw new Error(`"${entry}" is not an origin (scheme://host[:port], scheme://*.domain[:port] or *)`);
  return wildcard === '' ? normal : normal.replace('://', '://*.');
}

function patternOf(normal: string): RegExp {
  const [head, tail] = normal.split('*.') as [string, string];
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escape(head)}(?:[a-z0-9-]+\\.)+${escape(tail)}$`);
}

function schemeOf(normal: string): string {
  return normal.slice(0, normal.indexOf(':'));
}

function hostPortOf(normal: string): string {
  return normal.slice(normal.indexOf('//') + 2);
}

/** The Host header as `host[:port]` without the scheme's default port, lower-cased. */
function normalizeHost(host: string, scheme: string): string {
  const lower = host.trim().toLowerCase();
  const port = DEFAULT_PORTS[scheme];
  return port !== undefined && lower.endsWith(`:${port}`) ? lower.slice(0, -port.length - 1) : lower;
}
