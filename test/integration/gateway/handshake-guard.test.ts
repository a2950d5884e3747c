import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { HandshakeGuardOptions } from '../../../src/adapters/edge/handshake-guard.js';
import { loadConfig } from '../../../src/main/config/index.js';
import { startWorker, type RunningWorker } from '../../../src/main/worker.js';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../support/embedded-gateway.js';
import { MemoryLogger } from '../../support/fakes.js';
import { sleep, TestSocket, TRANSPORTS, type TransportName } from '../../support/test-socket.js';

/**
 * Issue 10, point 3 (the edge part): any web page could make its visitors'
 * browsers connect, and one address could open connections without end.
 * Every new connection now passes the Origin check and the per-address
 * limits, on both transports.
 */
const OFF: HandshakeGuardOptions = { allowedOrigins: [], perAddress: 0, perAddressPerSecond: 0, trustedProxies: [] };

/** The HTTP status a WebSocket upgrade gets: 101 when accepted (the socket is then closed). */
function upgradeStatus(url: string, transport: TransportName, opts: { headers?: Record<string, string>; localAddress?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const path = transport === 'websocket' ? '/ws' : '/socket.io/?EIO=4&transport=websocket';
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${path}`, { ...opts });
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, headers: {}, body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    ws.once('error', (err) => reject(err));
  });
}

/** A Socket.IO long-polling handshake: its status, headers and body. */
function pollingHandshake(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/socket.io/?EIO=4&transport=polling`, { headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(TRANSPORTS)('handshake checks over %s', (transport) => {
  const other: TransportName = transport === 'websocket' ? 'socket.io' : 'websocket';
  const open: TestSocket[] = [];
  let gw: EmbeddedGateway | undefined;

  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    await gw?.close();
    gw = undefined;
  });

  async function start(guard: Partial<HandshakeGuardOptions>): Promise<EmbeddedGateway> {
    gw = await startEmbeddedGateway({ guard: { ...OFF, ...guard }, socketIoTransports: ['websocket', 'polling'] });
    return gw;
  }

  async function connect(url: string, t: TransportName, opts: { headers?: Record<string, string>; localAddress?: string } = {}): Promise<TestSocket> {
    const s = await TestSocket.open(url, t, opts);
    open.push(s);
    return s;
  }

  const refusals = (g: EmbeddedGateway, msg: string) => g.logger.lines.filter((l) => l.level === 'debug' && l.msg === msg).map((l) => l.obj as Record<string, unknown>);

  describe('Origin (frontend.allowedOrigins)', () => {
    it('by default a foreign Origin gets 403 before the transport takes it, logged at debug; the same origin and clients without Origin connect', async () => {
      const g = await start({});
      const foreign = await upgradeStatus(g.url, transport, { headers: { Origin: 'https://evil.example' } });
      expect(foreign.status).toBe(403);
      await expect(connect(g.url, transport, { headers: { Origin: 'https://evil.example' } })).rejects.toThrow();
      expect(g.gateway.clientCount).toBe(0);
      const logged = refusals(g, 'connection refused: origin');
      expect(logged.length).toBeGreaterThanOrEqual(2);
      expect(logged[0]).toMatchObject({ transport, origin: 'https://evil.example', reason: 'cross-origin, and frontend.allowedOrigins is empty' });

      const same = await connect(g.url, transport, { headers: { Origin: g.url } });
      await same.start();
      const none = await connect(g.url, transport);
      await none.start();
      expect(g.gateway.clientCount).toBe(2);
    });

    it('listed origins and wildcard subdomains connect; others get 403', async () => {
      const g = await start({ allowedOrigins: ['https://app.example.com', 'https://*.example.org'] });
      for (const origin of ['https://app.example.com', 'https://eu.example.org']) {
        const s = await connect(g.url, transport, { headers: { Origin: origin } });
        await s.start();
      }
      for (const origin of ['https://example.org', 'http://app.example.com', 'https://app.example.com.evil.net', 'null']) {
        expect((await upgradeStatus(g.url, transport, { headers: { Origin: origin } })).status, origin).toBe(403);
      }
      expect(refusals(g, 'connection refused: origin').map((l) => l.reason)).toContain('cross-origin, and not in frontend.allowedOrigins');
    });

    it('a very long Origin is logged cut short', async () => {
      const g = await start({});
      const origin = `https://${'a'.repeat(5000)}.example`;
      expect((await upgradeStatus(g.url, transport, { headers: { Origin: origin } })).status).toBe(403);
      const line = g.logger.lines.find((l) => l.msg === 'connection refused: origin');
      expect(JSON.stringify(line).length).toBeLessThan(1024);
    });
  });

  describe('per-address limits (frontend.connections.*)', () => {
    it('the N+1th concurrent connection from one address gets 429, whichever transport holds the others; another address is unaffected; a close frees a place', async () => {
      const g = await start({ perAddress: 3 });
      const first = await connect(g.url, transport);
      await connect(g.url, transport);
      await connect(g.url, other);
      const refused = await upgradeStatus(g.url, transport);
      expect(refused.status).toBe(429);
      expect(refused.body).toBe('too many connections from this address');
      await expect(connect(g.url, transport)).rejects.toThrow();
      expect(refusals(g, 'connection refused: per-address limit')[0]).toMatchObject({ transport, address: '127.0.0.1', reason: 'too many connections from this address' });

      // Another client address (127.0.0.2 is this machine too) is not counted with them.
      const elsewhere = await connect(g.url, transport, { localAddress: '127.0.0.2' });
      await elsewhere.start();

      first.close();
      let reopened: TestSocket | undefined;
      for (let i = 0; i < 100 && !reopened; i++) {
        reopened = await connect(g.url, transport).catch(() => undefined);
        if (!reopened) await sleep(30);
      }
      expect(reopened, 'a place was freed by the close').toBeDefined();
      await reopened!.start();
    });

    it('new connections per second: the burst passes, the next gets 429 with Retry-After, and a second later it passes', async () => {
      const g = await start({ perAddressPerSecond: 4 });
      for (let i = 0; i < 4; i++) expect((await upgradeStatus(g.url, transport)).status).toBe(101);
      const refused = await upgradeStatus(g.url, transport);
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.body).toBe('connecting too fast from this address');
      expect((await upgradeStatus(g.url, transport, { localAddress: '127.0.0.2' })).status).toBe(101);
      await sleep(1100);
      expect((await upgradeStatus(g.url, transport)).status).toBe(101);
    });

    it('X-Forwarded-For is believed only from a trusted proxy', async () => {
      const g = await start({ perAddress: 1 });
      await connect(g.url, transport, { headers: { 'X-Forwarded-For': '203.0.113.5' } });
      // Not trusted: the header changes nothing, everyone is 127.0.0.1.
      expect((await upgradeStatus(g.url, transport, { headers: { 'X-Forwarded-For': '203.0.113.6' } })).status).toBe(429);
      expect(g.logger.lines.filter((l) => l.level === 'warn' && /X-Forwarded-For/.test(l.msg ?? ''))).toHaveLength(1);
      await g.close();

      const trusting = await start({ perAddress: 1, trustedProxies: ['loopback'] });
      await connect(trusting.url, transport, { headers: { 'X-Forwarded-For': '203.0.113.5' } });
      await connect(trusting.url, transport, { headers: { 'X-Forwarded-For': '203.0.113.6' } });
      expect((await upgradeStatus(trusting.url, transport, { headers: { 'X-Forwarded-For': '203.0.113.5' } })).status).toBe(429);
      // A client cannot pose as another by prepending: the proxy's own entry (the last) counts.
      expect((await upgradeStatus(trusting.url, transport, { headers: { 'X-Forwarded-For': '198.51.100.1, 203.0.113.6' } })).status).toBe(429);
    });
  });
});

describe('Socket.IO long-polling handshakes', () => {
  const open: TestSocket[] = [];
  let gw: EmbeddedGateway | undefined;

  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    await gw?.close();
    gw = undefined;
  });

  it('a foreign Origin gets 403; an allowed one gets the CORS header it needs', async () => {
    const allowed = ['https://app.example.com'];
    gw = await startEmbeddedGateway({
      guard: { ...OFF, allowedOrigins: allowed },
      socketIoTransports: ['websocket', 'polling'],
      corsOrigins: (origin) => allowed.includes(origin),
    });
    expect((await pollingHandshake(gw.url, { Origin: 'https://evil.example' })).status).toBe(403);
    const ok = await pollingHandshake(gw.url, { Origin: 'https://app.example.com' });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('a polling session holds its place until it closes, and its later requests are not counted', async () => {
    gw = await startEmbeddedGateway({ guard: { ...OFF, perAddress: 1 }, socketIoTransports: ['polling'] });
    const polling = new TestSocket(gw.url, { transport: 'socket.io', transports: ['polling'] });
    open.push(polling);
    await polling.connected();
    // Its polls and posts (with its sid) keep going: a round trip works.
    await polling.start();
    polling.emit('testCall', { messageId: 'poll-1' });
    await polling.next('push', (m) => m?.correspondingMessageId === 'poll-1');
    expect((await pollingHandshake(gw.url, {})).status).toBe(429);
    polling.close();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await pollingHandshake(gw.url, {})).status;
      if (status !== 200) await sleep(30);
    }
    expect(status).toBe(200);
  });
});

describe('the server wires the keys (frontend.allowedOrigins, frontend.connections.perAddress)', () => {
  let worker: RunningWorker | undefined;
  const open: TestSocket[] = [];

  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    await worker?.close();
  });

  it.each(TRANSPORTS)('over %s', async (transport) => {
    const { config } = loadConfig({
      env: {},
      argv: {
        'frontend.embedded': true,
        'frontend.port': 0,
        'frontend.host': '127.0.0.1',
        'frontend.allowedOrigins': 'https://app.example.com',
        'frontend.connections.perAddress': 2,
      },
    });
    worker = await startWorker(config, { logger: new MemoryLogger() });
    const url = `http://127.0.0.1:${worker.port}`;
    expect((await upgradeStatus(url, transport, { headers: { Origin: 'https://evil.example' } })).status).toBe(403);
    for (let i = 0; i < 2; i++) open.push(await TestSocket.open(url, transport, { headers: { Origin: 'https://app.example.com' } }));
    expect((await upgradeStatus(url, transport, { headers: { Origin: 'https://app.example.com' } })).status).toBe(429);
  });
});
