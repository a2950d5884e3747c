import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { freePort } from '../../support/free-port.js';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { ServerProcess, writeConfig } from './ops-process.js';
import { connectWss, httpsGet, makeSelfSignedCert, nextEvent, type TlsMaterial } from './tls-material.js';

/**
 * frontend.ssl=true end to end: the real CLI serves Socket.IO over wss and
 * its HTTP routes over https with the configured key and certificate, and
 * refuses to start, naming the key, when they are missing or unreadable.
 */
let tls: TlsMaterial;
const servers: ServerProcess[] = [];
const sockets: Socket[] = [];

beforeAll(() => {
  tls = makeSelfSignedCert();
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all(servers.map((s) => s.stop()));
  tls?.remove();
}, 40_000);

function start(extra: Record<string, unknown>): ServerProcess {
  const { file } = writeConfig(extra);
  const server = new ServerProcess([file]);
  servers.push(server);
  return server;
}

const sslKeys = (): Record<string, unknown> => ({
  'frontend.ssl': true,
  'frontend.private_key': tls.keyFile,
  'frontend.certificate': tls.certFile,
});

/** A wss client trusting only our certificate starts a session; /health answers over https. */
async function expectServedOverTls(port: number): Promise<void> {
  const socket = await connectWss(`https://127.0.0.1:${port}`, tls.cert);
  sockets.push(socket);
  const ack = nextEvent(socket, 'gatewayConnectAck');
  socket.emit('message', { connect: {} });
  const key = await ack;
  expect(typeof key).toBe('string');
  expect(String(key)).toContain(';');

  const health = await httpsGet(`https://127.0.0.1:${port}/health`, tls.cert);
  expect(health.status).toBe(200);
  expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
}

describe('TLS (frontend.ssl=true)', () => {
  it('embedded: serves wss and https with the configured certificate', async () => {
    const server = start({ ...sslKeys(), 'frontend.embedded': true });
    const port = await server.listening(1);
    const listening = server.logs.find((r) => r.msg === 'gateway listening');
    expect(listening?.tls).toBe(true);
    await expectServedOverTls(port);

    // It really is our certificate: a client trusting only the system CAs refuses it...
    await expect(httpsGet(`https://127.0.0.1:${port}/health`)).rejects.toThrow(/self[- ]signed/i);
    await expect(connectWss(`https://127.0.0.1:${port}`)).rejects.toThrow();
    // ...and nothing is served in clear text on that port.
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    expect(server.child.exitCode).toBeNull();
  }, 60_000);

  it('2 workers over real Redis and RabbitMQ: the cluster serves wss and https', async () => {
    await requireRedis();
    await requireRabbitMq();
    const metricsPort = await freePort();
    const server = start({ ...sslKeys(), 'frontend.metrics.port': metricsPort });
    const port = await server.listening(2);
    // Several clients: the primary deals them out to the workers.
    for (let i = 0; i < 4; i++) await expectServedOverTls(port);
    expect((await httpsGet(`https://127.0.0.1:${port}/metrics`, tls.cert)).status).toBe(404);
    // The metrics port is plain HTTP on an internal interface, served by the supervisor.
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^activestack_gateway_connected_clients 4$/m);
  }, 60_000);

  it('2 workers: default clients (long-polling, then the upgrade) and raw wss clients, through the TLS-terminating primary', async () => {
    await requireRedis();
    await requireRabbitMq();
    const metricsPort = await freePort();
    const server = start({ ...sslKeys(), 'frontend.metrics.port': metricsPort });
    const port = await server.listening(2);
    const url = `https://127.0.0.1:${port}`;
    const keys = await Promise.all(Array.from({ length: 20 }, async () => {
      const socket = io(url, { forceNew: true, reconnection: false, ca: tls.cert.toString(), timeout: 20_000 });
      sockets.push(socket);
      let first = '';
      socket.io.once('open', () => { first = socket.io.engine.transport.name; });
      await nextEvent(socket, 'connect', 30_000);
      const ack = nextEvent(socket, 'gatewayConnectAck', 30_000);
      socket.emit('message', { connect: {} });
      const key = String(await ack);
      if (socket.io.engine.transport.name !== 'websocket') await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
      return { key, first };
    }));
    expect(keys.every(({ first }) => first === 'polling')).toBe(true);
    expect(new Set(keys.map(({ key }) => key.split(';')[0])).size).toBe(20);

    const raw = new WebSocket(`wss://127.0.0.1:${port}/ws`, { ca: tls.cert });
    await new Promise((resolve, reject) => { raw.once('open', resolve); raw.once('error', reject); });
    const frame = new Promise<{ event: string; data: unknown }>((resolve) => raw.once('message', (d) => resolve(JSON.parse(String(d)))));
    raw.send(JSON.stringify({ event: 'message', data: { connect: {} } }));
    expect((await frame).event).toBe('gatewayConnectAck');
    raw.close();

    // The metrics port is plain HTTP on an internal interface, served by the supervisor.
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(await metrics.text()).toMatch(/^activestack_gateway_connected_clients (20|21)$/m);
  }, 90_000);

  it.each([
    ['without a private key', { 'frontend.ssl': true, 'frontend.certificate': '__CERT__' }, /frontend\.private_key/],
    ['without a certificate', { 'frontend.ssl': true, 'frontend.private_key': '__KEY__' }, /frontend\.(private_key|certificate)/],
    ['without either, embedded', { 'frontend.ssl': true, 'frontend.embedded': true }, /frontend\.private_key/],
    ['with an unreadable key file, embedded', { 'frontend.ssl': true, 'frontend.embedded': true, 'frontend.private_key': '/nonexistent/asgw-key.pem', 'frontend.certificate': '__CERT__' }, /frontend\.private_key.*\/nonexistent\/asgw-key\.pem/],
  ])('refuses to start %s, naming the key', async (_what, extra, named) => {
    const resolved = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, v === '__CERT__' ? tls.certFile : v === '__KEY__' ? tls.keyFile : v]));
    const server = start({ ...resolved, 'cluster.workerCount': 1 });
    const code = await server.exited;
    expect(code, server.output()).toBe(2);
    expect(server.output()).toMatch(named);
    expect(server.logs.some((r) => r.msg === 'gateway listening')).toBe(false);
  }, 30_000);
});
