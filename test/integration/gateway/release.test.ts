import { describe, expect, it } from 'vitest';
import { startEmbeddedGateway } from '../../support/embedded-gateway.js';
import { publicPart, sleep, TestSocket, TRANSPORTS } from '../../support/test-socket.js';

describe.each(TRANSPORTS)('over %s', (transport) => {
  describe('no timer or consumer outlives its client', () => {
    it('1,000 clients with unacked pushes disconnect and leave nothing behind', async () => {
      const gw = await startEmbeddedGateway({ resendIntervalMs: 200 });
      const agentConsumers = gw.bus.consumerCount();
      const sockets: TestSocket[] = [];
      const ids: string[] = [];
      try {
        for (let batch = 0; batch < 10; batch++) {
          const opened = await Promise.all(Array.from({ length: 100 }, () => TestSocket.open(gw.url, transport)));
          const keys = await Promise.all(opened.map((s) => s.start()));
          sockets.push(...opened);
          ids.push(...keys.map((k) => publicPart(k).clientId));
        }
        await Promise.all(
          ids.map((id) => gw.bus.publish(id, Buffer.from(JSON.stringify({ cn: 'x.Held', correspondingMessageId: `m-${id}` })), { replyTo: 't' })),
        );
        await Promise.all(sockets.map((s) => s.next('push')));
        expect(gw.gateway.clientCount).toBe(1000);
        expect(gw.clock.liveTimers()).toBe(1000);
        for (const s of sockets) s.close();
        for (let i = 0; i < 100 && gw.gateway.clientCount > 0; i++) await sleep(50);
        expect(gw.gateway.clientCount).toBe(0);
        expect(gw.clock.liveTimers()).toBe(0);
        expect(gw.bus.consumerCount()).toBe(agentConsumers);
        for (const id of ids) {
          expect(gw.bus.unackedCount(id)).toBe(0);
          expect(gw.bus.queueDepth(id)).toBe(1);
        }
      } finally {
        for (const s of sockets) s.close();
        await gw.close();
      }
    }, 60_000);
  });
});
