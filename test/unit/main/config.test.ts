import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertProductionSafe,
  ConfigError,
  DEFAULT_UNAUTHENTICATED_EVENTS,
  loadConfig,
  PUBLISHED_SESSION_SECRET,
} from '../../../src/main/config/index.js';

const original = new URL('../../fixtures/original.properties', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'asgw-config-'));
const file = (name: string, body: string): string => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
};
const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('loads the original gateway properties file unchanged, with its values', () => {
    const { config, warnings } = loadConfig({ file: original, env: {} });
    expect(warnings).toEqual([]);
    expect(config.cluster).toEqual({
      heartbeatInterval: 1000, workerTimeout: 5000, watchdogInterval: 1000,
      memoryWarning: { rss: 1024, heapTotal: 60 }, memoryLimit: { rss: 2048, heapUsed: 100 },
      workerRestartDelay: 50, maxRestartBackoff: 10, workerCount: 1,
    });
    expect(config.frontend).toMatchObject({
      logLevel: 'info', shutdownCode: 'pass123', port: 8080, ssl: false,
      private_key: '', certificate: '', cert_auth: [], session_secret: PUBLISHED_SESSION_SECRET,
    });
    expect(config.gateway.socketio).toMatchObject({ timeout: 300, interval: 20 });
    expect(config.gateway.redis).toMatchObject({
      host: 'localhost', port: 6379, password: '', gatewaycontrolqueue: 'gateway', max_attempts: 1, offline_queue: false,
    });
    expect(config.gateway.rabbitmq).toMatchObject({ host: 'localhost', port: 5672, login: 'guest', password: 'guest', durable: false });
  });

  it('has our defaults for the keys the original did not have', () => {
    const { config } = loadConfig({ env: {} });
    expect(config.frontend).toMatchObject({
      embedded: false, host: '0.0.0.0', previous_session_secrets: [], sessionMaxAge: 604_800_000,
      clientMessageResendInterval: 7500, maxResends: 10, maxPayloadBytes: 1_048_576,
      rateLimit: { burst: 200, perSecond: 100, disconnectAfter: 20 }, flash_policy_port: 0,
      shutdownCode: '', metrics: { port: 9464, host: '127.0.0.1' },
    });
    expect(config.gateway.socketio).toMatchObject({ transports: ['polling', 'websocket'], path: '/socket.io' });
    expect(config.gateway.redis).toMatchObject({
      keyPrefix: 'asgw:', sentinels: [], sentinelName: '', cluster: [], username: '', sentinelPassword: '',
      commandTimeout: 2000, tls: false, ca: '', cert: '', key: '', rejectUnauthorized: true,
    });
    expect(config.gateway.rabbitmq).toMatchObject({ vhost: '/', heartbeat: 30, prefetch: 10, hosts: [] });
    expect(config.gateway.events.unauthenticated).toEqual(DEFAULT_UNAUTHENTICATED_EVENTS);
    expect(config.gateway.events.authenticated).toContain('getChangeWatcher');
    expect(config.gateway.presenceTtl).toBe(30000);
    expect(config.cluster.workerCount).toBeGreaterThanOrEqual(1);
  });

  it('loads a nested JSON file', () => {
    const f = file('c.json', JSON.stringify({ frontend: { port: 9001, ssl: true }, gateway: { socketio: { transports: ['websocket', 'polling'] } } }));
    const { config } = loadConfig({ file: f, env: {} });
    expect(config.frontend.port).toBe(9001);
    expect(config.frontend.ssl).toBe(true);
    expect(config.gateway.socketio.transports).toEqual(['websocket', 'polling']);
  });

  it('takes the file from ACTIVESTACK_GATEWAY_CONFIG', () => {
    const f = file('e.properties', 'frontend.port=7001\n');
    expect(loadConfig({ env: { ACTIVESTACK_GATEWAY_CONFIG: f } }).config.frontend.port).toBe(7001);
  });

  it('lets env override the file and flags override env', () => {
    const f = file('p.properties', 'frontend.port=7001\ngateway.rabbitmq.host=file-host\ncluster.workerCount=3\n');
    const env = { FRONTEND_PORT: '7002', GATEWAY_RABBITMQ_HOST: 'env-host', CLUSTER_WORKERCOUNT: '2', GATEWAY_REDIS_SENTINELS: 'a:26379, b:26380' };
    const fromEnv = loadConfig({ file: f, env }).config;
    expect(fromEnv.frontend.port).toBe(7002);
    expect(fromEnv.gateway.rabbitmq.host).toBe('env-host');
    expect(fromEnv.cluster.workerCount).toBe(2);
    expect(fromEnv.gateway.redis.sentinels).toEqual(['a:26379', 'b:26380']);
    const fromFlags = loadConfig({ file: f, env, argv: { 'frontend.port': '7003', 'frontend.embedded': true } }).config;
    expect(fromFlags.frontend.port).toBe(7003);
    expect(fromFlags.frontend.embedded).toBe(true);
    expect(fromFlags.gateway.rabbitmq.host).toBe('env-host');
  });

  it('stops with an error naming the key on invalid values', () => {
    expect(errorOf(() => loadConfig({ env: { FRONTEND_PORT: '80x' } })).key).toBe('frontend.port');
    expect(errorOf(() => loadConfig({ env: { FRONTEND_PORT: '70000' } })).message).toContain('frontend.port');
    expect(errorOf(() => loadConfig({ file: file('b.properties', 'frontend.ssl=flase\n'), env: {} })).key).toBe('frontend.ssl');
    expect(errorOf(() => loadConfig({ env: {}, argv: { 'frontend.logLevel': 'loud' } })).key).toBe('frontend.logLevel');
    expect(errorOf(() => loadConfig({ env: { CLUSTER_WORKERCOUNT: '0' } })).key).toBe('cluster.workerCount');
    expect(errorOf(() => loadConfig({ env: { GATEWAY_REDIS_CLUSTER: 'a:99999' } })).key).toBe('gateway.redis.cluster');
  });

  it('refuses a resend interval under 100 ms (PROTOCOL §5), in embedded mode too', () => {
    for (const ms of ['1', '99']) {
      const err = errorOf(() => loadConfig({ env: {}, argv: { 'frontend.clientMessageResendInterval': ms, 'frontend.embedded': true } }));
      expect(err.key).toBe('frontend.clientMessageResendInterval');
      expect(err.message).toContain('from 100');
    }
    expect(loadConfig({ env: {}, argv: { 'frontend.clientMessageResendInterval': '100' } }).config.frontend.clientMessageResendInterval).toBe(100);
  });

  it('does not echo secret values in errors', () => {
    const err = errorOf(() => loadConfig({ file: file('s.json', JSON.stringify({ frontend: { shutdownCode: 12345678 } })), env: {} }));
    expect(err.key).toBe('frontend.shutdownCode');
    expect(err.message).not.toContain('12345678');
  });

  it('names the file when it is missing or malformed', () => {
    expect(errorOf(() => loadConfig({ file: join(dir, 'nope.properties'), env: {} })).message).toContain('nope.properties');
    expect(errorOf(() => loadConfig({ file: file('bad.json', '{'), env: {} })).message).toContain('bad.json');
  });

  it('warns about unknown keys and still loads', () => {
    const f = file('u.properties', 'frontend.port=7005\nfrontend.colour=blue\n');
    const { config, warnings } = loadConfig({ file: f, env: {}, argv: { 'nope.key': 1 } });
    expect(config.frontend.port).toBe(7005);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('frontend.colour');
    expect(warnings[1]).toContain('nope.key');
  });
});

describe('assertProductionSafe', () => {
  const OWN_CODE = 'an-own-shutdown-code';
  const withSecret = (secret: string, embedded: boolean) =>
    loadConfig({ env: {}, argv: { 'frontend.session_secret': secret, 'frontend.embedded': embedded, 'frontend.shutdownCode': OWN_CODE } }).config;
  const real = (argv: Record<string, unknown>) =>
    loadConfig({ env: {}, argv: { 'frontend.session_secret': 'a-long-own-secret-of-enough-length', 'frontend.shutdownCode': OWN_CODE, ...argv } }).config;

  it('refuses the published default secret outside embedded mode', () => {
    const err = errorOf(() => assertProductionSafe(loadConfig({ file: original, env: {} }).config));
    expect(err.key).toBe('frontend.session_secret');
    expect(err.message).not.toContain(PUBLISHED_SESSION_SECRET);
  });

  it('refuses an empty secret outside embedded mode', () => {
    expect(errorOf(() => assertProductionSafe(withSecret('', false))).key).toBe('frontend.session_secret');
  });

  it('refuses a secret shorter than 32 characters, current or previous, without echoing it', () => {
    const short = errorOf(() => assertProductionSafe(withSecret('a', false)));
    expect(short.key).toBe('frontend.session_secret');
    expect(short.message).toContain('shorter than 32');
    expect(errorOf(() => assertProductionSafe(withSecret('x'.repeat(31), false))).key).toBe('frontend.session_secret');
    expect(() => assertProductionSafe(withSecret('x'.repeat(32), false))).not.toThrow();
    const previous = errorOf(() => assertProductionSafe(real({ 'frontend.previous_session_secrets': 'an-old-long-enough-secret-of-32-chars,weak-old' })));
    expect(previous.key).toBe('frontend.previous_session_secrets');
    expect(previous.message).not.toContain('weak-old');
  });

  it('refuses an empty shutdown code and the original\'s published one (pass123), without echoing it', () => {
    expect(loadConfig({ env: {} }).config.frontend.shutdownCode).toBe('');
    expect(errorOf(() => assertProductionSafe(real({ 'frontend.shutdownCode': '' }))).key).toBe('frontend.shutdownCode');
    expect(errorOf(() => assertProductionSafe(real({ 'frontend.shutdownCode': '  ' }))).key).toBe('frontend.shutdownCode');
    const published = errorOf(() => assertProductionSafe(real({ 'frontend.shutdownCode': 'pass123' })));
    expect(published.key).toBe('frontend.shutdownCode');
    expect(published.message).toContain('published default');
    expect(published.message).not.toContain('pass123');
  });

  it('accepts an own secret and code, and anything in embedded mode, with no settings at all', () => {
    expect(() => assertProductionSafe(real({}))).not.toThrow();
    expect(() => assertProductionSafe(withSecret('', true))).not.toThrow();
    expect(() => assertProductionSafe(withSecret(PUBLISHED_SESSION_SECRET, true))).not.toThrow();
    expect(() => assertProductionSafe(loadConfig({ env: {}, argv: { 'frontend.embedded': true } }).config)).not.toThrow();
  });
});
