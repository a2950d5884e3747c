import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/index.js';
import { amqpBusOptions } from '../../../src/main/adapter-options/amqp.js';

const load = (argv: Record<string, unknown>) => loadConfig({ env: {}, argv }).config;

describe('gateway.rabbitmq.* → AMQP bus options', () => {
  it('maps the defaults: classic reply queues, 1000 in flight, 5 s confirm timeout, plain amqp', () => {
    const o = amqpBusOptions(load({}), 'name');
    expect(o).toMatchObject({ replyQueueType: 'classic', maxInFlight: 1000, confirmTimeoutMs: 5000, urls: ['amqp://guest:guest@localhost:5672/%2F?heartbeat=30'] });
    expect(o.tls).toBeUndefined();
  });

  it('maps quorum, limits and a host list', () => {
    const o = amqpBusOptions(
      load({ 'gateway.rabbitmq.replyQueueType': 'quorum', 'gateway.rabbitmq.maxInFlight': '50', 'gateway.rabbitmq.confirmTimeout': '900', 'gateway.rabbitmq.hosts': 'a:5681,b:5682' }),
      'name',
    );
    expect(o).toMatchObject({ replyQueueType: 'quorum', maxInFlight: 50, confirmTimeoutMs: 900 });
    expect(o.urls.map((u) => new URL(u).host)).toEqual(['a:5681', 'b:5682']);
  });

  it('refuses an unknown reply queue type, naming the key', () => {
    expect(() => load({ 'gateway.rabbitmq.replyQueueType': 'stream' })).toThrow(/gateway\.rabbitmq\.replyQueueType/);
  });

  it('reads the TLS files into amqps options', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgw-amqp-tls-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `-----${f}-----`);
    const o = amqpBusOptions(
      load({
        'gateway.rabbitmq.tls': 'true',
        'gateway.rabbitmq.port': '5671',
        'gateway.rabbitmq.ca': join(dir, 'ca.pem'),
        'gateway.rabbitmq.cert': join(dir, 'cert.pem'),
        'gateway.rabbitmq.key': join(dir, 'key.pem'),
        'gateway.rabbitmq.rejectUnauthorized': 'false',
      }),
      'name',
    );
    expect(o.urls[0]).toMatch(/^amqps:\/\/guest:guest@localhost:5671\//);
    expect(o.tls?.ca?.map(String)).toEqual(['-----ca.pem-----']);
    expect(String(o.tls?.cert)).toBe('-----cert.pem-----');
    expect(String(o.tls?.key)).toBe('-----key.pem-----');
    expect(o.tls?.rejectUnauthorized).toBe(false);
  });

  it('says which key is wrong: unreadable file, TLS files without tls, a certificate without its key', () => {
    expect(() => amqpBusOptions(load({ 'gateway.rabbitmq.tls': 'true', 'gateway.rabbitmq.ca': '/nonexistent/ca.pem' }), 'n')).toThrow(
      /gateway\.rabbitmq\.ca.*cannot read \/nonexistent\/ca\.pem: ENOENT/,
    );
    expect(() => amqpBusOptions(load({ 'gateway.rabbitmq.ca': '/x.pem' }), 'n')).toThrow(/gateway\.rabbitmq\.ca.*tls is false/);
    expect(() => amqpBusOptions(load({ 'gateway.rabbitmq.tls': 'true', 'gateway.rabbitmq.cert': '/x.pem' }), 'n')).toThrow(
      /gateway\.rabbitmq\.key.*set both or neither/,
    );
  });
});
