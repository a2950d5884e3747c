import { AgentRouter } from '../domain/agent-router.js';
import { ReconnectKeyCodec } from '../domain/reconnect-key.js';
import type { GatewayOptions } from '../application/gateway.js';
import type { SocketIoOptions } from './build-gateway.js';
import { ConfigError, instantOf, type GatewayConfig } from './config/index.js';

/** The use case's options from the configuration. */
export function gatewayOptions(config: GatewayConfig, instance: string): GatewayOptions {
  const f = config.frontend;
  const acceptUntil = instantOf(f.legacyKeys.acceptUntil);
  return {
    instance,
    client: {
      resendIntervalMs: f.clientMessageResendInterval,
      maxResends: f.maxResends,
      sessionMaxAgeMs: f.sessionMaxAge,
    },
    maxPayloadBytes: f.maxPayloadBytes,
    rateLimit: { ...f.rateLimit },
    router: new AgentRouter({
      unauthenticatedEvents: config.gateway.events.unauthenticated,
      authenticatedEvents: config.gateway.events.authenticated,
    }),
    keys: new ReconnectKeyCodec({
      secret: f.session_secret,
      previousSecrets: f.previous_session_secrets,
      maxAgeMs: f.sessionMaxAge,
      ...(acceptUntil !== undefined ? { legacyKeys: { acceptUntil } } : {}),
    }),
  };
}

/** Socket.IO's options from `gateway.socketio.*` (seconds in the config, ms here). */
export function socketIoOptions(config: GatewayConfig): SocketIoOptions {
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
    // Packets between maxPayloadBytes and this get PAYLOAD_TOO_LARGE; beyond
    // it the transport closes the connection before anything is parsed.
    maxHttpBufferSize: Math.max(4 * config.frontend.maxPayloadBytes, 1_000_000),
  };
}
