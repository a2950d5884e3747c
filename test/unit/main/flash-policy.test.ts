import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FLASH_POLICY, startFlashPolicyServer, type FlashPolicyServer } from '../../../src/adapters/flash/flash-policy-server.js';
import type { Logger } from '../../../src/application/ports.js';

const quiet: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
let server: FlashPolicyServer | undefined;
afterEach(async () => { await server?.close(); server = undefined; });

function exchange(port: number, send: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(send));
    let got = '';
    socket.on('data', (d) => { got += d.toString('latin1'); });
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

describe('flash policy server', () => {
  it('answers a policy file request with the permissive policy and closes', async () => {
    server = await startFlashPolicyServer(0, '127.0.0.1', quiet);
    const answer = await exchange(server.port, '<policy-file-request/>\0');
    expect(answer).toBe(FLASH_POLICY);
    expect(answer).toContain('<allow-access-from domain="*" to-ports="*"/>');
  });

  it('drops anything else without answering, and keeps serving', async () => {
    server = await startFlashPolicyServer(0, '127.0.0.1', quiet);
    expect(await exchange(server.port, 'GET / HTTP/1.1\r\n\r\n')).toBe('');
    expect(await exchange(server.port, '<policy-file-request/>\0')).toBe(FLASH_POLICY);
  });
});
