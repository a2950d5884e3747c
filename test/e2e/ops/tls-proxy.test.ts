import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/index.js';
import { startWorker, type RunningWorker } from '../../../src/main/worker.js';
import { MemoryLogger } from '../../support/fakes.js';
import { freePort } from '../../support/free-port.js';
import { connectWss, httpsGet, makeSelfSignedCert, nextEvent, type TlsMaterial } from './tls-material.js';

/**
 * The nginx configuration of docs/security.md, as written there (only the
 * gateway's port, the listen address and the certificate paths swapped for
 * the test's), terminating TLS in front of a plain-HTTP gateway: Socket.IO
 * over wss, /health over https, and no /metrics.
 */
let tls: TlsMaterial;
let worker: RunningWorker;
let nginx: ChildProcess | undefined;
let nginxOut = '';
let proxy: string;
const sockets: Socket[] = [];

function docSnippet(): string {
  const doc = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('no ```nginx block in docs/security.md');
  return block;
}

/** `from` must occur in the snippet: a test that silently swapped nothing would prove nothing. */
function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`docs/security.md's nginx block no longer has "${from}": update this test`);
  return text.split(from).join(to);
}

beforeAll(async () => {
  tls = makeSelfSignedCert();
  const { config } = loadConfig({
    env: {},
    argv: { 'frontend.embedded': true, 'frontend.port': 0, 'frontend.host': '127.0.0.1', 'frontend.metrics.port': 0, 'frontend.logLevel': 'silent' },
  });
  worker = await startWorker(config, { logger: new MemoryLogger() });
  const port = await freePort();
  proxy = `https://127.0.0.1:${port}`;

  let server = docSnippet();
  server = swap(server, 'server 127.0.0.1:8080;', `server 127.0.0.1:${worker.port};`);
  server = swap(server, 'listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`);
  server = swap(server, '/etc/activestack/tls/gateway.crt', tls.certFile);
  server = swap(server, '/etc/activestack/tls/gateway.key', tls.keyFile);
  const dir = join(tls.dir, 'nginx');
  mkdirSync(dir);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, t)};`).join('\n');
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `daemon off;\nmaster_process off;\npid ${join(dir, 'nginx.pid')};\nerror_log stderr;\nevents {}\nhttp {\n  access_log off;\n${temp}\n${server}\n}\n`);

  nginx = spawn('nginx', ['-p', dir, '-c', conf, '-e', 'stderr'], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stdout!.setEncoding('utf8').on('data', (d: string) => (nginxOut += d));
  nginx.stderr!.setEncoding('utf8').on('data', (d: string) => (nginxOut += d));
  const failed = new Promise<never>((_, reject) => {
    nginx!.once('error', (err) => reject(new Error(`nginx could not be started (apt-get install nginx): ${err.message}`)));
    nginx!.once('exit', (code) => reject(new Error(`nginx exited (${code}):\n${nginxOut}`)));
  });
  const up = (async () => {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      if ((await httpsGet(`${proxy}/health`, tls.cert).catch(() => undefined))?.status === 200) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nginx did not proxy /health within 10 s:\n${nginxOut}`);
  })();
  await Promise.race([up, failed]);
}, 30_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  if (nginx && nginx.exitCode === null) {
    const gone = new Promise((resolve) => nginx!.once('exit', resolve));
    nginx.kill('SIGKILL');
    await gone;
  }
  await worker?.close();
  tls?.remove();
});

describe('behind the TLS-terminating nginx of docs/security.md', () => {
  it('serves Socket.IO over wss through the proxy (the WebSocket upgrade passes)', async () => {
    const socket = await connectWss(proxy, tls.cert);
    sockets.push(socket);
    expect(socket.io.engine.transport.name).toBe('websocket');
    const ack = nextEvent(socket, 'gatewayConnectAck');
    socket.emit('message', { connect: {} });
    expect(String(await ack)).toContain(';');
    expect(worker.clientCount()).toBe(1);
  });

  it('answers the load balancer probes, and has no /metrics', async () => {
    expect((await httpsGet(`${proxy}/health`, tls.cert)).status).toBe(200);
    expect((await httpsGet(`${proxy}/ready`, tls.cert)).status).toBe(200);
    expect((await httpsGet(`${proxy}/metrics`, tls.cert)).status).toBe(404);
  });
});
