import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../support/embedded-gateway.js';
import { publicPart, TestSocket, type Received, TRANSPORTS } from '../../support/test-socket.js';
import { badReconnectValues, deepNest, isPlain, junkValues, mulberry32 } from './bad-input-payloads.js';

describe.each(TRANSPORTS)('over %s', (transport) => {
  /**
   * Bad input (issue 5): generated payloads for every event and special
   * message must get the right gatewayError, never crash the gateway, never
   * pollute prototypes, and never disturb another client.
   */
  let gw: EmbeddedGateway;
  let bystander: TestSocket;
  let bystanderId: string;
  const open: TestSocket[] = [];
  const LIMIT = 64 * 1024;

  beforeAll(async () => {
    gw = await startEmbeddedGateway({ maxPayloadBytes: LIMIT, rateLimit: { burst: 100_000, perSecond: 100_000, disconnectAfter: 20 } });
    bystander = await TestSocket.open(gw.url, transport);
    bystanderId = publicPart(await bystander.start()).clientId;
  });
  afterAll(async () => {
    bystander?.close();
    await gw?.close();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    // Other clients unaffected: the bystander still does a round trip and never saw an error.
    bystander.emit('testCall', { messageId: `still-alive-${Date.now()}` });
    const reply = await bystander.next('push', (m) => typeof m?.correspondingMessageId === 'string' && m.correspondingMessageId.startsWith('still-alive-')).catch((err: Error) => {
      const problems = gw.logger.lines.filter((l) => l.level === 'error' || l.level === 'warn').slice(-5);
      throw new Error(`the bystander lost its round trip (connected ${bystander.isConnected}); gateway warnings: ${JSON.stringify(problems).slice(0, 1500)}; ${err.message}`);
    });
    expect((reply.data as { result: { clientId: string } }).result.clientId).toBe(bystanderId);
    // Acked, or the prefetch of 10 unacked pushes would stall it after ten tests.
    bystander.emit('message', { ack: { correspondingMessageId: (reply.data as { correspondingMessageId: string }).correspondingMessageId } });
    expect(bystander.all('gatewayError')).toEqual([]);
    expect(bystander.all('disconnect')).toEqual([]);
    expect(({} as Record<string, unknown>).polluted, 'Object.prototype was polluted').toBeUndefined();
  });

  async function socket(): Promise<TestSocket> {
    const s = await TestSocket.open(gw.url, transport);
    open.push(s);
    return s;
  }

  async function started(): Promise<TestSocket> {
    return (await startedWithKey()).s;
  }

  async function startedWithKey(): Promise<{ s: TestSocket; key: string }> {
    const s = await socket();
    const key = await s.start();
    return { s, key };
  }

  let probes = 0;
  /**
   * Emits `event` with `payload`, then a probe whose answer is known; the
   * socket handles its events in order, so what arrived before the probe's
   * answer is everything the payload caused synchronously.
   */
  async function exchange(s: TestSocket, event: string, payload: unknown): Promise<Received[]> {
    const probe = `probe-${++probes}`;
    s.emit(event, payload);
    s.emit('noSuchEventProbe', { messageId: probe });
    await s.next('gatewayError', (e) => e?.messageId === probe && e?.event === 'noSuchEventProbe', 10_000);
    return s.received.splice(0);
  }

  /** What the transport measures: Socket.IO's EVENT packet `2[event,payload]`, or the WebSocket frame `{event,data}`. */
  const wireBytes = (event: string, payload: unknown): number =>
    Buffer.byteLength(transport === 'websocket' ? JSON.stringify({ event, data: payload }) : `2${JSON.stringify([event, payload])}`, 'utf8');

  const codes = (rs: Received[]): string[] => rs.filter((r) => r.event === 'gatewayError').map((r) => (r.data as { code: string }).code);

  function expectCleanError(r: Received): void {
    const e = r.data as Record<string, unknown>;
    expect(Object.keys(e).every((k) => ['code', 'message', 'event', 'messageId'].includes(k)), JSON.stringify(e)).toBe(true);
    expect(typeof e.message).toBe('string');
    expect(String(e.message)).not.toMatch(/\bat .+:\d+|Error:|TypeError|stack/);
  }

  const SEEDS = [1, 7, 42];

  describe('special message `message` with generated payloads', () => {
    it('a payload that is not a plain object gets BAD_REQUEST, before and after connect', async () => {
      for (const seed of SEEDS) {
        const fresh = await socket();
        const live = await started();
        for (const value of junkValues(mulberry32(seed), 40)) {
          if (isPlain(value)) continue;
          const before = await exchange(fresh, 'message', value);
          expect(codes(before), JSON.stringify(value)?.slice(0, 200)).toEqual(['BAD_REQUEST']);
          before.forEach(expectCleanError);
          const after = await exchange(live, 'message', value);
          expect(codes(after), JSON.stringify(value)?.slice(0, 200)).toEqual(['BAD_REQUEST']);
        }
      }
    });

    it('plain objects with only unknown keys (__proto__, constructor, …) are ignored: no error, no session', async () => {
      const s = await socket();
      for (const value of [
        JSON.parse('{"__proto__":{"connect":{},"polluted":true}}'),
        JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
        { prototype: { polluted: true }, toString: 1, valueOf: 'x', hasOwnProperty: null },
        {},
      ]) {
        const rs = await exchange(s, 'message', value);
        expect(rs, JSON.stringify(value)).toEqual([]);
      }
      // Still not started: an agent event is NOT_CONNECTED.
      expect(codes(await exchange(s, 'testCall', {}))).toEqual(['NOT_CONNECTED']);
    });

    it('ack and hibernate before connect get NOT_CONNECTED whatever their value', async () => {
      const s = await socket();
      for (const value of junkValues(mulberry32(3), 15)) {
        expect(codes(await exchange(s, 'message', { ack: value })), JSON.stringify(value)?.slice(0, 200)).toEqual(['NOT_CONNECTED']);
        expect(codes(await exchange(s, 'message', { hibernate: value })), JSON.stringify(value)?.slice(0, 200)).toEqual(['NOT_CONNECTED']);
      }
    });

    it('an ack that is not an object with a string correspondingMessageId gets BAD_REQUEST; an unknown id only a warning', async () => {
      const s = await started();
      for (const value of junkValues(mulberry32(11), 40)) {
        const good = isPlain(value) && Object.prototype.hasOwnProperty.call(value, 'correspondingMessageId') && typeof value.correspondingMessageId === 'string';
        const tooBig = wireBytes('message', { ack: value }) > LIMIT;
        const expected = tooBig ? ['PAYLOAD_TOO_LARGE'] : good ? [] : ['BAD_REQUEST'];
        expect(codes(await exchange(s, 'message', { ack: value })), JSON.stringify(value)?.slice(0, 200)).toEqual(expected);
      }
      expect(codes(await exchange(s, 'message', { ack: { correspondingMessageId: 'never-pushed' } }))).toEqual([]);
      expect(codes(await exchange(s, 'message', { ack: JSON.parse('{"__proto__":{"correspondingMessageId":"x"}}') }))).toEqual(['BAD_REQUEST']);
    });

    it('a second connect or reconnect on a started client gets BAD_REQUEST and changes nothing', async () => {
      const s = await started();
      for (const value of [{}, null, 'x', { reconnectId: 'a;b' }]) {
        expect(codes(await exchange(s, 'message', { connect: value }))).toEqual(['BAD_REQUEST']);
      }
      expect(s.all('gatewayConnectAck')).toEqual([]);
    });
  });

  describe('reconnect keys of every shape', () => {
    it('each invalid key gets INVALID_RECONNECT_KEY before a fresh logged-out session', async () => {
      const { key: realKey } = await startedWithKey();
      for (const value of badReconnectValues(realKey, mulberry32(5))) {
        const s = await socket();
        s.emit('message', { reconnect: value });
        const label = JSON.stringify(value)?.slice(0, 200);
        const first = await s.next('gatewayError', () => true, 10_000).catch((err: Error) => {
          throw new Error(`{reconnect: ${label}}: ${err.message}`);
        });
        expect((first.data as { code: string }).code, JSON.stringify(value)?.slice(0, 200)).toBe('INVALID_RECONNECT_KEY');
        expectCleanError(first);
        const key = (await s.next('gatewayConnectAck', () => true, 10_000)).data as string;
        const pub = publicPart(key);
        expect(pub.clientId).toMatch(/^[0-9a-f]{32}$/);
        expect(pub.userId).toBeUndefined();
        // The gatewayError came first: nothing else was received before it.
        expect(s.received.filter((r) => r.event === 'gatewayConnectAck')).toEqual([]);
        s.close();
      }
    });
  });

  describe('agent events with generated payloads', () => {
    it('before connect: NOT_CONNECTED for every event and payload', async () => {
      const s = await socket();
      for (const value of junkValues(mulberry32(21), 20)) {
        for (const event of ['findById', 'testCall', 'noSuchEvent', 'constructor', '__proto__', 'toString']) {
          const rs = await exchange(s, event, value);
          expect(codes(rs), `${event} ${JSON.stringify(value)?.slice(0, 100)}`).toEqual(['NOT_CONNECTED']);
          rs.forEach(expectCleanError);
        }
      }
    });

    it('logout before connect, whatever its payload: NOT_CONNECTED, then the socket is closed', async () => {
      for (const value of junkValues(mulberry32(8), 3)) {
        const s = await socket();
        s.emit('logout', value);
        expect((await s.next('gatewayError')).data).toMatchObject({ code: 'NOT_CONNECTED', event: 'logout' });
        await s.next('disconnect');
      }
    });

    it('unknown events (prototype names included) get UNKNOWN_EVENT; bad payloads BAD_REQUEST; logged-out authenticated events UNAUTHENTICATED', async () => {
      const s = await started();
      for (const event of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'noSuchEvent', 'x'.repeat(5000)]) {
        expect(codes(await exchange(s, event, { messageId: 'm' })), event.slice(0, 50)).toEqual(['UNKNOWN_EVENT']);
      }
      for (const value of junkValues(mulberry32(33), 60)) {
        const plain = isPlain(value);
        const badAck = plain && value.sendAck === true && typeof value.messageId !== 'string';
        const label = JSON.stringify(value)?.slice(0, 200);
        expect(codes(await exchange(s, 'findById', value)), label).toEqual([!plain || badAck ? 'BAD_REQUEST' : 'UNAUTHENTICATED']);
      }
      // A userId smuggled through __proto__ or the payload does not log anyone in.
      expect(codes(await exchange(s, 'findById', JSON.parse('{"__proto__":{"userId":"admin","token":"t"},"userId":"admin"}')))).toEqual(['UNAUTHENTICATED']);
    });

    it('an unauthenticated event with __proto__/constructor keys is forwarded with the session clientId stamped', async () => {
      const { s, key } = await startedWithKey();
      const clientId = publicPart(key).clientId;
      s.emit('testCall', JSON.parse('{"messageId":"tc-proto","__proto__":{"clientId":"someone-else","polluted":true},"constructor":{"prototype":{"polluted":true}},"clientId":"someone-else"}'));
      const reply = await s.next('push', (m) => m?.correspondingMessageId === 'tc-proto');
      const echoed = (reply.data as { result: Record<string, unknown> }).result;
      expect(echoed.clientId).toBe(clientId);
    });
  });

  describe('sizes and nesting', () => {
    it('deep nesting gets an answer (BAD_REQUEST or UNAUTHENTICATED), the process stays up', async () => {
      const s = await started();
      for (const depth of [100, 1000, 3000]) {
        expect(codes(await exchange(s, 'findById', deepNest(depth, 'object'))), `object depth ${depth}`).toEqual(['UNAUTHENTICATED']);
        expect(codes(await exchange(s, 'findById', deepNest(depth, 'array'))), `array depth ${depth}`).toEqual(['BAD_REQUEST']);
        expect(codes(await exchange(s, 'message', deepNest(depth, 'array'))), `message depth ${depth}`).toEqual(['BAD_REQUEST']);
        expect(codes(await exchange(s, 'message', { ack: deepNest(depth, 'object') })), `ack depth ${depth}`).toEqual(['BAD_REQUEST']);
      }
    });

    it('a payload over frontend.maxPayloadBytes gets PAYLOAD_TOO_LARGE with its event and messageId; one under it goes through', async () => {
      const s = await started();
      const huge = 'x'.repeat(LIMIT + 10);
      // One at a time: see the next test for two packets in one read.
      s.emit('testCall', { messageId: 'big', blob: huge });
      expect((await s.next('gatewayError')).data).toEqual(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', event: 'testCall', messageId: 'big' }));
      s.emit('message', { ack: { correspondingMessageId: huge } });
      expect((await s.next('gatewayError')).data).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      s.emit('message', { reconnect: { reconnectId: huge } });
      expect((await s.next('gatewayError')).data).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      expect(s.all('push')).toEqual([]);
      s.emit('testCall', { messageId: 'fits', blob: 'y'.repeat(LIMIT / 2) });
      const ok = await s.next('push', (m) => m?.correspondingMessageId === 'fits', 10_000);
      expect((ok.data as { result: { blob: string } }).result.blob).toHaveLength(LIMIT / 2);
    });

    it('the size limit holds for a big payload sent right before a small one (same read)', async () => {
      const s = await started();
      s.emit('testCall', { messageId: 'big-first', blob: 'x'.repeat(LIMIT + 10) });
      s.emit('testCall', { messageId: 'small-second' });
      await s.next('push', (m) => m?.correspondingMessageId === 'small-second', 10_000);
      const errors = s.all('gatewayError') as Array<{ code: string; messageId?: string }>;
      expect(s.all('push').map((m) => (m as { correspondingMessageId: string }).correspondingMessageId), 'the oversized payload reached the agent').not.toContain('big-first');
      expect(errors).toContainEqual(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', messageId: 'big-first' }));
    });

    it('a packet beyond the transport limit closes only that socket', async () => {
      const s = await started();
      s.emit('testCall', { messageId: 'monster', blob: 'z'.repeat(5 * 1024 * 1024) });
      await s.next('disconnect', () => true, 10_000);
      const other = await started();
      expect(codes(await exchange(other, 'noSuchEvent', {}))).toEqual(['UNKNOWN_EVENT']);
    });
  });

  describe('flooding', () => {
    let limited: EmbeddedGateway;
    afterAll(async () => {
      await limited?.close();
    });

    it('a client flooding events gets RATE_LIMITED, then is disconnected; others are unaffected', async () => {
      limited = await startEmbeddedGateway({ rateLimit: { burst: 10, perSecond: 5, disconnectAfter: 15 } });
      const calm = await TestSocket.open(limited.url, transport);
      await calm.start();
      const flood = await TestSocket.open(limited.url, transport);
      open.push(calm, flood);
      await flood.start();
      for (let i = 0; i < 200; i++) flood.emit('testCall', { messageId: `f${i}` });
      await flood.next('disconnect', () => true, 10_000);
      const errors = flood.all('gatewayError') as Array<{ code: string; event?: string; messageId?: string }>;
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors.every((e) => e.code === 'RATE_LIMITED' && e.event === 'testCall')).toBe(true);
      expect(errors.length).toBeLessThanOrEqual(16);
      // Acks are never rate limited, and a calm client keeps its round trips.
      calm.emit('testCall', { messageId: 'calm-1' });
      await calm.next('push', (m) => m?.correspondingMessageId === 'calm-1');
      expect(calm.all('gatewayError')).toEqual([]);
      expect(calm.all('disconnect')).toEqual([]);
    });
  });
});
