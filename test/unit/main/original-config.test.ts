import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, httpsOptions, loadConfig, withTypoHint, assertProductionSafe } from '../../../src/main/config/index.js';
import { makeTlsChain, type TlsChain } from '../../support/tls-chain.js';

// The original gateway's files and value spellings (docs/migration.md).
// test/fixtures/original.properties and original-ssl.properties are
// verbatim copies of its resources/env.default.properties and
// resources/env.default.ssl.properties.

const fixture = (name: string): string => new URL(`../../fixtures/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'asgw-orig-'));
let n = 0;
const props = (body: string): string => {
  const p = join(dir, `f${n++}.properties`);
  writeFileSync(p, body);
  return p;
};
const load = (body: string) => loadConfig({ file: props(body), env: {} });
const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe("the original gateway's properties files", () => {
  it('env.default.properties loads without a warning', () => {
    const { config, warnings } = loadConfig({ file: fixture('original.properties'), env: {} });
    expect(warnings).toEqual([]);
    expect(config.frontend).toMatchObject({ port: 8080, ssl: false, cert_auth: [], logLevel: 'info' });
  });

  it('env.default.ssl.properties loads, its trailing comment and CA list included', () => {
    const { config, warnings } = loadConfig({ file: fixture('original-ssl.properties'), env: {} });
    expect(warnings).toEqual([]);
    expect(config.frontend).toMatchObject({
      port: 443,
      ssl: true,
      private_key: 'path/to/private.key',
      certificate: 'path/to/main.crt',
      cert_auth: ['path/to/gd1.crt', 'path/to/gd2.crt', 'path/to/gd3.crt'],
      session_secret: 'your_secret_here',
      flash_policy_port: 10443,
    });
    expect(config.gateway.rabbitmq).toMatchObject({ host: 'localhost', port: 5672, durable: false });
  });

  it("the original's container template with its variables unset loads with defaults", () => {
    // docker/config/env.properties.tpl.sh, rendered with no environment.
    const { config, warnings } = load(
      'cluster.workerCount=\nfrontend.port=\nfrontend.logLevel=info\ngateway.socketio.interval=120\n' +
        'gateway.rabbitmq.host=\ngateway.rabbitmq.port=\ngateway.rabbitmq.useSSL=\ngateway.rabbitmq.durable=true\n' +
        'gateway.rabbitmq.concurrency=5\n',
    );
    const defaults = loadConfig({ env: {} }).config;
    expect(config.cluster.workerCount).toBe(defaults.cluster.workerCount);
    expect(config.frontend.port).toBe(8080);
    expect(config.gateway.rabbitmq.port).toBe(5672);
    expect(config.gateway.rabbitmq.durable).toBe(true);
    expect(config.gateway.socketio.interval).toBe(120);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"gateway.rabbitmq.concurrency"');
  });
});

describe('trailing comments', () => {
  it('are stripped from numbers, ports, booleans, levels, lists and dates', () => {
    const { config, warnings } = load(
      'frontend.port=9000 # the port\ncluster.workerCount=3\t# three\nfrontend.ssl=false # no TLS\n' +
        'frontend.logLevel=warn # quiet\ngateway.socketio.transports=websocket,polling # both\n' +
        'frontend.legacyKeys.acceptUntil=2026-03-31 # cut-over + 6 days\n',
    );
    expect(warnings).toEqual([]);
    expect(config.frontend).toMatchObject({ port: 9000, ssl: false, logLevel: 'warn' });
    expect(config.frontend.legacyKeys.acceptUntil).toBe('2026-03-31');
    expect(config.cluster.workerCount).toBe(3);
    expect(config.gateway.socketio.transports).toEqual(['websocket', 'polling']);
  });

  it('are kept in text values: a password or secret may contain " #"', () => {
    const { config } = load('gateway.redis.password=pa ss #word\nfrontend.session_secret=abc #def\n');
    expect(config.gateway.redis.password).toBe('pa ss #word');
    expect(config.frontend.session_secret).toBe('abc #def');
  });

  it('need whitespace before the #: "80#x" is a wrong port, named', () => {
    expect(errorOf(() => load('frontend.port=80#x\n')).key).toBe('frontend.port');
  });
});

describe('value spellings of the original', () => {
  const flags = ['frontend.ssl', 'gateway.rabbitmq.durable', 'gateway.redis.offline_queue'];

  it.each(['true', 't', 'T', 'TRUE', '1', 'yes', 'on'])('"%s" is true', (spelling) => {
    const { config } = load(flags.map((k) => `${k}=${spelling}`).join('\n'));
    expect([config.frontend.ssl, config.gateway.rabbitmq.durable, config.gateway.redis.offline_queue]).toEqual([true, true, true]);
  });

  it.each(['false', 'f', 'F', 'FALSE', '0', 'no', 'off'])('"%s" is false', (spelling) => {
    const on = loadConfig({ env: {}, argv: Object.fromEntries(flags.map((k) => [k, true])) }).config;
    expect(on.frontend.ssl).toBe(true);
    const { config } = loadConfig({ file: props(flags.map((k) => `${k}=${spelling}`).join('\n')), env: {}, argv: {} });
    expect([config.frontend.ssl, config.gateway.rabbitmq.durable, config.gateway.redis.offline_queue]).toEqual([false, false, false]);
  });

  it('an empty boolean, number or level keeps the default, as the original read it', () => {
    const { config } = load('frontend.ssl=\ngateway.rabbitmq.durable=\nfrontend.port=\nfrontend.logLevel=\ncluster.heartbeatInterval=\n');
    expect(config.frontend).toMatchObject({ ssl: false, port: 8080, logLevel: 'info' });
    expect(config.gateway.rabbitmq.durable).toBe(false);
    expect(config.cluster.heartbeatInterval).toBe(1000);
  });

  it('any other spelling stops start-up, naming the key', () => {
    expect(errorOf(() => load('frontend.ssl=enabled\n')).key).toBe('frontend.ssl');
    expect(errorOf(() => load('gateway.rabbitmq.durable=ture\n')).key).toBe('gateway.rabbitmq.durable');
  });
});

describe('frontend.logLevel', () => {
  it('maps the winston level verbose to debug, saying so', () => {
    const { config, warnings } = load('frontend.logLevel=verbose\n');
    expect(config.frontend.logLevel).toBe('debug');
    expect(warnings).toEqual([expect.stringMatching(/"frontend\.logLevel".*"verbose".*winston.*"debug"/)]);
  });

  it('maps the winston level silly to trace, in any case and from the environment too', () => {
    expect(load('frontend.logLevel=SILLY\n').config.frontend.logLevel).toBe('trace');
    expect(loadConfig({ env: { FRONTEND_LOGLEVEL: 'silly' } }).config.frontend.logLevel).toBe('trace');
  });

  it('takes our level names in any case and refuses others, naming the key', () => {
    expect(load('frontend.logLevel=WARN\n').config.frontend.logLevel).toBe('warn');
    const err = errorOf(() => load('frontend.logLevel=loud\n'));
    expect(err.key).toBe('frontend.logLevel');
    expect(err.message).toContain('verbose');
  });
});

describe('keys of the original without a setting here', () => {
  it('frontend.reject_unauthorized is accepted with a warning that it changes nothing', () => {
    for (const value of ['true', 'false']) {
      const { warnings } = load(`frontend.reject_unauthorized=${value}\n`);
      expect(warnings).toEqual([expect.stringMatching(/"frontend\.reject_unauthorized".*no effect/)]);
    }
    expect(errorOf(() => load('frontend.reject_unauthorized=maybe\n')).key).toBe('frontend.reject_unauthorized');
  });

  it('gateway.rabbitmq.useSSL=true is refused with the reason; false is what happens anyway', () => {
    const err = errorOf(() => load('gateway.rabbitmq.useSSL=true\n'));
    expect(err.key).toBe('gateway.rabbitmq.useSSL');
    expect(err.message).toContain('TLS to RabbitMQ is not supported');
    expect(load('gateway.rabbitmq.useSSL=false\n').warnings).toEqual([]);
  });

  it('the memory keys this gateway lacks are warned about, by name', () => {
    const { warnings } = load('cluster.memoryLimit.heapTotal=100\ncluster.memoryWarning.heapUsed=80\n');
    expect(warnings).toEqual([
      expect.stringContaining('"cluster.memoryLimit.heapTotal"'),
      expect.stringContaining('"cluster.memoryWarning.heapUsed"'),
    ]);
  });

  it('also from a JSON file with typed values', () => {
    const file = join(dir, 'o.json');
    writeFileSync(file, JSON.stringify({ frontend: { reject_unauthorized: false }, gateway: { rabbitmq: { useSSL: true } } }));
    expect(errorOf(() => loadConfig({ file, env: {} })).key).toBe('gateway.rabbitmq.useSSL');
  });
});

describe('frontend.legacyKeys.acceptUntil', () => {
  it('is off (empty) by default and takes a date or a date-time with its zone', () => {
    expect(loadConfig({ env: {} }).config.frontend.legacyKeys.acceptUntil).toBe('');
    expect(load('frontend.legacyKeys.acceptUntil=2026-03-31\n').config.frontend.legacyKeys.acceptUntil).toBe('2026-03-31');
    expect(load('frontend.legacyKeys.acceptUntil=2026-03-31T18:00:00+02:00\n').config.frontend.legacyKeys.acceptUntil)
      .toBe('2026-03-31T18:00:00+02:00');
  });

  it('refuses a time without a zone and anything else, naming the key', () => {
    for (const bad of ['2026-03-31T18:00', 'next week', '2026-02-30', '2026-13-01', '31/03/2026']) {
      expect(errorOf(() => load(`frontend.legacyKeys.acceptUntil=${bad}\n`)).key).toBe('frontend.legacyKeys.acceptUntil');
    }
  });
});

describe('misspelt keys', () => {
  it('are warned about with the key they resemble', () => {
    const { warnings, unknownKeys } = load('frontend.sesion_secret=s3cret-of-mine\ngateway.rabbitmq.vhots=/x\nzzz.qqq=1\n');
    expect(unknownKeys.map((u) => [u.key, u.suggestion])).toEqual([
      ['frontend.sesion_secret', 'frontend.session_secret'],
      ['gateway.rabbitmq.vhots', 'gateway.rabbitmq.vhost'],
      ['zzz.qqq', undefined],
    ]);
    expect(warnings[0]).toContain('unknown configuration key "frontend.sesion_secret"');
    expect(warnings[0]).toContain('(did you mean "frontend.session_secret"?)');
    expect(warnings[2]).not.toContain('did you mean');
  });

  it('are named first when the error is about the key they resemble', () => {
    const loaded = load('frontend.sesion_secret=s3cret-of-mine\n');
    let thrown: unknown;
    try {
      assertProductionSafe(loaded.config);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const hinted = withTypoHint(thrown as ConfigError, loaded);
    expect(hinted.key).toBe('frontend.session_secret');
    expect(hinted.message).toMatch(/^unknown configuration key "frontend\.sesion_secret" \(did you mean "frontend\.session_secret"\?\) in .*; configuration key "frontend\.session_secret": /);
    // An error about another key is left as it was.
    const other = new ConfigError('frontend.port', 'x');
    expect(withTypoHint(other, loaded)).toBe(other);
  });
});

describe('frontend.cert_auth: several CA files, as the original split it on commas', () => {
  let chain: TlsChain;
  beforeAll(() => {
    chain = makeTlsChain();
  });
  afterAll(() => chain?.remove());

  /** An https server with httpsOptions(config); does a client trusting only the root get through? */
  async function handshake(certAuth: string): Promise<string> {
    const { config } = load(`frontend.ssl=true\nfrontend.private_key=${chain.leafKeyFile}\nfrontend.certificate=${chain.leafCertFile}\nfrontend.cert_auth=${certAuth}\n`);
    const server = https.createServer(httpsOptions(config)!, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      return await new Promise<string>((resolve) => {
        https
          .get(`https://127.0.0.1:${port}/`, { ca: chain.root }, (res) => {
            res.resume();
            resolve(`status ${res.statusCode}`);
          })
          .on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
      });
    } finally {
      server.close();
    }
  }

  it('sends the intermediate from the list, so clients that trust the root verify the leaf', async () => {
    expect(await handshake(`${chain.intermediateFile}, ${chain.rootFile}`)).toBe('status 200');
  });

  it('without the intermediate in the list the client cannot verify (the list matters)', async () => {
    expect(await handshake(chain.rootFile)).toBe('error UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('an unreadable file of the list stops start-up naming frontend.cert_auth and the file', () => {
    const { config } = load(`frontend.ssl=true\nfrontend.private_key=${chain.leafKeyFile}\nfrontend.certificate=${chain.leafCertFile}\nfrontend.cert_auth=${chain.rootFile},${dir}/missing.crt\n`);
    const err = errorOf(() => httpsOptions(config));
    expect(err.key).toBe('frontend.cert_auth');
    expect(err.message).toContain('missing.crt');
  });
});
