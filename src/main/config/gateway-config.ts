import type { LogLevel } from '../../application/ports.js';

/** The loaded configuration: a plain nested object, one field per schema key. */
export interface GatewayConfig {
  cluster: {
    heartbeatInterval: number;
    workerTimeout: number;
    watchdogInterval: number;
    memoryWarning: { rss: number; heapTotal: number };
    memoryLimit: { rss: number; heapUsed: number };
    workerRestartDelay: number;
    maxRestartBackoff: number;
    workerCount: number;
  };
  frontend: {
    logLevel: LogLevel;
    shutdownCode: string;
    port: number;
    host: string;
    ssl: boolean;
    private_key: string;
    certificate: string;
    cert_auth: string[];
    session_secret: string;
    previous_session_secrets: string[];
    sessionMaxAge: number;
    loginMaxAge: number;
    embedded: boolean;
    clientMessageResendInterval: number;
    maxResends: number;
    maxPayloadBytes: number;
    rateLimit: { burst: number; perSecond: number; disconnectAfter: number; ackBurst: number; ackPerSecond: number };
    allowedOrigins: string[];
    connections: { perAddress: number; perAddressPerSecond: number };
    trustProxy: string[];
    flash_policy_port: number;
    websocket: { path: string };
    metrics: { port: number; host: string };
    legacyKeys: { acceptUntil: string };
  };
  gateway: {
    socketio: { timeout: number; interval: number; transports: string[]; path: string };
    redis: {
      host: string;
      port: number;
      password: string;
      gatewaycontrolqueue: string;
      max_attempts: number;
      offline_queue: boolean;
      keyPrefix: string;
      sentinels: string[];
      sentinelName: string;
      cluster: string[];
      username: string;
      sentinelPassword: string;
      commandTimeout: number;
      tls: boolean;
      ca: string;
      cert: string;
      key: string;
      rejectUnauthorized: boolean;
    };
    rabbitmq: {
      host: string;
      port: number;
      login: string;
      password: string;
      durable: boolean;
      vhost: string;
      heartbeat: number;
      prefetch: number;
      hosts: string[];
    };
    events: { unauthenticated: string[]; authenticated: string[] };
    presenceTtl: number;
  };
}
