import type { ActiveStackClient, ClientEvents } from '../../../src/client/index.js';

/** Resolves with the arguments of the next `event` the client emits. */
export function next<K extends keyof ClientEvents>(
  client: ActiveStackClient,
  event: K,
): Promise<Parameters<ClientEvents[K]>> {
  return new Promise((resolve) => {
    const off = client.on(event, ((...args: Parameters<ClientEvents[K]>) => {
      off();
      resolve(args);
    }) as never);
  });
}

/** Collects every `event` the client emits. */
export function record<K extends keyof ClientEvents>(
  client: ActiveStackClient,
  event: K,
): Array<Parameters<ClientEvents[K]>> {
  const seen: Array<Parameters<ClientEvents[K]>> = [];
  client.on(event, ((...args: Parameters<ClientEvents[K]>) => seen.push(args)) as never);
  return seen;
}
