import type { AmqpStatus } from './amqp-connection-manager.js';

/**
 * The broker part of a /ready body: plain JSON, times as ISO strings.
 * /ready is on the public client port: it names the node, never the URL
 * (user name and vhost stay in the logs).
 */
export interface BrokerReadiness {
  readonly connected: boolean;
  readonly node?: string;
  readonly cluster?: string;
  readonly connectedSince?: string;
  readonly lastFailoverAt?: string;
  readonly failovers: number;
  readonly blocked: boolean;
}

export function brokerReadiness(status: AmqpStatus): BrokerReadiness {
  const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
  const connectedSince = iso(status.connectedSince);
  const lastFailoverAt = iso(status.lastFailoverAt);
  return {
    connected: status.connected,
    ...(status.node !== undefined ? { node: status.node } : {}),
    ...(status.cluster !== undefined ? { cluster: status.cluster } : {}),
    ...(connectedSince !== undefined ? { connectedSince } : {}),
    ...(lastFailoverAt !== undefined ? { lastFailoverAt } : {}),
    failovers: status.failovers,
    blocked: status.blocked,
  };
}
