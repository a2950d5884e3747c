/**
 * activestack-gateway as a library. This entry: the core (`createGateway`)
 * and the service (`startWorker`, `loadConfig`). The domain, the adapters
 * and the transports have entries of their own:
 * `activestack-gateway/domain`, `/memory`, `/amqp`, `/redis`, `/socketio`,
 * `/websocket`, and the client SDK `/client`. See docs/embedding.md.
 */
export { createGateway, type CreateGatewayOptions } from './create-gateway.js';
export { Gateway } from '../application/gateway.js';
export type { GatewaySettings } from '../application/gateway-settings.js';
export type * from '../application/ports.js';
export { TOKENS, PublishError } from '../application/ports.js';
export { SilentLogger } from '../adapters/logging/silent-logger.js';
export { NoMetrics } from '../adapters/metrics/no-metrics.js';
export { PromMetrics } from '../adapters/metrics/prom-metrics.js';
export { isResumable, RESUMABLE_CLOSE_REASONS, type CloseReason, type DisconnectNotice } from '../domain/close-reasons.js';
export { GATEWAY_ERROR_CODES, type GatewayError, type GatewayErrorCode } from '../domain/errors.js';
export { startWorker, type RunningWorker, type StartWorkerOptions } from '../main/worker.js';
export { loadConfig, ConfigError, type GatewayConfig } from '../main/config/index.js';
