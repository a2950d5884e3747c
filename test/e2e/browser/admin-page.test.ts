import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTestAgent, createVhost, deleteVhost, loginDemo, testVhostName } from '../../support/amqp-agent.js';
import { freePort } from '../../support/free-port.js';
import { requireRabbitMq, requireRedis } from '../../support/services.js';
import { TestSocket } from '../../support/test-socket.js';
import { ServerProcess, writeConfig } from '../ops/ops-process.js';

/**
 * The operator's page in headless Chromium, on a real 2-worker gateway
 * (RabbitMQ, Redis, the test agent) under light load: a few clients send
 * requests and ack the replies, one never acks (held pushes, re-sends),
 * one sends an unknown event (gatewayError), and some come and go. The
 * page is served by the supervisor on the metrics port, beside /metrics.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const SECRET = `ops-${randomBytes(12).toString('hex')}`;
const vhost = testVhostName('admin');
const SOAK_MS = Number(process.env.ADMIN_PAGE_SOAK_MS ?? 0);

let agent: AmqpTestAgent;
let server: ServerProcess;
let browser: Browser;
/** The client port: where the sockets connect. */
let url: string;
/** The metrics port: where the page is. */
let adminUrl: string;
const sockets: TestSocket[] = [];
let load: NodeJS.Timeout | undefined;
let sequence = 0;

const workerPids = (): number[] => [...new Set(server.logs.filter((r) => r.msg === 'gateway listening').map((r) => r.pid))].sort();

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser test`);
  }
  await requireRedis();
  await requireRabbitMq();
  await createVhost(vhost);
  agent = await AmqpTestAgent.start({ vhost });
  const metricsPort = await freePort();
  const { file } = writeConfig({
    'gateway.rabbitmq.vhost': vhost,
    'frontend.metrics.port': metricsPort,
    'frontend.admin.enabled': true,
    'frontend.admin.tokens': `ops:${SECRET}`,
    'frontend.clientMessageResendInterval': 1000,
    // The lazy client never acks and must stay connected.
    'frontend.maxResends': 0,
  });
  server = new ServerProcess([file]);
  url = `http://127.0.0.1:${await server.listening(2)}`;
  adminUrl = `http://127.0.0.1:${metricsPort}`;
  const announced = await server.waitForLog((r) => r.msg === 'admin page at /admin', 'where the admin page is');
  expect(announced).toMatchObject({ url: `${adminUrl}/admin`, on: 'metrics port' });

  // Light load: every 300 ms each client asks the agent something.
  for (let i = 0; i < 6; i++) {
    const s = await TestSocket.open(url);
    sockets.push(s);
    await s.start();
  }
  await loginDemo(sockets[0]!);
  await loginDemo(sockets[1]!);
  const [, , lazy, ...diligent] = sockets;
  for (const s of [sockets[0]!, sockets[1]!, ...diligent]) {
    s.on('push', (m: { correspondingMessageId?: string }) => {
      if (m.correspondingMessageId) s.emit('message', { ack: { correspondingMessageId: m.correspondingMessageId } });
    });
  }
  load = setInterval(() => {
    for (const s of sockets) s.emit('testCall', { messageId: `load-${++sequence}` });
    if (sequence % 20 === 0) lazy!.emit('noSuchEvent', {});
    // Someone comes and goes.
    if (sequence % 30 === 0) void TestSocket.open(url).then(async (s) => { await s.start(); s.close(); }).catch(() => undefined);
  }, 300);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}, 90_000);

afterAll(async () => {
  if (load) clearInterval(load);
  await browser?.close();
  for (const s of sockets) s.close();
  await server?.stop();
  await agent?.stop();
  await deleteVhost(vhost);
}, 60_000);

async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${adminUrl}/admin`);
  return { page, errors };
}

const cardValue = async (page: Page, label: string): Promise<number> =>
  Number(await page.locator(`[data-card="${label}"] .value`).textContent());

describe('admin page of a 2-worker gateway in headless Chromium', () => {
  it('is served by the supervisor on the metrics port, and not on the client port', async () => {
    const announcers = server.logs.filter((r) => r.msg === 'admin page at /admin').map((r) => r.pid);
    expect(announcers).toEqual([server.child.pid]);
    expect((await fetch(`${adminUrl}/admin`)).status).toBe(200);
    expect((await fetch(`${adminUrl}/metrics`)).status).toBe(200);
    // Every worker answers the client port; none of them serves the page there, with or without the token.
    for (let i = 0; i < 4; i++) {
      for (const path of ['/admin', '/admin/admin.js', '/admin/api/state']) {
        const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${SECRET}` } });
        expect(res.status, path).toBe(404);
      }
    }
  });

  it('refuses the API without the token, and the page with a wrong one', async () => {
    expect((await fetch(`${adminUrl}/admin/api/state`)).status).toBe(401);
    const wrong = await fetch(`${adminUrl}/admin/api/command`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-token-at-all', 'content-type': 'application/json' },
      body: JSON.stringify({ line: 'clientcount' }),
    });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(await wrong.json())).not.toContain('clients');

    const { page, errors } = await openPage();
    await page.fill('#token', 'not-the-token-at-all');
    await page.click('#signin');
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('refused');
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    expect(await page.locator('#workers tr.worker').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
    await server.waitForLog((r) => r.msg === 'admin request refused: missing or wrong token', 'the refusal logged');
  }, 60_000);

  it('shows both workers, non-zero rates and held pushes, runs clientcount and shows both replies', async () => {
    const { page, errors } = await openPage();
    await page.fill('#token', SECRET);
    await page.click('#signin');
    await expect.poll(() => page.locator('#who').textContent()).toBe('signed in as ops');

    // Both workers, by pid, with their clients.
    const pids = workerPids();
    expect(pids).toHaveLength(2);
    const shownPids = async (): Promise<number[]> =>
      (await page.locator('#workers tr.worker').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-pid'))))).sort();
    await expect.poll(shownPids, { timeout: 15_000 }).toEqual(pids);
    await expect.poll(() => cardValue(page, 'connected clients'), { timeout: 15_000 }).toBeGreaterThanOrEqual(sockets.length);
    await expect.poll(() => cardValue(page, 'logged in'), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);

    // Rates as the workers count them, and the lazy client's held pushes.
    await expect.poll(() => cardValue(page, 'messages in /s'), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => cardValue(page, 'messages out /s'), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => cardValue(page, 'pushes held awaiting ack'), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => cardValue(page, 're-sends /s'), { timeout: 20_000 }).toBeGreaterThan(0);
    // The error chart got a line for the unknown event's code, the close chart one for client-gone.
    await expect.poll(() => page.locator('[data-chart="errors"] .u-legend').textContent(), { timeout: 20_000 }).toContain('UNKNOWN_EVENT');
    await expect.poll(() => page.locator('[data-chart="closes"] .u-legend').textContent(), { timeout: 20_000 }).toContain('client-gone');
    // RabbitMQ and Redis as each worker sees them: its broker connection and
    // its session store (a cluster worker has no connection to the control
    // channel: its supervisor listens there).
    expect(await page.locator('#health tbody tr').count()).toBe(2);
    expect((await page.locator('#health thead th').allTextContents()).slice(1).sort()).toEqual(['RabbitMQ', 'Redis (sessions)']);
    expect(await page.locator('#health tbody .badge.connected').count()).toBe(4);

    // clientcount from the page: one reply per worker, adding up to the clients.
    const from = server.logs.length;
    await page.click('#cmd-clientcount');
    await expect.poll(() => page.locator('#replies tbody tr').count(), { timeout: 10_000 }).toBe(2);
    const replies = await page.locator('#replies tbody tr').evaluateAll((rows) =>
      rows.map((r) => ({ pid: Number(r.getAttribute('data-pid')), result: r.children[3]?.textContent, clients: Number(r.children[4]?.textContent) })));
    expect(replies.map((r) => r.pid).sort()).toEqual(pids);
    expect(replies.every((r) => r.result === 'ok')).toBe(true);
    expect(replies.reduce((n, r) => n + r.clients, 0)).toBeGreaterThanOrEqual(sockets.length);
    // The audit log names the token, never its secret.
    await server.waitForLog((r) => r.msg === 'admin command' && r.admin === 'ops' && r.command === 'clientcount', 'the command in the audit log', 10_000, from);
    expect(server.output()).not.toContain(SECRET);

    // ADMIN_PAGE_SOAK_MS=180000 lets the charts fill before the screenshot (how the one in docs/ was taken).
    if (SOAK_MS > 0) await page.waitForTimeout(SOAK_MS);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'admin-page.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000 + SOAK_MS);

  it('restarts the workers from the page: both are replaced and the new ones show up serving', async () => {
    const { page, errors } = await openPage();
    await page.fill('#token', SECRET);
    await page.click('#signin');
    const before = workerPids();
    const serving = async (): Promise<number[]> =>
      (await page.locator('#workers tr.worker', { has: page.locator('.badge.serving') })
        .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-pid'))))).sort();
    await expect.poll(serving, { timeout: 15_000 }).toEqual(before);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.selectOption('#restart-mode', 'immediate');
    await page.fill('#restart-ms', '100');
    await page.click('#cmd-restart');
    await expect.poll(() => page.locator('#replies tbody td.ok').count(), { timeout: 10_000 }).toBe(2);
    await server.waitForLog((r) => r.msg === 'admin command' && r.command === 'restart immediate 100', 'the restart in the audit log');

    // Two new workers listen, the old ones leave; the page follows.
    await server.until(() => workerPids().length >= 4, 'two replacement workers listening', 60_000);
    const replacements = workerPids().filter((pid) => !before.includes(pid));
    expect(replacements).toHaveLength(2);
    await expect.poll(serving, { timeout: 30_000 }).toEqual(replacements.sort());
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
