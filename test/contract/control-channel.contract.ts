import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlChannel, ControlReply } from '../../src/application/ports.js';

/** Channels made by `create` all talk on the same bus, as instances do. */
export interface ControlChannelFixture {
  create(): Promise<ControlChannel>;
  dispose(): Promise<void>;
}

function inbox<T>(): { items: T[]; push: (item: T) => void; waitFor: (n: number) => Promise<T[]> } {
  const items: T[] = [];
  let wake: (() => void) | undefined;
  return {
    items,
    push: (item) => {
      items.push(item);
      wake?.();
    },
    waitFor: async (n) => {
      while (items.length < n) await new Promise<void>((resolve) => (wake = resolve));
      return items.slice(0, n);
    },
  };
}

export function controlChannelContract(name: string, factory: () => Promise<ControlChannelFixture>): void {
  describe(`ControlChannel contract: ${name}`, () => {
    let fx: ControlChannelFixture;

    beforeEach(async () => {
      fx = await factory();
    });

    afterEach(async () => {
      await fx.dispose();
    });

    it('fans a command out to every subscribed instance, the sender included', async () => {
      const [a, b, console] = [await fx.create(), await fx.create(), await fx.create()];
      const atA = inbox<string>();
      const atB = inbox<string>();
      const atConsole = inbox<string>();
      await a.onCommand(atA.push);
      await b.onCommand(atB.push);
      await console.onCommand(atConsole.push);
      await console.sendCommand('clientcount');
      await console.sendCommand('loglevel debug');
      expect(await atA.waitFor(2)).toEqual(['clientcount', 'loglevel debug']);
      expect(await atB.waitFor(2)).toEqual(['clientcount', 'loglevel debug']);
      expect(await atConsole.waitFor(2)).toEqual(['clientcount', 'loglevel debug']);
    });

    it('carries replies intact to whoever listens for them', async () => {
      const [instance, console] = [await fx.create(), await fx.create()];
      const replies = inbox<ControlReply>();
      await console.onReply(replies.push);
      const reply: ControlReply = { instance: 'host-1', pid: 4242, command: 'clientcount', ok: true, clients: 7 };
      const failed: ControlReply = { instance: 'host-1', pid: 4242, command: 'bogus', ok: false, error: 'unknown' };
      await instance.sendReply(reply);
      await instance.sendReply(failed);
      expect(await replies.waitFor(2)).toEqual([reply, failed]);
    });

    it('keeps commands and replies apart', async () => {
      const channel = await fx.create();
      const commands = inbox<string>();
      const replies = inbox<ControlReply>();
      await channel.onCommand(commands.push);
      await channel.onReply(replies.push);
      await channel.sendReply({ instance: 'i', pid: 1, command: 'restart', ok: true });
      await channel.sendCommand('shutdown');
      await commands.waitFor(1);
      await replies.waitFor(1);
      expect(commands.items).toEqual(['shutdown']);
      expect(replies.items.map((r) => r.command)).toEqual(['restart']);
    });

    it('stops delivering to a closed channel and refuses to send on it', async () => {
      const [closing, staying, sender] = [await fx.create(), await fx.create(), await fx.create()];
      const atClosing = inbox<string>();
      const atStaying = inbox<string>();
      await closing.onCommand(atClosing.push);
      await staying.onCommand(atStaying.push);
      await closing.close();
      await closing.close(); // idempotent
      await sender.sendCommand('clientcount');
      await atStaying.waitFor(1);
      await sender.sendCommand('marker');
      await atStaying.waitFor(2);
      expect(atClosing.items).toEqual([]);
      await expect(closing.sendCommand('x')).rejects.toThrow(/closed/);
    });
  });
}
