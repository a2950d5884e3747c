import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { TOKENS, type ControlChannel, type Logger } from '../../application/ports.js';
import { DemoAgent } from '../../adapters/demo/demo-agent.js';
import { InMemoryControlChannel, InMemoryControlHub } from '../../adapters/memory/in-memory-control-channel.js';
import { InMemoryMessageBus } from '../../adapters/memory/in-memory-message-bus.js';
import { InMemorySessionStore } from '../../adapters/memory/in-memory-session-store.js';
import type { ConnectionHealth } from '../../application/stats/connection-health.js';
import { MAIN_TOKENS, type WorkerServices } from './tokens.js';

/** One hub per process: in embedded mode the control bus does not leave it. */
const embeddedHub = new InMemoryControlHub();

/** Embedded mode: in-memory broker, store and control bus, and the demo agent. Nothing else runs. */
export function registerEmbedded(c: DependencyContainer): void {
  c.register(TOKENS.MessageBus, { useFactory: instanceCachingFactory(() => new InMemoryMessageBus()) });
  c.register(TOKENS.SessionStore, { useFactory: instanceCachingFactory(() => new InMemorySessionStore()) });
  c.register(TOKENS.ControlChannel, { useFactory: instanceCachingFactory(() => new InMemoryControlChannel(embeddedHub)) });
  c.register(DemoAgent, {
    useFactory: instanceCachingFactory(
      (r) => new DemoAgent(r.resolve(TOKENS.MessageBus), r.resolve<Logger>(TOKENS.Logger).child({ component: 'demo-agent' })),
    ),
  });
  const since = Date.now();
  c.register(MAIN_TOKENS.Health, {
    useValue: (): ConnectionHealth[] => [
      { name: 'in-memory broker', state: 'connected', since },
      { name: 'in-memory store', state: 'connected', since },
    ],
  });
  c.register(MAIN_TOKENS.Services, {
    useFactory: instanceCachingFactory((r): WorkerServices => ({
      start: () => r.resolve(DemoAgent).start(),
      close: async () => {
        await r.resolve(DemoAgent).stop();
        await r.resolve<ControlChannel>(TOKENS.ControlChannel).close();
        await r.resolve<InMemorySessionStore>(TOKENS.SessionStore).close();
        await r.resolve<InMemoryMessageBus>(TOKENS.MessageBus).close();
      },
    })),
  });
}
