import fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBrowserBundle, packageRoot } from '../../../src/client/bundle.js';
import { registerClientAssets } from '../../../src/client/serve.js';

const apps: Array<ReturnType<typeof fastify>> = [];

async function app(demo: boolean) {
  const a = fastify();
  apps.push(a);
  await registerClientAssets(a, { demo });
  return a;
}

afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

describe('registerClientAssets', () => {
  it('serves the browser bundle, which defines the ActiveStack global', async () => {
    const a = await app(false);
    const res = await a.inject({ url: '/activestack-client.min.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.body).toMatch(/^(var ActiveStack=|"use strict";var ActiveStack=)/);
    const sandbox: { ActiveStack?: Record<string, unknown> } = {};
    new Function('globalThis', `${res.body};globalThis.ActiveStack=ActiveStack;`)(sandbox);
    expect(typeof sandbox.ActiveStack?.createClient).toBe('function');
    expect(typeof sandbox.ActiveStack?.localStorageKeyStorage).toBe('function');
  });

  it('serves the demo page and its script only when demo is on', async () => {
    const on = await app(true);
    const page = await on.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<script src="/activestack-client.min.js"></script>');
    expect((await on.inject({ url: '/demo.js' })).body).toContain('ActiveStack.createClient');
    const off = await app(false);
    expect((await off.inject({ url: '/' })).statusCode).toBe(404);
    expect((await off.inject({ url: '/demo.js' })).statusCode).toBe(404);
  });

  it('builds a bundle from source when dist has none', async () => {
    const bundle = await buildBrowserBundle(await packageRoot());
    expect(bundle.toString()).toContain('ActiveStack');
    expect(bundle.length).toBeLessThan(120_000);
  });
});
