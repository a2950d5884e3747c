import type { ReconnectOptions } from './types.js';

/**
 * Delay before retry number `attempt` (0-based): doubling from initialMs up
 * to maxMs, then "equal jitter" (half fixed, half random) so that clients
 * dropped together by a restarting gateway do not all come back at once.
 */
export function backoffDelay(attempt: number, options: ReconnectOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
