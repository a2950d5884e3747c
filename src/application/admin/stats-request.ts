/**
 * The admin bus's one request: `stats <id> <since>`. Every worker answers
 * with its status and the samples it took after `since` (epoch ms), echoing
 * `id` so the asking process can tell its replies from other askers'.
 */
export interface StatsRequest {
  readonly id: string;
  readonly since: number;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function formatStatsRequest(request: StatsRequest): string {
  return `stats ${request.id} ${Math.max(0, Math.floor(request.since))}`;
}

/** undefined for anything else: the admin bus carries nothing but stats requests. */
export function parseStatsRequest(line: string): StatsRequest | undefined {
  const [word, id, since, ...rest] = String(line).trim().split(/\s+/);
  if (word !== 'stats' || id === undefined || !ID.test(id) || since === undefined || rest.length > 0) return undefined;
  if (!/^\d{1,15}$/.test(since)) return undefined;
  return { id, since: Number(since) };
}
