import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedGateway, TEST_SECRET, type EmbeddedGateway } from '../../support/embedded-gateway.js';
import { publicPart, TRANSPORTS } from '../../support/test-socket.js';

/** A key as the original gateway issued it: base64(JSON) ";" base64(HMAC-SHA512(secret, base64(JSON))). */
function originalKey(fields: Record<string, unknown>, secret = TEST_SECRET): string {
  const encoded = Buffer.from(JSON.stringify({ savedAt: Date.now() - 3600_000, ...fields })).toString('base64');
  return `${encoded};${createHmac('sha512', secret).update(encoded).digest('base64')}`;
}

const key = originalKey({ clientId: '0123456789abcdef0123456789abcdef', userId: 42, token: 'legacy-token', deviceId: 'phone-1' });

let gw: EmbeddedGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

describe.each(TRANSPORTS)('keys of the original gateway over %s (migration window)', (transport) => {
  it('within the window: resumed logged in, a key of ours at once, each use counted; logout revokes it', async () => {
    gw = await startEmbeddedGateway({ legacyKeysAcceptUntil: Date.now() + 86_400_000 });
    const s = await gw.socket(transport);
    s.emit('message', { reconnect: { reconnectId: key } });
    const ours = (await s.next('gatewayConnectAck')).data as string;
    expect(ours).toMatch(/;v1\./);
    expect(publicPart(ours)).toMatchObject({ userId: '42', deviceId: 'phone-1' });
    expect(gw.metrics.counts.get('legacyKey:accepted')).toBe(1);
    s.emit('logout', {});
    await s.next('disconnect');
    const again = await gw.socket(transport);
    again.emit('message', { reconnect: { reconnectId: key } });
    expect((await again.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
    expect(gw.metrics.counts.get('legacyKey:invalid')).toBe(1);
  });

  it('after the window, and with another secret: INVALID_RECONNECT_KEY, counted as expired / invalid', async () => {
    gw = await startEmbeddedGateway({ legacyKeysAcceptUntil: Date.now() - 1000 });
    const late = await gw.socket(transport);
    late.emit('message', { reconnect: { reconnectId: key } });
    expect((await late.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
    expect(publicPart((await late.next('gatewayConnectAck')).data as string).userId).toBeUndefined();
    expect(gw.metrics.counts.get('legacyKey:expired')).toBe(1);
  });

  it('without a window, an original key is just an invalid key, and not counted', async () => {
    gw = await startEmbeddedGateway();
    const s = await gw.socket(transport);
    s.emit('message', { reconnect: { reconnectId: key } });
    expect((await s.next('gatewayError')).data).toMatchObject({ code: 'INVALID_RECONNECT_KEY' });
    expect([...gw.metrics.counts.keys()].filter((k) => k.startsWith('legacyKey'))).toEqual([]);
  });
});
