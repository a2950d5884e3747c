import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/index.js';
import { gatewaySettings } from '../../../src/main/gateway-settings.js';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../support/embedded-gateway.js';
import { publicPart, sleep, TestSocket, TRANSPORTS, until } from '../../support/test-socket.js';

/**
 * Issue 10, point 1: the limits of PROTOCOL §6 hold at the transport edge,
 * over both transports. Each test is an attack of the issue.
 */
describe.each(TRANSPORTS)('client limits over %s', (transport) => {
  const open: TestSocket[] = [];
  const gateways: EmbeddedGateway[] = [];

  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    for (const gw of gateways.splice(0)) await gw.close();
  });

  async function gateway(opts: Parameters<typeof startEmbeddedGateway>[0]): Promise<EmbeddedGateway> {
    const gw = await startEmbeddedGateway(opts);
    gateways.push(gw);
    return gw;
  }

  async function started(gw: EmbeddedGateway): Promise<{ s: TestSocket; clientId: string }> {
    const s = await TestSocket.open(gw.url, transport);
    open.push(s);
    const key = await s.start();
    return { s, clientId: publicPart(key).clientId };
  }

  const errorsOf = (s: TestSocket): Array<{ code: string; event?: string; messageId?: string }> =>
    s.all('gatewayError') as Array<{ code: string; event?: string; messageId?: string }>;

  /** What the demo agent was sent as `testCall`. */
  const atAgent = (gw: EmbeddedGateway): Array<Record<string, unknown>> => (gw.agent!.received.get('testCall') ?? []) as Array<Record<string, unknown>>;

  /** Sends a binary message: a Socket.IO event with a Buffer, or a binary WebSocket frame. */
  function sendBinary(s: TestSocket, messageId: string, bytes: number): void {
    if (transport === 'socket.io') s.socket.emit('testCall', { messageId, blob: Buffer.alloc(bytes, 7) });
    else s.sendFrame(Buffer.alloc(bytes, 7));
  }

  describe('sizes in bytes over the whole packet or frame, before parsing', () => {
    const LIMIT = 64 * 1024;

    it('binary data never reaches an agent: BAD_REQUEST under the limit, PAYLOAD_TOO_LARGE over it, a closed connection beyond the transport limit', async () => {
      const gw = await gateway({ maxPayloadBytes: LIMIT, rateLimit: { burst: 1000, perSecond: 1000, disconnectAfter: 20 } });
      const { s } = await started(gw);

      sendBinary(s, 'bin-small', 1000);
      const small = (await s.next('gatewayError')).data;
      expect(small).toMatchObject({ code: 'BAD_REQUEST' });
      if (transport === 'socket.io') expect(small).toMatchObject({ event: 'testCall', messageId: 'bin-small' });

      // 200 KB of attachment: the text header alone is a few bytes.
      sendBinary(s, 'bin-200k', 200 * 1024);
      const big = (await s.next('gatewayError')).data;
      expect(big).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      if (transport === 'socket.io') expect(big).toMatchObject({ event: 'testCall', messageId: 'bin-200k' });

      // Still served after both.
      s.emit('testCall', { messageId: 'after-binary' });
      await s.next('push', (m) => m?.correspondingMessageId === 'after-binary');

      // 9 MB: beyond the transport's own limit (1 MB here), the connection goes.
      sendBinary(s, 'bin-9m', 9 * 1024 * 1024);
      const closed = (await s.next('disconnect', () => true, 10_000)).data;
      expect(String(closed)).toMatch(transport === 'websocket' ? /^ws close 1009/ : /transport close/);

      const seen = atAgent(gw).map((b) => b.messageId);
      expect(seen).toContain('after-binary');
      expect(seen.filter((id) => String(id).startsWith('bin-'))).toEqual([]);
      expect(atAgent(gw).every((b) => JSON.stringify(b).length < LIMIT)).toBe(true);
    });

    it('oversized binary messages count towards disconnectAfter', async () => {
      const gw = await gateway({ maxPayloadBytes: LIMIT, rateLimit: { burst: 1000, perSecond: 1000, disconnectAfter: 3 } });
      const { s } = await started(gw);
      for (let i = 0; i < 4; i++) sendBinary(s, `bin-${i}`, 100 * 1024);
      expect((await s.next('gatewayDisconnect', () => true, 10_000)).data).toEqual({ reason: 'rate-limited', resumable: false });
      await s.next('disconnect', () => true, 10_000);
      expect(errorsOf(s).map((e) => e.code)).toEqual(['PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE']);
      expect(atAgent(gw)).toEqual([]);
    });

    it('a 4 MiB message over a 1.5 MiB limit is refused without being JSON-parsed, with its event and messageId', async () => {
      const limit = 1.5 * 1024 * 1024;
      const gw = await gateway({ maxPayloadBytes: limit, rateLimit: { burst: 1000, perSecond: 1000, disconnectAfter: 20 } });
      const { s } = await started(gw);
      const realParse = JSON.parse;
      let longest = 0;
      JSON.parse = function parse(text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown): unknown {
        if (typeof text === 'string' && text.length > longest) longest = text.length;
        return realParse.call(JSON, text, reviver);
      } as typeof JSON.parse;
      try {
        s.emit('testCall', { messageId: 'huge', blob: 'x'.repeat(4 * 1024 * 1024) });
        const refused = (await s.next('gatewayError', () => true, 10_000)).data;
        expect(refused).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', event: 'testCall', messageId: 'huge' });
      } finally {
        JSON.parse = realParse;
      }
      expect(longest, 'the longest text JSON.parse was given in this process').toBeLessThan(limit);
      s.emit('testCall', { messageId: 'still-served' });
      await s.next('push', (m) => m?.correspondingMessageId === 'still-served');
      expect(atAgent(gw).map((b) => b.messageId)).toEqual(['still-served']);
    });

    it('of up to 100,000 oversized messages, the one past disconnectAfter closes the socket', async () => {
      const gw = await gateway({ maxPayloadBytes: 1024, rateLimit: { burst: 100_000, perSecond: 100_000, disconnectAfter: 20 } });
      const { s } = await started(gw);
      const blob = 'o'.repeat(2000);
      let sent = 0;
      while (sent < 100_000 && s.all('gatewayDisconnect').length === 0) {
        s.emit('testCall', { messageId: `o${sent++}`, blob });
        if (sent % 10 === 0) await sleep(5);
      }
      expect(s.all('gatewayDisconnect')).toEqual([{ reason: 'rate-limited', resumable: false }]);
      await s.next('disconnect', () => true, 10_000);
      expect(sent).toBeLessThan(100_000);
      const errors = errorsOf(s);
      expect(errors).toHaveLength(21);
      expect(errors.every((e) => e.code === 'PAYLOAD_TOO_LARGE' && e.event === 'testCall')).toBe(true);
      expect(atAgent(gw)).toEqual([]);
    });
  });

  describe('acks in a bucket of their own (frontend.rateLimit.ackBurst / ackPerSecond)', () => {
    /** The core's rate limits as the server builds them from these configuration keys. */
    function rateLimitFrom(keys: Record<string, number>) {
      const { config, warnings } = loadConfig({ env: {}, argv: keys });
      expect(warnings).toEqual([]);
      return gatewaySettings(config, 'test').rateLimit;
    }

    it('2,000 acks against an event burst of 10: the ack bucket (50) is admitted, the rest refused, then a disconnect', async () => {
      const rateLimit = rateLimitFrom({
        'frontend.rateLimit.burst': 10,
        'frontend.rateLimit.perSecond': 5,
        'frontend.rateLimit.ackBurst': 50,
        'frontend.rateLimit.ackPerSecond': 1,
        'frontend.rateLimit.disconnectAfter': 20,
      });
      const gw = await gateway({ rateLimit });
      const { s, clientId } = await started(gw);
      for (let i = 0; i < 2000; i++) s.emit('message', { ack: { correspondingMessageId: `nope-${i}` } });
      expect((await s.next('gatewayDisconnect', () => true, 10_000)).data).toEqual({ reason: 'rate-limited', resumable: false });
      const admitted = gw.logger.lines.filter((l) => l.msg === 'ack for an unknown message id' && (l.obj as { clientId?: string }).clientId === clientId);
      // 50 at once, plus at most a token or two refilled at 1 per second meanwhile.
      expect(admitted.length).toBeGreaterThanOrEqual(50);
      expect(admitted.length).toBeLessThanOrEqual(52);
      const errors = errorsOf(s);
      expect(errors).toHaveLength(21);
      expect(errors.every((e) => e.code === 'RATE_LIMITED')).toBe(true);
    });

    it('a client acking a burst of 100 pushes is never refused (default ack bucket, event burst 10)', async () => {
      const rateLimit = rateLimitFrom({ 'frontend.rateLimit.burst': 10, 'frontend.rateLimit.perSecond': 5 });
      const gw = await gateway({ rateLimit });
      const { s, clientId } = await started(gw);
      const acked = new Set<string>();
      s.on('push', (m: { correspondingMessageId: string }) => {
        s.emit('message', { ack: { correspondingMessageId: m.correspondingMessageId } });
        acked.add(m.correspondingMessageId);
      });
      for (let i = 0; i < 100; i++) {
        const body = { cn: 'com.percero.agents.sync.vo.PushUpdateResponse', correspondingMessageId: `push-${i}` };
        await gw.bus.publish(clientId, Buffer.from(JSON.stringify(body)), { replyTo: 'test' });
      }
      await until(() => acked.size === 100, '100 pushes were received and acked', 10_000);
      // A round trip after the last ack: everything before it was handled.
      s.emit('testCall', { messageId: 'after-acks' });
      await s.next('push', (m) => m?.correspondingMessageId === 'after-acks');
      expect(errorsOf(s)).toEqual([]);
      expect(s.all('disconnect')).toEqual([]);
      expect(gw.logger.lines.filter((l) => l.msg === 'ack for an unknown message id')).toEqual([]);
    });

    it('an unknown ack id of 60 KB is logged cut short (one line under 1 KB), and 50,000 unknown keys make one warning', async () => {
      const gw = await gateway({});
      const { s, clientId } = await started(gw);
      const mine = () => gw.logger.lines.filter((l) => (l.obj as { clientId?: string }).clientId === clientId && l.level === 'warn');
      s.emit('message', { ack: { correspondingMessageId: 'a'.repeat(60_000) } });
      const keys: Record<string, number> = {};
      for (let i = 0; i < 50_000; i++) keys[`k${i}`] = 1;
      s.emit('message', keys);
      s.emit('testCall', { messageId: 'probe' });
      await s.next('push', (m) => m?.correspondingMessageId === 'probe');
      const warnings = mine();
      expect(warnings.map((l) => l.msg)).toEqual(['ack for an unknown message id', 'unknown special messages ignored']);
      for (const line of warnings) expect(JSON.stringify(line).length).toBeLessThan(1024);
    });
  });
});
