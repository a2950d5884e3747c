import { readFileSync } from 'node:fs';
import { amqpUrl, type AmqpMessageBusOptions, type AmqpTlsOptions } from '../../adapters/amqp/amqp-options.js';
import { ConfigError } from '../config/config-error.js';
import type { GatewayConfig } from '../config/index.js';
import { hostList } from '../config/host-list.js';

/** The one mapping of `gateway.rabbitmq.*` to the AMQP message bus. */
export function amqpBusOptions(config: GatewayConfig, connectionName: string): AmqpMessageBusOptions {
  const q = config.gateway.rabbitmq;
  const hosts = q.hosts.length > 0 ? q.hosts : [`${q.host}:${q.port}`];
  const tls = amqpTlsOptions(config);
  return {
    urls: hostList(hosts, q.port).map(({ host, port }) =>
      amqpUrl({ host, port, login: q.login, password: q.password, vhost: q.vhost, heartbeat: q.heartbeat, tls: q.tls }),
    ),
    durable: q.durable,
    prefetch: q.prefetch,
    reconnect: { initialMs: 100, maxMs: 10_000 },
    connectionName,
    replyQueueType: q.replyQueueType,
    maxInFlight: q.maxInFlight,
    confirmTimeoutMs: q.confirmTimeout,
    ...(tls ? { tls } : {}),
  };
}

const read = (key: string, path: string): Buffer => {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(key, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
};

/** TLS material of `gateway.rabbitmq.{ca,cert,key,rejectUnauthorized}`; undefined without `tls`. */
export function amqpTlsOptions(config: GatewayConfig): AmqpTlsOptions | undefined {
  const q = config.gateway.rabbitmq;
  if (!q.tls) {
    for (const key of ['ca', 'cert', 'key'] as const) {
      if (q[key] !== '') throw new ConfigError(`gateway.rabbitmq.${key}`, 'is set but gateway.rabbitmq.tls is false');
    }
    return undefined;
  }
  if ((q.cert === '') !== (q.key === '')) {
    throw new ConfigError(q.cert === '' ? 'gateway.rabbitmq.cert' : 'gateway.rabbitmq.key', 'client certificate and key go together: set both or neither');
  }
  return {
    ...(q.ca !== '' ? { ca: [read('gateway.rabbitmq.ca', q.ca)] } : {}),
    ...(q.cert !== '' ? { cert: read('gateway.rabbitmq.cert', q.cert), key: read('gateway.rabbitmq.key', q.key) } : {}),
    rejectUnauthorized: q.rejectUnauthorized,
  };
}
