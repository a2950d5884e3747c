import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * Cluster-wide /metrics. Every worker serves HTTP on the shared port, so a
 * scrape lands on any one of them; that worker asks the supervisor over IPC,
 * the supervisor collects every worker's registry with prom-client's
 * AggregatorRegistry (summing counters and gauges) and appends its own
 * (worker restarts).
 */
const REQ = 'asgw:metrics-req';
const RES = 'asgw:metrics-res';

interface MetricsRequest { type: typeof REQ; id: number }
interface MetricsResponse { type: typeof RES; id: number; text?: string; error?: string }

/** Worker side: expose `registry` to the supervisor and return a metricsText that asks for the sum. */
export function workerClusterMetrics(registry: Registry, timeoutMs = 6000): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // its constructor installs the worker's IPC responder
  let next = 0;
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const onMessage = (msg: unknown): void => {
        const m = msg as MetricsResponse;
        if (m?.type !== RES || m.id !== id) return;
        cleanup();
        if (m.text !== undefined) resolve(m.text);
        else reject(new Error(m.error ?? 'no metrics'));
      };
      const timer = setTimeout(() => { cleanup(); reject(new Error('supervisor did not answer the metrics request')); }, timeoutMs);
      const cleanup = (): void => { clearTimeout(timer); process.off('message', onMessage); };
      process.on('message', onMessage);
      process.send?.({ type: REQ, id } satisfies MetricsRequest);
    });
}

/** Supervisor side: answer workers' requests with the cluster sum plus `own` metrics. */
export function serveClusterMetrics(own: () => Promise<string>): () => void {
  const aggregator = new AggregatorRegistry();
  const onMessage = (worker: import('node:cluster').Worker, msg: unknown): void => {
    const m = msg as MetricsRequest;
    if (m?.type !== REQ) return;
    Promise.all([aggregator.clusterMetrics(), own()])
      .then(([sum, mine]) => reply(worker, { type: RES, id: m.id, text: `${sum}\n${mine}` }))
      .catch((err: unknown) => reply(worker, { type: RES, id: m.id, error: String((err as Error)?.message ?? err) }));
  };
  cluster.on('message', onMessage);
  return () => cluster.off('message', onMessage);
}

function reply(worker: import('node:cluster').Worker, msg: MetricsResponse): void {
  if (worker.isConnected()) worker.send(msg);
}
