import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import ipaddr from 'ipaddr.js';

/**
 * Which address a connection counts against (per-address limits). The
 * peer's address, or with trusted proxies (addresses, CIDRs, or
 * `loopback` / `linklocal` / `uniquelocal`) the first address in
 * X-Forwarded-For that is not one of them, as fastify's `trustProxy` does.
 * X-Forwarded-For is never believed from a peer that is not trusted:
 * anyone can write it. IPv4-mapped IPv6 counts as IPv4; other IPv6
 * addresses count by their /64, since one host is given a whole /64.
 */
/** A connection with no peer address (a Unix socket hop): per-address limits cannot count it. */
export const UNKNOWN_ADDRESS = 'unknown';

export function clientAddressResolver(trustedProxies: readonly string[]): (req: IncomingMessage) => string {
  // compile() throws on a malformed entry: the caller names the setting.
  const trust = trustedProxies.length > 0 ? proxyAddr.compile([...trustedProxies]) : undefined;
  return (req) => {
    const address = trust ? proxyAddr(req, trust) : req.socket.remoteAddress;
    return address === undefined || address === '' ? UNKNOWN_ADDRESS : addressKey(address);
  };
}

/** The key an address counts under: IPv4 as is, IPv6 by its /64. */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}
