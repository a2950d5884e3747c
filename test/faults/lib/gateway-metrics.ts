/** The figures of a gateway's /metrics (prom-client default metrics) the soak watches. */
export interface GatewaySample {
  readonly at: number;
  readonly rssMb: number;
  readonly lagP99Ms: number;
  readonly handles: number;
  readonly timers: number;
  readonly clients: number;
}

function value(text: string, name: string, label?: string): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (label === undefined ? !(rest.startsWith(' ')) : !rest.startsWith(`{${label}}`)) continue;
    const n = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(n)) return n;
  }
  return Number.NaN;
}

/** `url`: the gateway's metrics endpoint (`frontend.metrics.*`), without the path. */
export async function sampleGateway(url: string): Promise<GatewaySample> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const p = 'activestack_gateway_';
  return {
    at: Date.now(),
    rssMb: Math.round(value(text, `${p}process_resident_memory_bytes`) / 1e5) / 10,
    lagP99Ms: Math.round(value(text, `${p}nodejs_eventloop_lag_p99_seconds`) * 1e4) / 10,
    handles: value(text, `${p}nodejs_active_handles_total`),
    timers: value(text, `${p}nodejs_active_resources`, 'type="Timeout"'),
    clients: value(text, `${p}connected_clients`),
  };
}
