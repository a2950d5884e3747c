import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/index.js';
import { resolveSettings } from '../../../src/application/gateway-settings.js';
import { corsOrigins, gatewaySettings, handshakeGuardOptions } from '../../../src/main/gateway-settings.js';

const configWith = (argv: Record<string, string | number> = {}) => loadConfig({ env: {}, argv }).config;

describe('edge settings from the configuration (issue 10)', () => {
  it('defaults: acks four times the event bucket, same-origin only, 256 open and 32 new connections per second per address, no trusted proxy', () => {
    const config = configWith();
    expect(gatewaySettings(config, 'x').rateLimit).toEqual({ burst: 200, perSecond: 100, disconnectAfter: 20 });
    expect(resolveSettings(gatewaySettings(config, 'x'), () => 'id').client.limits).toMatchObject({ ackBurst: 800, ackPerSecond: 400 });
    // Raising the event bucket raises the acks' with it; set explicitly, they are taken as given.
    const raised = resolveSettings(gatewaySettings(configWith({ 'frontend.rateLimit.perSecond': 1000 }), 'x'), () => 'id');
    expect(raised.client.limits.ackPerSecond).toBe(4000);
    // A small event bucket does not starve acks: never under 800 at once, 400 per second.
    const small = resolveSettings(gatewaySettings(configWith({ 'frontend.rateLimit.burst': 10, 'frontend.rateLimit.perSecond': 5 }), 'x'), () => 'id');
    expect(small.client.limits).toMatchObject({ ackBurst: 800, ackPerSecond: 400 });
    const explicit = resolveSettings(gatewaySettings(configWith({ 'frontend.rateLimit.ackBurst': 50, 'frontend.rateLimit.ackPerSecond': 10 }), 'x'), () => 'id');
    expect(explicit.client.limits).toMatchObject({ ackBurst: 50, ackPerSecond: 10 });
    expect(handshakeGuardOptions(config)).toEqual({ allowedOrigins: [], perAddress: 256, perAddressPerSecond: 32, trustedProxies: [] });
    expect(corsOrigins(config)).toBeUndefined();
  });

  it('reads lists from text sources', () => {
    const config = configWith({
      'frontend.allowedOrigins': 'https://app.example.com, https://*.example.org',
      'frontend.trustProxy': 'loopback, 10.0.0.0/8',
      'frontend.connections.perAddress': 0,
    });
    expect(handshakeGuardOptions(config)).toEqual({
      allowedOrigins: ['https://app.example.com', 'https://*.example.org'],
      perAddress: 0,
      perAddressPerSecond: 32,
      trustedProxies: ['loopback', '10.0.0.0/8'],
    });
    const cors = corsOrigins(config)!;
    expect(cors('https://eu.example.org')).toBe(true);
    expect(cors('https://evil.example')).toBe(false);
  });

  it('a malformed origin or proxy stops start-up naming the key', () => {
    expect(() => handshakeGuardOptions(configWith({ 'frontend.allowedOrigins': 'app.example.com' }))).toThrow(/"frontend\.allowedOrigins".*is not an origin/);
    expect(() => handshakeGuardOptions(configWith({ 'frontend.trustProxy': 'my-proxy' }))).toThrow(/"frontend\.trustProxy"/);
  });
});
