import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/index.js';
import { startWorker, type RunningWorker } from '../../../src/main/worker.js';
import { MemoryLogger } from '../../support/fakes.js';
import { freePort } from '../../support/free-port.js';
import { TestSocket } from '../../support/test-socket.js';

/**
 * The HTTP surface of a gateway (embedded: the routes are the same as with
 * RabbitMQ and Redis): load balancers' /health and /ready on the client
 * port, /metrics only on the metrics port, and the admin page beside it.
 */
let worker: RunningWorker | undefined;
afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

async function start(extra: Record<string, unknown>): Promise<RunningWorker> {
  const { config } = loadConfig({
    env: {},
    argv: { 'frontend.embedded': true, 'frontend.port': 0, 'frontend.host': '127.0.0.1', 'frontend.logLevel': 'silent', ...extra },
  });
  worker = await startWorker(config, { logger: new MemoryLogger() });
  return worker;
}

describe('the HTTP surface', () => {
  it('keeps /metrics off the client port by default: it is on its own port, on the loopback interface', async () => {
    const { config } = loadConfig({ env: {} });
    expect(config.frontend.metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    const metricsPort = await freePort();
    const w = await start({ 'frontend.metrics.port': metricsPort });
    const client = `http://127.0.0.1:${w.port}`;
    expect((await fetch(`${client}/metrics`)).status).toBe(404);
    expect((await fetch(`${client}/health`)).status).toBe(200);
    expect((await fetch(`${client}/ready`)).status).toBe(200);

    const socket = await TestSocket.open(client);
    try {
      await socket.start();
      const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      expect(await scrape.text()).toMatch(/^activestack_gateway_connected_clients 1$/m);
      // Only /metrics there: not a second copy of the client port.
      expect((await fetch(`http://127.0.0.1:${metricsPort}/ready`)).status).toBe(404);
    } finally {
      socket.close();
    }
  });

  it('serves no /metrics at all with frontend.metrics.port=0', async () => {
    const w = await start({ 'frontend.metrics.port': 0 });
    expect((await fetch(`http://127.0.0.1:${w.port}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${w.port}/health`)).status).toBe(200);
  });

  it('still serves clients when the metrics port cannot be bound, saying so in the log (for the admin page too)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    const logger = new MemoryLogger();
    const { config } = loadConfig({
      env: {},
      argv: {
        'frontend.embedded': true, 'frontend.port': 0, 'frontend.host': '127.0.0.1', 'frontend.metrics.port': taken,
        'frontend.admin.enabled': true, 'frontend.admin.tokens': 'ops:ops-secret-for-the-http-surface',
      },
    });
    try {
      worker = await startWorker(config, { logger });
      expect((await fetch(`http://127.0.0.1:${worker.port}/health`)).status).toBe(200);
      const refused = logger.lines.find((l) => l.msg === 'metrics endpoint not started: /metrics is not served');
      expect(refused).toMatchObject({ level: 'error', obj: { port: taken } });
      // The admin page shares that port: not moved to the client port, and said so.
      expect((await fetch(`http://127.0.0.1:${worker.port}/admin`)).status).toBe(404);
      expect(logger.lines.find((l) => l.msg === 'admin page not served: the metrics port it is served on is not up')).toMatchObject({ level: 'error' });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  describe('the admin page (frontend.admin.enabled)', () => {
    const SECRET = 'ops-secret-for-the-http-surface';
    const admin = { 'frontend.admin.enabled': true, 'frontend.admin.tokens': `ops:${SECRET}` };
    const bearer = { authorization: `Bearer ${SECRET}` };
    const pids = async (base: string): Promise<number[]> => {
      const res = await fetch(`${base}/admin/api/state`, { headers: bearer });
      expect(res.status).toBe(200);
      const state = (await res.json()) as { instances: Array<{ workers: Array<{ pid: number }> }> };
      return state.instances.flatMap((i) => i.workers.map((w) => w.pid));
    };

    it('is served beside /metrics on the metrics port, not on the client port', async () => {
      const metricsPort = await freePort();
      const w = await start({ ...admin, 'frontend.metrics.port': metricsPort });
      const internal = `http://127.0.0.1:${metricsPort}`;
      const page = await fetch(`${internal}/admin`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>');
      expect((await fetch(`${internal}/admin/api/state`)).status).toBe(401);
      expect(await pids(internal)).toEqual([process.pid]);
      expect((await fetch(`${internal}/metrics`)).status).toBe(200);

      const client = `http://127.0.0.1:${w.port}`;
      for (const path of ['/admin', '/admin/admin.js', '/admin/api/state']) {
        expect((await fetch(`${client}${path}`, { headers: bearer })).status, path).toBe(404);
      }
    });

    it('is served on the client port with frontend.metrics.port=0', async () => {
      const w = await start({ ...admin, 'frontend.metrics.port': 0 });
      const client = `http://127.0.0.1:${w.port}`;
      expect((await fetch(`${client}/admin`)).status).toBe(200);
      expect((await fetch(`${client}/admin/api/state`)).status).toBe(401);
      expect(await pids(client)).toEqual([process.pid]);
    });
  });
});
