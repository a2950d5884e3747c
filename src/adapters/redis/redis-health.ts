import { HealthTracker } from '../../application/stats/connection-health.js';
import type { RedisClient } from './redis-client.js';

/**
 * Follows an ioredis client's own events: 'ready' is connected (commands
 * flow), 'close' and 'reconnecting' are a loss being retried, 'end' is a
 * client closed for good. ioredis has no "blocked".
 */
export function trackRedisHealth(name: string, client: RedisClient, now: () => number = Date.now): HealthTracker {
  const tracker = new HealthTracker(name, client.status === 'ready' ? 'connected' : 'connecting', now());
  let lastError: string | undefined;
  client.on('error', (err: Error) => { lastError = err.message; });
  client.on('ready', () => {
    lastError = undefined;
    tracker.set('connected', now());
  });
  client.on('close', () => {
    if (tracker.get().state === 'connected') tracker.set('reconnecting', now(), lastError);
  });
  client.on('reconnecting', () => tracker.set('reconnecting', now(), lastError));
  client.on('end', () => tracker.set('closed', now()));
  return tracker;
}
