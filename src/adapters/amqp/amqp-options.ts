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
  /**
   * Type of the reply queues the bus declares. `classic` (default, as the
   * original): on one node, not replicated, durable per `durable`.
   * `quorum`: replicated over the cluster (Raft), always durable.
   */
  readonly replyQueueType?: ReplyQueueType;
  /**
   * Publishes awaiting their broker confirm, at most; more wait (within the
   * confirm timeout) for one to finish. Default 1000.
   */
  readonly maxInFlight?: number;
  /**
   * ms a publish may take, waiting for a free slot, for the socket to drain
   * and for the broker's confirm; then it rejects with 'timeout'. Default 5000.
   */
  readonly confirmTimeoutMs?: number;
  /** TLS material for amqps:// URLs (handed to tls.connect). */
  readonly tls?: AmqpTlsOptions;
}

export type ReplyQueueType = 'classic' | 'quorum';
export const REPLY_QUEUE_TYPES: readonly ReplyQueueType[] = ['classic', 'quorum'];

export interface AmqpTlsOptions {
  /** CAs to trust instead of the system's (PEM). */
  readonly ca?: readonly Buffer[];
  /** Client certificate and key (PEM), for brokers that verify peers. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Refuse a broker certificate that does not verify. Default true. */
  readonly rejectUnauthorized?: boolean;
}

export const DEFAULT_MAX_IN_FLIGHT = 1000;
export const DEFAULT_CONFIRM_TIMEOUT_MS = 5000;

export interface AmqpEndpoint {
  readonly host: string;
  readonly port?: number;
  readonly login?: string;
  readonly password?: string;
  readonly vhost?: string;
  /** Heartbeat in seconds; 0 turns heartbeats off. */
  readonly heartbeat?: number;
  /** amqps:// (TLS); the port then defaults to 5671. */
  readonly tls?: boolean;
}

/** An amqp:// (or amqps://) URL from host/port/login/password/vhost/heartbeat parts. */
export function amqpUrl(endpoint: AmqpEndpoint): string {
  const login = encodeURIComponent(endpoint.login ?? 'guest');
  const password = encodeURIComponent(endpoint.password ?? 'guest');
  const vhost = encodeURIComponent(endpoint.vhost ?? '/');
  const query = endpoint.heartbeat !== undefined ? `?heartbeat=${endpoint.heartbeat}` : '';
  const scheme = endpoint.tls ? 'amqps' : 'amqp';
  return `${scheme}://${login}:${password}@${endpoint.host}:${endpoint.port ?? (endpoint.tls ? 5671 : 5672)}/${vhost}${query}`;
}

/** `host:port` of a broker URL: the node the bus is on, as the operator named it. */
export function urlNode(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === 'amqps:' ? '5671' : '5672')}`;
  } catch {
    return redact(url);
  }
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
  if (options.replyQueueType !== undefined && !REPLY_QUEUE_TYPES.includes(options.replyQueueType)) {
    throw new RangeError(`amqp options: replyQueueType must be one of ${REPLY_QUEUE_TYPES.join(', ')}, got ${String(options.replyQueueType)}`);
  }
  const positive = (name: string, v: number | undefined): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new RangeError(`amqp options: ${name} must be a positive integer, got ${v}`);
  };
  positive('maxInFlight', options.maxInFlight);
  positive('confirmTimeoutMs', options.confirmTimeoutMs);
}

/** The URL without its password, for logs and errors. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}
