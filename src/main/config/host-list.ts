/** One `host`, `host:port`, `[v6]` or `[v6]:port` entry of a host list key. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOST_PORT = /^([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

/** undefined when `entry` is not host[:port] or its port is out of range. */
export function parseHostPort(entry: string, defaultPort: number): HostPort | undefined {
  const m = HOST_PORT.exec(entry.trim());
  if (!m) return undefined;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** A validated host list (the config format checked it) as endpoints. */
export function hostList(entries: readonly string[], defaultPort: number): HostPort[] {
  return entries.map((entry) => {
    const parsed = parseHostPort(entry, defaultPort);
    if (!parsed) throw new RangeError(`"${entry}" is not host[:port]`);
    return parsed;
  });
}
