/** The Redis session store and control channel: `activestack-gateway/redis`. */
export { closeRedisClient, createRedisClient, type RedisClient, type RedisClientOptions, type RedisEndpoint } from './redis-client.js';
export { RedisControlChannel, type RedisControlChannelOptions } from './redis-control-channel.js';
export { RedisSessionStore, type RedisSessionStoreOptions } from './redis-session-store.js';
