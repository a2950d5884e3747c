import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdminService, CommandResult } from '../../../src/application/admin/admin-service.js';
import type { DeploymentState } from '../../../src/application/admin/deployment-view.js';
import { loadAdminAssets } from '../../../src/adapters/admin/admin-assets.js';
import { registerAdminRoutes } from '../../../src/adapters/admin/admin-routes.js';
import { AdminTokens, bearerToken } from '../../../src/adapters/admin/admin-tokens.js';
import { MemoryLogger } from '../../support/fakes.js';

/** /admin over fastify's inject: the token decides, before anything else is looked at. */
const ALICE = 'alice-secret-0123456789';
const BOB = 'bob-secret-abcdefghijkl';

let app: FastifyInstance | undefined;
afterEach(async () => { await app?.close(); app = undefined; });

async function build() {
  const calls: Array<{ line?: string; who?: string; since?: number }> = [];
  const service: Pick<AdminService, 'state' | 'command'> = {
    state: async (since) => {
      calls.push({ since });
      return { now: 1, instances: [], silentInPresence: [], totals: { workers: 0, clients: 0, loggedIn: 0, heldPushes: 0 }, rows: [], windowMs: 600_000 } satisfies DeploymentState;
    },
    command: async (line, who): Promise<CommandResult> => {
      calls.push({ line, who });
      if (line === 'nope') return { ok: false, command: line, replies: [], failure: 'not-a-command', error: 'not a console command' };
      if (line === 'down') return { ok: false, command: line, replies: [], failure: 'channel-unavailable', error: 'unavailable' };
      return { ok: true, command: line, replies: [{ instance: 'i', pid: 1, command: line, ok: true, clients: 3 }] };
    },
  };
  const logger = new MemoryLogger();
  app = Fastify();
  registerAdminRoutes(app, {
    service,
    tokens: new AdminTokens([{ name: 'alice', secret: ALICE }, { name: 'bob', secret: BOB }]),
    assets: await loadAdminAssets(),
    logger,
  });
  await app.ready();
  return { app, calls, logger };
}

const auth = (secret: string) => ({ authorization: `Bearer ${secret}` });

describe('admin tokens', () => {
  it('matches a secret to its name, and nothing else', () => {
    const tokens = new AdminTokens([{ name: 'alice', secret: ALICE }, { name: 'bob', secret: BOB }]);
    expect(tokens.match(ALICE)).toBe('alice');
    expect(tokens.match(BOB)).toBe('bob');
    for (const wrong of [undefined, '', ALICE.slice(0, -1), `${ALICE}x`, ALICE.toUpperCase(), 'alice']) expect(tokens.match(wrong)).toBeUndefined();
    expect(() => new AdminTokens([])).toThrow(/at least one/);
  });

  it('reads the bearer scheme only', () => {
    expect(bearerToken(`Bearer ${ALICE}`)).toBe(ALICE);
    expect(bearerToken(`bearer  ${ALICE} `)).toBe(ALICE);
    expect(bearerToken(`Basic ${ALICE}`)).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('/admin routes', () => {
  it('serves the page and its files to anyone, the page never framed and running only its own scripts', async () => {
    const { app } = await build();
    const page = await app.inject('/admin');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.body).toContain('id="login-form"');
    expect((await app.inject('/admin/')).statusCode).toBe(200);
    for (const file of ['admin.js', 'admin.css', 'uPlot.iife.min.js', 'uPlot.min.css']) {
      const res = await app.inject(`/admin/${file}`);
      expect(res.statusCode, file).toBe(200);
      expect(res.body.length, file).toBeGreaterThan(100);
    }
    // Every script and stylesheet the page names is served.
    for (const [, src] of page.body.matchAll(/(?:src|href)="(\/admin\/[^"]+)"/g)) expect((await app.inject(src!)).statusCode, src).toBe(200);
  });

  it('refuses every API call without a valid token, before looking at the request, and logs the refusal', async () => {
    const { app, calls, logger } = await build();
    const attempts = [
      await app.inject({ method: 'GET', url: '/admin/api/state' }),
      await app.inject({ method: 'GET', url: '/admin/api/state?since=-1', headers: auth('wrong-secret-0123456789') }),
      await app.inject({ method: 'POST', url: '/admin/api/command', payload: { line: 'clientcount' } }),
      await app.inject({ method: 'POST', url: '/admin/api/command', headers: { authorization: `Basic ${ALICE}` }, payload: { bad: 1 } }),
      await app.inject({ method: 'POST', url: '/admin/api/login', headers: auth(ALICE.slice(1)) }),
    ];
    for (const res of attempts) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toContain('Bearer');
    }
    expect(calls).toEqual([]);
    expect(logger.lines.filter((l) => l.msg === 'admin request refused: missing or wrong token')).toHaveLength(5);
  });

  it('answers with the token, naming its holder to the service and the log', async () => {
    const { app, calls, logger } = await build();
    const login = await app.inject({ method: 'POST', url: '/admin/api/login', headers: auth(BOB) });
    expect(login.json()).toEqual({ name: 'bob' });
    expect(logger.lines.find((l) => l.msg === 'admin signed in')?.obj).toMatchObject({ admin: 'bob' });

    const state = await app.inject({ method: 'GET', url: '/admin/api/state?since=1234', headers: auth(ALICE) });
    expect(state.statusCode).toBe(200);
    expect(state.headers['cache-control']).toBe('no-store');
    expect(state.json()).toMatchObject({ windowMs: 600_000 });
    expect((await app.inject({ method: 'GET', url: '/admin/api/state?since=soon', headers: auth(ALICE) })).statusCode).toBe(400);

    const ran = await app.inject({ method: 'POST', url: '/admin/api/command', headers: auth(ALICE), payload: { line: 'clientcount' } });
    expect(ran.statusCode).toBe(200);
    expect(ran.json()).toMatchObject({ ok: true, replies: [{ pid: 1, clients: 3 }] });
    expect(calls).toEqual([{ since: 1234 }, { line: 'clientcount', who: 'alice' }]);

    expect((await app.inject({ method: 'POST', url: '/admin/api/command', headers: auth(ALICE), payload: { line: 'nope' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/admin/api/command', headers: auth(ALICE), payload: { line: 'down' } })).statusCode).toBe(503);
    expect((await app.inject({ method: 'POST', url: '/admin/api/command', headers: auth(ALICE), payload: { line: 'x'.repeat(2000) } })).statusCode).toBe(400);
  });
});
