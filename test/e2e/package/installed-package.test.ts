import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTestAgent, createVhost, deleteVhost, loginDemo, testVhostName, vhostUrl } from '../../support/amqp-agent.js';
import { REDIS_HOST, REDIS_PORT, requireRabbitMq, requireRedis } from '../../support/services.js';
import { publicPart, TestSocket, TRANSPORTS } from '../../support/test-socket.js';
import { Background, run, sh, tail, userEnv, type CommandResult } from './commands.js';
import { commandsOf, snippetsOf, type Snippet } from './doc-snippets.js';

// The package as a user gets it: this checkout's files (as a clone would
// have them: tracked and new, not ignored) copied to a temporary
// `activestack-gateway/` folder, where the "fresh clone" command of
// docs/embedding.md runs as written (npm ci, build, the example); then
// `npm pack` there and `npm install <tarball>` into an empty sibling
// project `my-app/`, as the page's install block says. Everything else
// runs in my-app, which can reach the gateway only through the package's
// exports. Nothing here touches this checkout's dist/ or node_modules.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONSUMER = fileURLToPath(new URL('./consumer/', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/embedding.md'), 'utf8');
const snippets = snippetsOf(DOC);
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const TARBALL = `activestack-gateway-${VERSION}.tgz`;

/** npm as a user runs it, only told to prefer its cache (the registry stays reachable). */
const npmEnv = userEnv({ npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });

let work: string;
let clone: string;
let app: string;
let freshClone: CommandResult;

/** Runs in `cwd`; fails the test with the output's tail unless it exits 0. */
async function mustRun(what: string, result: Promise<CommandResult>): Promise<CommandResult> {
  const done = await result;
  if (done.code !== 0) throw new Error(`${what} failed: ${tail(done)}`);
  return done;
}

function snippet(label: string): Snippet {
  const found = snippets.find((s) => s.label === label);
  if (!found) throw new Error(`docs/embedding.md has no block labelled <!-- snippet: ${label} -->`);
  return found;
}

/** The working tree as a fresh clone of it would be: tracked and untracked files, nothing ignored. */
function copyWorkingTree(to: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)));
  for (const file of files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(to, file));
  }
}

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

const TS_SNIPPETS = ['integration-test', 'production', 'domain'];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'asgw-package-'));
  clone = join(work, 'activestack-gateway');
  app = join(work, 'my-app');
  copyWorkingTree(clone);
  expect(existsSync(join(clone, 'dist')), 'the copy must start without dist/, as a clone does').toBe(false);

  freshClone = await mustRun('the fresh-clone block of docs/embedding.md', sh(snippet('fresh-clone').code, { cwd: clone, env: npmEnv, timeoutMs: 420_000 }));

  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'my-app', private: true, type: 'module' }, null, 2)}\n`);
  // As a user installs: lifecycle scripts on (a dependency's failing install script fails the install).
  await mustRun('the install block of docs/embedding.md', sh(snippet('install').code, { cwd: clone, env: { ...npmEnv, npm_config_ignore_scripts: 'false' }, timeoutMs: 240_000 }));
  // For the type checks only: the compiler and Node's types, as a TypeScript user has them.
  await mustRun(
    'npm install typescript @types/node',
    run('npm', ['install', '--save-dev', `typescript@${versionOf('typescript')}`, `@types/node@${versionOf('@types/node')}`], { cwd: app, env: npmEnv, timeoutMs: 240_000 }),
  );
  for (const file of ['end-to-end.mjs', 'types-check.ts']) copyFileSync(join(CONSUMER, file), join(app, file));
  for (const label of TS_SNIPPETS) writeFileSync(join(app, `${label}.ts`), snippet(label).code);
  const tsconfig = JSON.parse(readFileSync(join(CONSUMER, 'tsconfig.json'), 'utf8')) as { files: string[] };
  tsconfig.files = [...tsconfig.files, ...TS_SNIPPETS.map((label) => `${label}.ts`)];
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
}, 900_000);

afterAll(() => {
  if (work && !process.env.KEEP_PACKAGE_TEST) rmSync(work, { recursive: true, force: true });
});

/** tsx from the clone's devDependencies, run in my-app: imports resolve from my-app's node_modules. */
function tsx(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CommandResult> {
  return run(join(clone, 'node_modules/.bin/tsx'), args, { cwd: app, env: userEnv(env), timeoutMs });
}

describe.sequential('the installed package', () => {
  it('is installed from the tarball into a project of its own', () => {
    const installed = JSON.parse(readFileSync(join(app, 'node_modules/activestack-gateway/package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(VERSION);
    expect(existsSync(join(app, 'node_modules/fastify-socket.io')), 'no dependency with a pnpm-only install script').toBe(false);
  });

  it('ships what its exports and its server need, and no tests, sources, examples or secrets', async () => {
    const listing = await mustRun('tar -tzf', run('tar', ['-tzf', join(clone, TARBALL)], { cwd: clone, timeoutMs: 30_000 }));
    const files = listing.output.split('\n').filter((f) => f !== '').map((f) => f.replace(/^package\//, ''));
    const pkg = JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>>; bin: Record<string, string> };
    const targets = Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))).map((t) => t.replace(/^\.\//, ''));
    targets.push(...Object.values(pkg.bin));
    // Read at run time by the server (src/client/serve.ts, bundle.ts) from an installed package.
    targets.push('dist/client/activestack-client.min.js', 'dist/client/demo/index.html', 'dist/client/demo/demo.js');
    expect(targets.filter((t) => !files.includes(t)), 'export, bin or asset targets missing from the tarball').toEqual([]);

    const unwanted = files.filter((f) =>
      /^(src|test|bench|examples|scripts|\.ci)\//.test(f) ||
      /\.test\.[cm]?[jt]s$/.test(f) ||
      /(^|\/)\.(env|npmrc)/.test(f) ||
      /\.(pem|key|crt|p12|pfx)$/.test(f),
    );
    expect(unwanted, 'files that must not ship').toEqual([]);

    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked, { recursive: true });
    await mustRun('tar -xzf', run('tar', ['-xzf', join(clone, TARBALL), '-C', unpacked], { cwd: work, timeoutMs: 30_000 }));
    const leaks = await run('grep', ['-rlE', 'PRIVATE KEY|test-secret-0123456789|e2e-secret', unpacked], { cwd: work, timeoutMs: 30_000 });
    expect(leaks.output.trim(), 'files with key material or test secrets').toBe('');
  });

  it('embeds in a transport written here: connect, login, request, push, ack, logout, through the public exports only', async () => {
    const result = await run(process.execPath, ['end-to-end.mjs'], { cwd: app, timeoutMs: 60_000 });
    expect(result.code, tail(result)).toBe(0);
    expect(result.output.split('\n').filter((l) => l.startsWith('ok '))).toEqual([
      'ok every entry resolves with its exports',
      'ok deep imports fail with ERR_PACKAGE_PATH_NOT_EXPORTED',
      'ok createGateway refuses a secret shorter than 32 characters',
      'ok connect: session key, reply queue consumed',
      'ok bad input: BAD_REQUEST, and PAYLOAD_TOO_LARGE measured in bytes',
      'ok login: AuthenticateUserAccountResponse pushed, logged-in key',
      'ok request: findById answered with a push, held on the broker',
      'ok push re-sent after the resend interval (clock given to createGateway)',
      'ok ack: delivery settled, no more re-sends',
      'ok logout: gatewayDisconnect {logout, false}, channel closed, client gone',
      'ok revoked: the logged-out login key no longer resumes',
      'ok disconnectAll: MemorySocketChannel told to resume',
      'ok shutdown: no client, no timer left',
    ]);
  }, 90_000);

  it('type-checks against the installed types of every entry (strict, skipLibCheck off), with the TypeScript blocks of the docs', async () => {
    const result = await run(join(app, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: app, timeoutMs: 240_000 });
    expect(result.code, tail(result)).toBe(0);
  }, 300_000);

  it('runs its bin: the embedded server serves the demo page and the browser bundle from the installed files', async () => {
    const server = Background.start(
      join(app, 'node_modules/.bin/activestack-gateway'),
      ['server', '--embedded', '--workers', '1', '--port', '0', '--set', 'frontend.host=127.0.0.1', '--set', 'frontend.logLevel=warn'],
      { cwd: app, timeoutMs: 60_000 },
    );
    try {
      const port = (await server.waitFor(/Demo page:\s+https?:\/\/localhost:(\d+)\//, 30_000))[1];
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('activestack-client.min.js');
      const bundle = await fetch(`http://127.0.0.1:${port}/activestack-client.min.js`);
      expect(bundle.status).toBe(200);
      expect((await bundle.text()).length).toBeGreaterThan(10_000);
      const demo = await fetch(`http://127.0.0.1:${port}/demo.js`);
      expect(demo.status).toBe(200);
    } finally {
      const exit = await server.stop('SIGTERM', 20_000);
      expect(exit.code, exit.output).toBe(0);
    }
  }, 90_000);
});

describe.sequential('docs/embedding.md', () => {
  const RUNNERS = ['install', 'fresh-clone', 'two-terminals', ...TS_SNIPPETS];

  it('labels every code block, and each label is run below', () => {
    const unlabelled = snippets.filter((s) => s.label === undefined).map((s) => `line ${s.line}`);
    expect(unlabelled, 'code blocks without <!-- snippet: name -->').toEqual([]);
    expect(snippets.map((s) => s.label).sort()).toEqual([...RUNNERS].sort());
  });

  it('fresh-clone: npm ci, build and the example run from a fresh clone', () => {
    const client = freshClone.output.split('\n').filter((l) => l.startsWith('  client: ')).map((l) => l.replace(/^  client: /, '').replace(/[0-9a-f]{32}/, '<id>'));
    expect(client, freshClone.output).toEqual([
      'connected: clientId <id>',
      'logged in: userId demo-user',
      'push: FindByIdResponse {"ID":"42","cn":"Person","owner":"demo-user"}',
      'push re-sent: it stays on the broker until acked',
      'acked find-1: no more re-sends',
      'gatewayDisconnect: {"reason":"logout","resumable":false}',
      'socket closed by the gateway',
    ]);
    expect(freshClone.output).toContain('agents received: authenticateUserAccount, connect, findById, disconnectAuth, disconnect');
    expect(freshClone.output).toContain('gateway: 0 clients left');
  });

  it('fresh-clone: the example type-checks against the built package', async () => {
    const result = await run(join(clone, 'node_modules/.bin/tsc'), ['-p', 'examples/embedding'], { cwd: clone, timeoutMs: 240_000 });
    expect(result.code, tail(result)).toBe(0);
  }, 300_000);

  it('two-terminals: the example server and client as separate processes', async () => {
    const [serverCommand, clientCommand] = commandsOf(snippet('two-terminals'));
    expect(serverCommand).toBeDefined();
    expect(clientCommand).toBeDefined();
    const server = Background.start('sh', ['-c', `exec ${serverCommand}`], { cwd: clone, env: userEnv({ PORT: '0' }), timeoutMs: 60_000 });
    try {
      const port = (await server.waitFor(/NDJSON gateway on 127\.0\.0\.1:(\d+)/, 30_000))[1]!;
      const client = await sh(clientCommand!, { cwd: clone, env: userEnv({ PORT: port }), timeoutMs: 30_000 });
      expect(client.code, tail(client)).toBe(0);
      expect(client.output).toContain('acked find-1: no more re-sends');
      expect(client.output).toContain('socket closed by the gateway');
    } finally {
      // Ctrl-C: the whole process group gets SIGINT; npx dies of it, the server shuts down.
      const exit = await server.stop('SIGINT', 20_000);
      expect(exit.output).toMatch(/^stopped$/m);
    }
  }, 90_000);

  it('integration-test: passes under `tsx --test`', async () => {
    const result = await tsx(['--test', 'integration-test.ts']);
    expect(result.code, tail(result)).toBe(0);
    expect(result.output).toMatch(/# pass 1\b/);
    expect(result.output).toMatch(/# fail 0\b/);
  }, 90_000);

  it('domain: prints what its comments say', async () => {
    const code = snippet('domain').code;
    const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]!.trim());
    expect(expected.length).toBe(2);
    const result = await tsx(['domain.ts']);
    expect(result.code, tail(result)).toBe(0);
    expect(result.output.trim().split('\n').map((l) => l.trim())).toEqual(expected);
  }, 90_000);

  describe.sequential('production: real RabbitMQ and Redis, both shipped transports on one fastify app, SIGTERM', () => {
    const vhost = testVhostName('embedding-doc');
    const keyPrefix = `${vhost}:`;
    let agent: AmqpTestAgent | undefined;
    let gateway: Background | undefined;
    let url = '';

    beforeAll(async () => {
      await requireRabbitMq();
      await requireRedis();
      await createVhost(vhost);
      agent = await AmqpTestAgent.start({ vhost });
      // node with tsx's loader, not the tsx CLI: the CLI is a second process that relays SIGTERM, and
      // now and then exited 143 by itself while the gateway below it shut down cleanly.
      const tsxLoader = pathToFileURL(join(clone, 'node_modules/tsx/dist/loader.mjs')).href;
      gateway = Background.start(process.execPath, ['--import', tsxLoader, 'production.ts'], {
        cwd: app,
        env: userEnv({ GATEWAY_SECRET: 'doc-snippet-secret-0123456789abcdef', AMQP_URL: vhostUrl(vhost), REDIS_HOST, REDIS_KEY_PREFIX: keyPrefix, PORT: '0' }),
        timeoutMs: 120_000,
      });
      const port = (await gateway.waitFor(/gateway listening on https?:\/\/[^"]*:(\d+)/, 30_000))[1];
      url = `http://127.0.0.1:${port}`;
    }, 90_000);

    afterAll(async () => {
      if (gateway?.signal('SIGKILL')) await gateway.exited;
      await agent?.stop();
      await deleteVhost(vhost);
      // Only this run's keys: the shared Redis is never flushed.
      const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true });
      await redis.connect();
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }, 60_000);

    it('answers /ready: 503 until the broker and Redis are connected, then 200', async () => {
      // The Redis client connects on its own after start-up; a readiness probe waits for it.
      const deadline = Date.now() + 15_000;
      let last: { status: number; body: unknown };
      do {
        const response = await fetch(`${url}/ready`);
        last = { status: response.status, body: await response.json() };
        if (last.status === 200) break;
        expect(last).toEqual({ status: 503, body: { ready: false, clients: 0 } });
        await new Promise((resolve) => setTimeout(resolve, 100));
      } while (Date.now() < deadline);
      expect(last).toEqual({ status: 200, body: { ready: true, clients: 0 } });
    }, 30_000);

    it.each(TRANSPORTS)('over %s: connect, login, request, push, ack, logout', async (transport) => {
      const s = await TestSocket.open(url, transport);
      try {
        const clientId = publicPart(await s.start()).clientId;
        await loginDemo(s);
        s.emit('findById', { messageId: 'find-1', theClassName: 'Person', theClassId: '42' });
        const push = (await s.next('push', (m) => m.correspondingMessageId === 'find-1')).data as { cn: string };
        expect(push.cn).toBe('com.percero.agents.sync.vo.FindByIdResponse');
        s.emit('message', { ack: { correspondingMessageId: 'find-1' } });
        expect((await agent!.waitFor('findById', (b) => b.clientId === clientId)).userId).toBe('demo-user');
        s.emit('logout');
        expect((await s.next('gatewayDisconnect')).data).toEqual({ reason: 'logout', resumable: false });
        await agent!.waitFor('disconnectAuth', (b) => b.clientId === clientId);
      } finally {
        s.close();
      }
    }, 60_000);

    it('shuts down in order on SIGTERM: open sockets are told to resume elsewhere, then the process exits', async () => {
      const open = await Promise.all(TRANSPORTS.map((t) => TestSocket.open(url, t)));
      const ids = await Promise.all(open.map(async (s) => publicPart(await s.start()).clientId));
      const exit = gateway!.stop('SIGTERM', 30_000);
      for (const s of open) expect((await s.next('gatewayDisconnect', () => true, 10_000)).data).toEqual({ reason: 'server-shutdown', resumable: true });
      const done = await exit;
      expect(done.code, done.output).toBe(0);
      expect(done.output).toContain('gateway closed');
      // Each client finished before the bus closed: its DisconnectRequest reached the agent.
      for (const id of ids) await agent!.waitFor('disconnect', (b) => b.clientId === id);
      for (const s of open) s.close();
    }, 60_000);
  });
});
