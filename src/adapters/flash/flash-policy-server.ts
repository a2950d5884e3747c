import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../application/ports.js';

/** The permissive policy the original gateway served to Flash socket clients. */
export const FLASH_POLICY =
  '<?xml version="1.0"?><!DOCTYPE cross-domain-policy SYSTEM "/xml/dtds/cross-domain-policy.dtd">' +
  '<cross-domain-policy><site-control permitted-cross-domain-policies="master-only"/>' +
  '<allow-access-from domain="*" to-ports="*"/></cross-domain-policy>\0';

const REQUEST = '<policy-file-request/>';
const IDLE_MS = 5_000;

export interface FlashPolicyServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Answers `<policy-file-request/>\0` with the policy, then closes; anything else is dropped. */
export async function startFlashPolicyServer(port: number, host: string, logger: Logger): Promise<FlashPolicyServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.on('error', (err) => logger.debug({ err }, 'flash policy socket error'));
    socket.on('close', () => sockets.delete(socket));
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.startsWith(REQUEST)) {
        socket.end(FLASH_POLICY);
      } else if (received.length >= REQUEST.length || !REQUEST.startsWith(received)) {
        socket.destroy();
      }
    });
  });
  server.on('error', (err) => logger.error({ err }, 'flash policy server error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  logger.info({ port: bound }, 'flash policy server listening');
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
