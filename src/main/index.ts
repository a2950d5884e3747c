/** The gateway as a library: start a worker in-process, or build one on your own ports. */
export { startWorker, type RunningWorker, type StartWorkerOptions } from './worker.js';
export { buildGateway, type BuiltGateway, type GatewayPorts, type SocketIoOptions } from './build-gateway.js';
export { loadConfig, ConfigError, type GatewayConfig } from './config/index.js';
export type * from '../application/ports.js';
