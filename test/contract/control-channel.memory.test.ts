import { InMemoryControlChannel, InMemoryControlHub } from '../../src/adapters/memory/in-memory-control-channel.js';
import type { ControlChannel } from '../../src/application/ports.js';
import { controlChannelContract } from './control-channel.contract.js';

controlChannelContract('InMemoryControlChannel', async () => {
  const hub = new InMemoryControlHub();
  const channels: ControlChannel[] = [];
  return {
    create: async () => {
      const channel = new InMemoryControlChannel(hub);
      channels.push(channel);
      return channel;
    },
    dispose: async () => {
      await Promise.all(channels.map((c) => c.close()));
    },
  };
});
