import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../../src/adapters/redis/redis-client.js';
import { RedisSessionStore } from '../../../src/adapters/redis/redis-session-store.js';
import { redisClientOptions } from '../../../src/main/adapter-options/redis.js';
import { ConfigError, loadConfig, type GatewayConfig } from '../../../src/main/config/index.js';
import { startWorker } from '../../../src/main/worker.js';
import { createVhost, deleteVhost, testVhostName } from '../../support/amqp-agent.js';
import { MemoryLogger } from '../../support/fakes.js';
import { realGatewayOverrides } from '../../support/gateway-process.js';
import { killAllRedisProcesses, RedisProcess, requireFreePorts } from '../../support/redis-process.js';
import { requireRabbitMq } from '../../support/services.js';
import { until } from '../../support/test-socket.js';
import { recordingLogger } from '../../contract/recording-logger.js';
import { makeSelfSignedCert, type TlsMaterial } from '../../e2e/ops/tls-material.js';

/**
 * `rediss`: the gateway's Redis connections over TLS, configured only
 * through gateway.redis.* and the one builder (adapter-options/redis.ts),
 * against a real redis-server with TLS on its own port that asks every
 * client for a certificate (tls-auth-clients yes).
 */
const PORT = 6395;
let server: TlsMaterial;
let client: TlsMaterial;
let redis: RedisProcess;

beforeAll(async () => {
  await requireFreePorts([PORT]);
  server = makeSelfSignedCert();
  client = makeSelfSignedCert();
  // The server trusts exactly our client certificate; clients trust exactly its certificate.
  const clientCa = `${client.dir}/trusted-clients.pem`;
  writeFileSync(clientCa, readFileSync(client.certFile));
  redis = await RedisProcess.server(PORT, [
    '--tls-cert-file', server.certFile,
    '--tls-key-file', server.keyFile,
    '--tls-ca-cert-file', clientCa,
    '--tls-auth-clients', 'yes',
  ], { tlsPort: true });
}, 30_000);

afterAll(async () => {
  await killAllRedisProcesses();
  server?.remove();
  client?.remove();
});

function config(redisKeys: Record<string, unknown>): GatewayConfig {
  return loadConfig({
    env: {},
    argv: { 'gateway.redis.host': '127.0.0.1', 'gateway.redis.port': PORT, 'gateway.redis.commandTimeout': 1000, ...redisKeys },
  }).config;
}

/** A session store built exactly as the gateway builds its own, from the config. */
function storeFrom(cfg: GatewayConfig): RedisSessionStore {
  return new RedisSessionStore({
    client: createRedisClient(redisClientOptions(cfg, 'store', 'asgw-tls-test'), recordingLogger()),
    keyPrefix: 'asgw-tls-test:',
  });
}

async function works(cfg: GatewayConfig): Promise<boolean> {
  const store = storeFrom(cfg);
  try {
    const deadline = Date.now() + 3000;
    while (!store.isConnected() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!store.isConnected()) return false;
    await store.revoke('sid-tls', 60_000);
    return await store.isRevoked('sid-tls');
  } catch {
    return false;
  } finally {
    await store.close();
  }
}

describe('Redis over TLS (gateway.redis.tls)', () => {
  it('works with the CA, client certificate and key from gateway.redis.ca/cert/key', async () => {
    expect(await works(config({
      'gateway.redis.tls': true, 'gateway.redis.ca': server.certFile, 'gateway.redis.cert': client.certFile, 'gateway.redis.key': client.keyFile,
    }))).toBe(true);
  });

  it('is refused without the client certificate the server asks for', async () => {
    expect(await works(config({ 'gateway.redis.tls': true, 'gateway.redis.ca': server.certFile }))).toBe(false);
  });

  it('refuses a server whose certificate does not verify, unless rejectUnauthorized=false', async () => {
    const withClientCert = { 'gateway.redis.tls': true, 'gateway.redis.cert': client.certFile, 'gateway.redis.key': client.keyFile };
    // No CA given: the system CAs, which do not know our self-signed server.
    expect(await works(config(withClientCert))).toBe(false);
    expect(await works(config({ ...withClientCert, 'gateway.redis.rejectUnauthorized': false }))).toBe(true);
  });

  it('does not talk to a TLS Redis in clear text (gateway.redis.tls=false)', async () => {
    expect(await works(config({}))).toBe(false);
  });

  it('names the key of an unreadable file or a half-set pair, and of TLS files set without tls', () => {
    const keyOf = (cfg: Record<string, unknown>): string => {
      try {
        redisClientOptions(config(cfg), 'store', 'x');
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).key;
      }
      throw new Error('expected a ConfigError');
    };
    expect(keyOf({ 'gateway.redis.tls': true, 'gateway.redis.ca': '/nonexistent/ca.pem' })).toBe('gateway.redis.ca');
    expect(keyOf({ 'gateway.redis.tls': true, 'gateway.redis.cert': client.certFile })).toBe('gateway.redis.key');
    expect(keyOf({ 'gateway.redis.tls': true, 'gateway.redis.key': client.keyFile })).toBe('gateway.redis.cert');
    expect(keyOf({ 'gateway.redis.ca': server.certFile })).toBe('gateway.redis.ca');
  });

  it('carries a whole gateway: every Redis connection of a worker goes over TLS and it gets ready', async () => {
    await requireRabbitMq();
    const vhost = testVhostName('redis-tls');
    await createVhost(vhost);
    try {
      const { config: cfg } = loadConfig({
        env: {},
        argv: realGatewayOverrides(vhost, {
          'gateway.redis.port': PORT,
          'gateway.redis.tls': true,
          'gateway.redis.ca': server.certFile,
          'gateway.redis.cert': client.certFile,
          'gateway.redis.key': client.keyFile,
        }),
      });
      const worker = await startWorker(cfg, { logger: new MemoryLogger() });
      try {
        await until(() => worker.readiness().ready, 'the gateway ready with Redis over TLS', 10_000);
        expect(worker.readiness()).toEqual({ ready: true, broker: true, redis: true });
        // The control channel's connections too (the server has no clear-text port).
        const heard: string[] = [];
        await worker.control.onCommand((line) => heard.push(line));
        await worker.control.sendCommand('clientcount');
        await until(() => heard.length > 0, 'a control command over TLS', 10_000);
        expect(heard).toEqual(['clientcount']);
      } finally {
        await worker.close();
      }
    } finally {
      await deleteVhost(vhost);
    }
  }, 60_000);
});
