import { availableParallelism } from 'node:os';
import { PUBLISHED_SESSION_SECRET } from './published-secret.js';

/** PROTOCOL §2.2 defaults. */
export const DEFAULT_UNAUTHENTICATED_EVENTS = [
  'authenticateOAuthAccessToken', 'authenticateOAuthCode', 'authenticateUserAccount', 'register',
  'authenticate', 'reauthenticate', 'getAllServiceProviders', 'getOAuthRequestToken', 'getRegAppOAuths',
  'getRegisteredApplication', 'getServiceUsers', 'logoutUser', 'testCall', 'validateUserByToken',
];

export const DEFAULT_AUTHENTICATED_EVENTS = [
  'createObject', 'create', 'delete', 'deletesReceived', 'logout', 'findByExample', 'findById',
  'findByIds', 'findUnique', 'getHistory', 'countAllByName', 'getAllByName', 'processTransaction',
  'putObject', 'removeObject', 'runProcess', 'runQuery', 'searchByExample', 'update',
  'updatesReceived', 'upgradeClient', 'getChangeWatcher',
];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const whole = (doc: string, dflt: number) => ({ doc, format: 'whole', default: dflt });
const positive = (doc: string, dflt: number) => ({ doc, format: 'positive', default: dflt });
const text = (doc: string, dflt: string, sensitive = false) => ({ doc, format: 'text', default: dflt, sensitive });
const bool = (doc: string, dflt: boolean) => ({ doc, format: 'bool', default: dflt });
const list = (doc: string, dflt: string[], sensitive = false) => ({ doc, format: 'string-list', default: dflt, sensitive });
const hostPorts = (doc: string) => ({ doc, format: 'host-port-list', default: [] as string[] });
const port = (doc: string, dflt: number) => ({ doc, format: 'port-number', default: dflt });

/**
 * The keys of the original gateway with its defaults (except workerCount),
 * plus ours. The README documents every key from these `doc` strings.
 */
export function gatewaySchema() {
  return {
    cluster: {
      heartbeatInterval: positive('ms between worker heartbeats to the supervisor', 1000),
      workerTimeout: positive('ms without heartbeat after which the watchdog replaces a worker', 5000),
      watchdogInterval: positive('ms between watchdog checks', 1000),
      memoryWarning: {
        rss: whole('MB of rss over which a worker is warned about (0 = off)', 1024),
        heapTotal: whole('MB of heapTotal over which a worker is warned about (0 = off)', 768),
      },
      memoryLimit: {
        rss: whole('MB of rss over which a worker is replaced (0 = off)', 2048),
        heapUsed: whole('MB of heapUsed over which a worker is replaced (0 = off)', 1536),
      },
      workerRestartDelay: whole('base ms of the restart backoff', 50),
      maxRestartBackoff: whole('cap of the backoff exponent', 10),
      workerCount: positive('worker processes; 1 = no supervisor', Math.floor(availableParallelism() / 2) + 1),
    },
    frontend: {
      logLevel: { doc: 'log level', format: 'log-level', default: 'info' },
      shutdownCode: text('code the shutdown control command must carry (must be set outside embedded mode)', '', true),
      port: port('socket/HTTP port', 8080),
      host: text('interface to listen on', '0.0.0.0'),
      ssl: bool('serve HTTPS/WSS', false),
      private_key: text('TLS private key file (PEM)', ''),
      certificate: text('TLS certificate file (PEM)', ''),
      cert_auth: list('TLS CA chain files (PEM), comma-separated, optional', []),
      session_secret: text('secret sealing reconnect keys', PUBLISHED_SESSION_SECRET, true),
      previous_session_secrets: list('previous secrets whose keys still open', [], true),
      sessionMaxAge: positive('ms a reconnect key stays valid', 7 * 24 * 3600 * 1000),
      loginMaxAge: positive('ms a login stays valid, however often its key is renewed', 30 * 24 * 3600 * 1000),
      embedded: bool('in-memory adapters and demo agent, no RabbitMQ/Redis', false),
      clientMessageResendInterval: { doc: 'ms between re-sends of an unacknowledged push (at least 100)', format: 'resend-interval', default: 7500 },
      maxResends: whole('re-sends before a client is taken as broken (0 = no limit)', 10),
      maxPayloadBytes: positive('largest accepted socket message, bytes', 1024 * 1024),
      rateLimit: {
        burst: positive('messages a client may send at once', 200),
        perSecond: positive('sustained messages per second per client', 100),
        disconnectAfter: positive('RATE_LIMITED errors before the socket is disconnected', 20),
        // Issue 10, client limits at the transport edge (with allowedOrigins, connections, trustProxy below).
        ackBurst: whole('acks a client may send at once, a bucket of their own (0 = 4 x burst, at least 800)', 0),
        ackPerSecond: whole('sustained acks per second per client (0 = 4 x perSecond, at least 400)', 0),
      },
      allowedOrigins: list('origins whose pages may connect (scheme://host[:port], scheme://*.domain, *); empty = same origin only', []),
      connections: {
        perAddress: whole('open connections per client address and worker (0 = no limit)', 256),
        perAddressPerSecond: whole('new connections per second per client address and worker (0 = no limit)', 32),
      },
      trustProxy: list('proxies whose X-Forwarded-For is believed (addresses, CIDRs, loopback, linklocal, uniquelocal); empty = none', []),
      flash_policy_port: port('Flash policy server port (0 = off)', 0),
      websocket: {
        path: text('raw WebSocket transport path (PROTOCOL §7); empty turns it off', '/ws'),
      },
      metrics: {
        port: port('port of the /metrics endpoint, apart from the client port (0 = off)', 9464),
        host: text('interface the /metrics endpoint listens on', '127.0.0.1'),
      },
      legacyKeys: {
        acceptUntil: {
          doc: "reconnect keys issued by the original gateway open until this ISO 8601 instant (empty = refused)",
          format: 'iso-instant',
          default: '',
        },
      },
      admin: {
        enabled: bool('serve the operator status page at /admin (docs/admin.md)', false),
        tokens: list('name:secret pairs that open /admin; the name goes in the audit log', [], true),
      },
    },
    gateway: {
      socketio: {
        timeout: positive('ping timeout, s', 300),
        interval: positive('ping interval, s', 20),
        transports: { doc: 'accepted transports', format: 'string-list', default: ['polling', 'websocket'] },
        path: text('Socket.IO path', '/socket.io'),
      },
      redis: {
        host: text('Redis host', 'localhost'),
        port: port('Redis port', 6379),
        password: text('Redis password', '', true),
        gatewaycontrolqueue: text('control channel name', 'gateway'),
        max_attempts: whole('connection attempts before a command fails', 1),
        offline_queue: bool('queue commands while disconnected', false),
        keyPrefix: text('prefix of every Redis key', 'asgw:'),
        sentinels: hostPorts('Redis Sentinel host:port list (empty = none)'),
        sentinelName: text('Sentinel master name', ''),
        cluster: hostPorts('Redis Cluster host:port list (empty = none)'),
        username: text('Redis ACL user (empty = default user)', ''),
        sentinelPassword: text('password of the Sentinel nodes (empty = none)', '', true),
        commandTimeout: positive('ms a Redis command may take before it fails and the connection is re-made', 2000),
        tls: bool('connect to Redis (and Sentinel) over TLS', false),
        ca: text('CA file (PEM) to verify Redis with (empty = system CAs)', ''),
        cert: text('client certificate file (PEM) for Redis TLS', ''),
        key: text('client private key file (PEM) for Redis TLS', ''),
        rejectUnauthorized: bool('refuse a Redis server whose certificate does not verify', true),
      },
      rabbitmq: {
        host: text('RabbitMQ host', 'localhost'),
        port: port('RabbitMQ port', 5672),
        login: text('RabbitMQ user', 'guest'),
        password: text('RabbitMQ password', 'guest', true),
        durable: bool('durable queues and persistent messages', false),
        vhost: text('RabbitMQ virtual host', '/'),
        heartbeat: whole('AMQP heartbeat, s', 30),
        prefetch: positive('unacknowledged deliveries per client queue', 10),
        hosts: hostPorts('RabbitMQ host[:port] list to fail over across (empty = host:port)'),
        replyQueueType: { doc: 'reply queue type: classic (one node) or quorum (replicated, durable)', format: ['classic', 'quorum'], default: 'classic' },
        maxInFlight: positive('publishes awaiting their broker confirm, per process, at most', 1000),
        confirmTimeout: positive('ms a publish may take (slot, socket, confirm) before AGENT_UNAVAILABLE', 5000),
        tls: bool('connect with TLS (amqps)', false),
        ca: text('CA file (PEM) to trust for the broker instead of the system CAs', ''),
        cert: text('client certificate file (PEM), for brokers that verify peers', ''),
        key: text('client private key file (PEM)', ''),
        rejectUnauthorized: bool('refuse a broker certificate that does not verify', true),
      },
      events: {
        unauthenticated: list('events allowed before login', DEFAULT_UNAUTHENTICATED_EVENTS),
        authenticated: list('events that need a logged-in session', DEFAULT_AUTHENTICATED_EVENTS),
      },
      presenceTtl: positive('ms a dead instance\'s presence outlives it', 30000),
    },
  };
}
