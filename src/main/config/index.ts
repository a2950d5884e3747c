export { ConfigError } from './config-error.js';
export type { GatewayConfig } from './gateway-config.js';
export { loadConfig, assertProductionSafe, configKeys, envName } from './load-config.js';
export type { LoadConfigOptions, LoadedConfig } from './load-config.js';
export { httpsOptions } from './https-options.js';
export { adminTokens } from './admin-config.js';
export type { HttpsOptions } from './https-options.js';
export { PUBLISHED_SESSION_SECRET } from './published-secret.js';
export { DEFAULT_AUTHENTICATED_EVENTS, DEFAULT_UNAUTHENTICATED_EVENTS, LOG_LEVELS } from './schema.js';
