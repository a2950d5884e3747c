import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * Cluster-wide /metrics. The supervisor serves /metrics on the metrics
 * port itself and sums every worker's registry with prom-client's
 * AggregatorRegistry (over node:cluster IPC: counters and gauges summed),
 * followed by its own metrics (worker restarts). One aggregation asks
 * every worker, so its result is kept for a second: scrapes that come
 * closer together (several Prometheus servers, a curl loop) cost the
 * workers nothing more.
 */

/** Worker side: let the supervisor's aggregator read `registry`. */
export function exposeToSupervisor(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // its constructor installs the worker's IPC responder
}

export interface ClusterMetricsOptions {
  /** How long an aggregation is served again (default 1000 ms). */
  readonly cacheMs?: number;
  readonly now?: () => number;
  /** The sum of the workers' registries (default: prom-client's AggregatorRegistry). */
  readonly aggregate?: () => Promise<string>;
}

/** Supervisor side: the metrics text of the whole instance, workers summed plus `own`, cached. */
export function clusterMetricsText(own: () => Promise<string>, opts: ClusterMetricsOptions = {}): () => Promise<string> {
  const aggregator = opts.aggregate ? undefined : new AggregatorRegistry();
  const aggregate = opts.aggregate ?? (async () => (await aggregator!.clusterMetrics()) as string);
  return cachedFor(opts.cacheMs ?? 1000, async () => {
    const [sum, mine] = await Promise.all([aggregate(), own()]);
    return `${sum}\n${mine}`;
  }, opts.now ?? Date.now);
}

/**
 * `collect` at most once per `ms`: calls within `ms` of the last result
 * get that result, and calls while one runs share it. A failure is not kept.
 */
export function cachedFor<T>(ms: number, collect: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let last: { value: T; at: number } | undefined;
  let running: Promise<T> | undefined;
  return () => {
    if (last && now() - last.at < ms) return Promise.resolve(last.value);
    running ??= collect().then(
      (value) => {
        last = { value, at: now() };
        running = undefined;
        return value;
      },
      (err: unknown) => {
        running = undefined;
        throw err;
      },
    );
    return running;
  };
}
