import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClientAssets } from '../../../src/client/serve.js';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../support/embedded-gateway.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

let gateway: EmbeddedGateway;
let site: FastifyInstance;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser test`);
  }
  gateway = await startEmbeddedGateway();
  // The page is served apart from the gateway and pointed at it with ?gateway=,
  // which also proves the bundle works cross-origin.
  site = fastify();
  await registerClientAssets(site, { demo: true });
  await site.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await gateway?.close();
});

describe('demo page in headless Chromium', () => {
  it('logs in, gets a push, survives a dropped connection, gets a second push, logs out', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1100 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const sitePort = (site.server.address() as AddressInfo).port;
    await page.goto(`http://127.0.0.1:${sitePort}/?gateway=${encodeURIComponent(gateway.url)}`);

    const status = page.locator('#status');
    await expect.poll(() => status.textContent()).toBe('connected');
    const firstClientId = await page.locator('#clientId').textContent();
    expect(firstClientId).toMatch(/^[0-9a-f]{32}$/);

    await page.click('#login');
    await expect.poll(() => page.locator('#userId').textContent()).toBe('demo-user');

    await page.click('#find');
    const findPushes = page.locator('#log li.push', { hasText: 'FindByIdResponse' });
    await expect.poll(() => findPushes.count()).toBe(1);

    await page.click('#drop');
    await expect.poll(() => page.locator('#reconnects').textContent()).toBe('1');
    await expect.poll(() => status.textContent()).toBe('connected');
    expect(await page.locator('#log li', { hasText: 'resumed with the stored key' }).count()).toBe(1);
    expect(await page.locator('#userId').textContent()).toBe('demo-user');
    expect(await page.locator('#clientId').textContent()).not.toBe(firstClientId);

    await page.fill('#objectId', '43');
    await page.click('#find');
    await expect.poll(() => findPushes.count()).toBe(2);
    expect(await findPushes.first().textContent()).toContain('"ID":"43"');

    // Logout ends the session (gatewayDisconnect logout, not resumable): the SDK stops, the page starts a fresh one.
    const loggedInClientId = await page.locator('#clientId').textContent();
    await page.click('#logout');
    await expect.poll(() => page.locator('#log li', { hasText: 'the gateway ended the session (logout)' }).count()).toBe(1);
    await expect.poll(() => page.locator('#userId').textContent()).toBe('(not logged in)');
    await expect.poll(() => status.textContent()).toBe('connected');
    expect(await page.locator('#clientId').textContent()).not.toBe(loggedInClientId);
    expect(await page.locator('#reconnects').textContent()).toBe('1');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'demo-page.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
