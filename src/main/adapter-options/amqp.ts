import { amqpUrl, type AmqpMessageBusOptions } from '../../adapters/amqp/amqp-options.js';
import type { GatewayConfig } from '../config/index.js';
import { hostList } from '../config/host-list.js';

/** The one mapping of `gateway.rabbitmq.*` to the AMQP message bus. */
export function amqpBusOptions(config: GatewayConfig, connectionName: string): AmqpMessageBusOptions {
  const q = config.gateway.rabbitmq;
  const hosts = q.hosts.length > 0 ? q.hosts : [`${q.host}:${q.port}`];
  return {
    urls: hostList(hosts, q.port).map(({ host, port }) =>
      amqpUrl({ host, port, login: q.login, password: q.password, vhost: q.vhost, heartbeat: q.heartbeat }),
    ),
    durable: q.durable,
    prefetch: q.prefetch,
    reconnect: { initialMs: 100, maxMs: 10_000 },
    connectionName,
  };
}
