/** How the AMQP message bus reaches and uses RabbitMQ; the composition root maps config to it. */
export interface AmqpMessageBusOptions {
  /** Brokers to fail over between, tried in order (amqp://user:pass@host:port/vhost?heartbeat=N). */
  readonly urls: readonly string[];
  /** Queues survive a broker restart and messages are persistent. */
  readonly durable: boolean;
  /** Unacknowledged deliveries per consumer. */
  readonly prefetch: number;
  /**
   * Channels that consumers (and, separately, queue declarations) are spread
   * over. AMQP runs one synchronous method at a time per channel, so with
   * one channel every client's declare/consume/cancel waits in one line.
   * Default 4.
   */
  readonly channels?: number;
  readonly reconnect: {
    /** First retry delay after a failure; doubles per failed attempt, with jitter. */
    readonly initialMs: number;
    readonly maxMs: number;
  };
  /** Shown by `rabbitmqctl list_connections client_properties`; helps operators find us. */
  readonly connectionName?: string;
}

export interface AmqpEndpoint {
  readonly host: string;
  readonly port?: number;
  readonly login?: string;
  readonly password?: string;
  readonly vhost?: string;
  /** Heartbeat in seconds; 0 turns heartbeats off. */
  readonly heartbeat?: number;
}

/** An amqp:// URL from host/port/login/password/vhost/heartbeat parts. */
export function amqpUrl(endpoint: AmqpEndpoint): string {
  const login = encodeURIComponent(endpoint.login ?? 'guest');
  const password = encodeURIComponent(endpoint.password ?? 'guest');
  const vhost = encodeURIComponent(endpoint.vhost ?? '/');
  const query = endpoint.heartbeat !== undefined ? `?heartbeat=${endpoint.heartbeat}` : '';
  return `amqp://${login}:${password}@${endpoint.host}:${endpoint.port ?? 5672}/${vhost}${query}`;
}

/** Rejects options that would make the bus misbehave later, naming the bad field. */
export function validateAmqpOptions(options: AmqpMessageBusOptions): void {
  if (options.urls.length === 0) throw new RangeError('amqp options: urls must name at least one broker');
  for (const url of options.urls) {
    if (!/^amqps?:\/\//.test(url)) throw new RangeError(`amqp options: "${redact(url)}" is not an amqp:// URL`);
  }
  if (!Number.isInteger(options.prefetch) || options.prefetch < 1 || options.prefetch > 65535) {
    throw new RangeError(`amqp options: prefetch must be an integer in 1..65535, got ${options.prefetch}`);
  }
  const { initialMs, maxMs } = options.reconnect;
  if (!(initialMs > 0) || !(maxMs >= initialMs)) {
    throw new RangeError(`amqp options: reconnect needs 0 < initialMs <= maxMs, got ${initialMs}/${maxMs}`);
  }
}

/** The URL without its password, for logs and errors. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}
