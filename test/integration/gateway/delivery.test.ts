import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../support/embedded-gateway.js';
import { publicPart, sleep, TestSocket, until, TRANSPORTS } from '../../support/test-socket.js';

describe.each(TRANSPORTS)('over %s', (transport) => {
  let gw: EmbeddedGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  function push(g: EmbeddedGateway, queue: string, msg: Record<string, unknown>): Promise<void> {
    return g.bus.publish(queue, Buffer.from(JSON.stringify(msg)), { replyTo: 'test-agent' });
  }

  describe('agent replies to the client (PROTOCOL §3.3)', () => {
    it('re-sends a push until the client acks it, then acks it on the broker', async () => {
      gw = await startEmbeddedGateway({ resendIntervalMs: 100 });
      const s = await TestSocket.open(gw.url, transport);
      const clientId = publicPart(await s.start()).clientId;
      await push(gw, clientId, { cn: 'x.y.Note', correspondingMessageId: 'n1', text: 'hello' });
      const first = await s.next('push');
      expect(first.data).toEqual({ cn: 'x.y.Note', correspondingMessageId: 'n1', text: 'hello' });
      const again = await s.next('push', (m) => m.correspondingMessageId === 'n1');
      expect(again.data).toEqual(first.data);
      expect(gw.bus.unackedCount(clientId)).toBe(1);
      s.emit('message', { ack: { correspondingMessageId: 'n1' } });
      await until(() => gw!.bus.unackedCount(clientId) === 0, 'the ack settled the delivery');
      expect(gw.bus.queueDepth(clientId)).toBe(0);
      // no more re-sends after the ack
      const count = s.received.filter((r) => r.event === 'push').length;
      await sleep(300);
      expect(s.received.filter((r) => r.event === 'push').length).toBe(count);
      s.close();
    });

    it('acks a push without correspondingMessageId as soon as it is emitted', async () => {
      gw = await startEmbeddedGateway({ resendIntervalMs: 100 });
      const s = await TestSocket.open(gw.url, transport);
      const clientId = publicPart(await s.start()).clientId;
      await push(gw, clientId, { cn: 'x.Broadcast', n: 1 });
      await s.next('push');
      await until(() => gw!.bus.unackedCount(clientId) === 0, 'the push was acked on the broker');
      s.close();
    });

    it('rejects a body that is not a JSON object without requeue and keeps the client', async () => {
      gw = await startEmbeddedGateway();
      const s = await TestSocket.open(gw.url, transport);
      const clientId = publicPart(await s.start()).clientId;
      await gw.bus.publish(clientId, Buffer.from('not json'), { replyTo: 'x' });
      await gw.bus.publish(clientId, Buffer.from('[1,2]'), { replyTo: 'x' });
      await push(gw, clientId, { cn: 'a.Fine' });
      expect((await s.next('push')).data).toEqual({ cn: 'a.Fine' });
      expect(gw.bus.queueDepth(clientId)).toBe(0);
      expect(gw.bus.unackedCount(clientId)).toBe(0);
      s.close();
    });

    it('a client that never acks is disconnected after maxResends and its message returns to the queue', async () => {
      gw = await startEmbeddedGateway({ resendIntervalMs: 50, maxResends: 2 });
      const s = await TestSocket.open(gw.url, transport);
      const clientId = publicPart(await s.start()).clientId;
      await push(gw, clientId, { cn: 'x.Important', correspondingMessageId: 'imp' });
      await s.next('disconnect', () => true, 5000);
      expect(s.received.filter((r) => r.event === 'push').length).toBe(3); // first emit + 2 re-sends
      await until(() => gw!.bus.queueDepth(clientId) === 1, 'the message is back in its queue');
      expect(gw.bus.unackedCount(clientId)).toBe(0);
    });

    it('ack with an unknown id is only a warning; a malformed ack is BAD_REQUEST', async () => {
      gw = await startEmbeddedGateway();
      const s = await TestSocket.open(gw.url, transport);
      await s.start();
      s.emit('message', { ack: { correspondingMessageId: 'never-sent' } });
      s.emit('message', { ack: { correspondingMessageId: 5 } });
      expect((await s.next('gatewayError')).data).toMatchObject({ code: 'BAD_REQUEST' });
      expect(s.all('gatewayError')).toEqual([]);
      s.close();
    });
  });
});
