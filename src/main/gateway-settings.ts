import type { GatewaySettings } from '../application/gateway-settings.js';
import type { HandshakeGuardOptions } from '../adapters/edge/handshake-guard.js';
import { clientAddressResolver } from '../adapters/edge/client-address.js';
import { OriginPolicy } from '../adapters/edge/origin-policy.js';
import type { SocketIoTransportOptions } from '../adapters/socketio/socketio-transport.js';
import type { WebSocketTransportOptions } from '../adapters/websocket/websocket-transport.js';
import { ConfigError, instantOf, type GatewayConfig } from './config/index.js';

/** The gateway core's settings from the configuration. */
export function gatewaySettings(config: GatewayConfig, instance: string): GatewaySettings {
  const f = config.frontend;
  const legacyKeysAcceptUntil = instantOf(f.legacyKeys.acceptUntil);
  return {
    secret: f.session_secret,
    previousSecrets: f.previous_session_secrets,
    instance,
    sessionMaxAgeMs: f.sessionMaxAge,
    loginMaxAgeMs: f.loginMaxAge,
    ...(legacyKeysAcceptUntil !== undefined ? { legacyKeysAcceptUntil } : {}),
    resendIntervalMs: f.clientMessageResendInterval,
    maxResends: f.maxResends,
    maxPayloadBytes: f.maxPayloadBytes,
    rateLimit: {
      burst: f.rateLimit.burst,
      perSecond: f.rateLimit.perSecond,
      // 0: four times the event bucket (the core's default), so raising one raises both.
      ...(f.rateLimit.ackBurst > 0 ? { ackBurst: f.rateLimit.ackBurst } : {}),
      ...(f.rateLimit.ackPerSecond > 0 ? { ackPerSecond: f.rateLimit.ackPerSecond } : {}),
      disconnectAfter: f.rateLimit.disconnectAfter,
    },
    events: { unauthenticated: config.gateway.events.unauthenticated, authenticated: config.gateway.events.authenticated },
  };
}

/** Socket.IO's options from `gateway.socketio.*` (seconds in the config, ms here). */
export function socketIoOptions(config: GatewayConfig): SocketIoTransportOptions {
  const s = config.gateway.socketio;
  const transports = s.transports.filter((t): t is 'websocket' | 'polling' => t === 'websocket' || t === 'polling');
  if (transports.length !== s.transports.length || transports.length === 0) {
    throw new ConfigError('gateway.socketio.transports', `must list websocket and/or polling, got "${s.transports.join(',')}"`);
  }
  return {
    path: s.path,
    transports,
    pingIntervalMs: s.interval * 1000,
    pingTimeoutMs: s.timeout * 1000,
    maxPayloadBytes: config.frontend.maxPayloadBytes,
    // Packets between maxPayloadBytes and this get PAYLOAD_TOO_LARGE; beyond
    // it the transport closes the connection before anything is parsed.
    maxHttpBufferSize: Math.max(4 * config.frontend.maxPayloadBytes, 1_000_000),
  };
}

/** The raw WebSocket transport's options (PROTOCOL §7), undefined when `frontend.websocket.path` is empty. */
export function webSocketOptions(config: GatewayConfig): WebSocketTransportOptions | undefined {
  const path = config.frontend.websocket.path;
  if (path === '') return undefined;
  if (!path.startsWith('/')) throw new ConfigError('frontend.websocket.path', `must start with "/" (or be empty to turn the transport off), got "${path}"`);
  const s = config.gateway.socketio;
  return {
    path,
    pingIntervalMs: s.interval * 1000,
    pingTimeoutMs: s.timeout * 1000,
    maxPayloadBytes: config.frontend.maxPayloadBytes,
    maxFrameBytes: 4 * config.frontend.maxPayloadBytes,
    foreignUpgradePaths: [s.path],
  };
}

/**
 * The checks on every new connection, both transports (issue 10):
 * `frontend.allowedOrigins`, `frontend.connections.*`, `frontend.trustProxy`.
 * A malformed origin or proxy address stops start-up with the key named.
 */
export function handshakeGuardOptions(config: GatewayConfig): HandshakeGuardOptions {
  const f = config.frontend;
  try {
    new OriginPolicy(f.allowedOrigins);
  } catch (err) {
    throw new ConfigError('frontend.allowedOrigins', (err as Error).message);
  }
  try {
    clientAddressResolver(f.trustProxy);
  } catch (err) {
    throw new ConfigError('frontend.trustProxy', `${(err as Error).message} (addresses, CIDRs, loopback, linklocal or uniquelocal)`);
  }
  return {
    allowedOrigins: f.allowedOrigins,
    perAddress: f.connections.perAddress,
    perAddressPerSecond: f.connections.perAddressPerSecond,
    trustedProxies: f.trustProxy,
  };
}

/** Pages allowed to use Socket.IO long-polling across origins: those of `frontend.allowedOrigins`, if any. */
export function corsOrigins(config: GatewayConfig): ((origin: string) => boolean) | undefined {
  const allowed = config.frontend.allowedOrigins;
  if (allowed.length === 0) return undefined;
  const policy = new OriginPolicy(allowed);
  return (origin) => policy.check(origin, undefined) === undefined;
}
