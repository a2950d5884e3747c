import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publicPart, TestSocket } from '../../support/test-socket.js';
import { ServerProcess } from './ops-process.js';

/**
 * A user of the original gateway arrives at the new one with the reconnect
 * key the original gave them: the real CLI (embedded mode, so no broker is
 * needed: the demo agent answers), configured from a properties file.
 */
const SECRET = 'shared-with-the-original-gateway-0123456789';
const LEGACY_CLIENT_ID = '0123456789abcdef0123456789abcdef';

/** A key as the original issued it: base64(JSON) ";" base64(HMAC-SHA512(secret, base64(JSON))). */
function originalKey(fields: Record<string, unknown>): string {
  const encoded = Buffer.from(JSON.stringify({ savedAt: Date.now() - 3600_000, ...fields })).toString('base64');
  return `${encoded};${createHmac('sha512', SECRET).update(encoded).digest('base64')}`;
}

const dir = mkdtempSync(join(tmpdir(), 'asgw-legacy-'));
const servers: ServerProcess[] = [];
const sockets: TestSocket[] = [];

async function gateway(acceptUntil: string): Promise<string> {
  const file = join(dir, `gateway-${servers.length}.properties`);
  writeFileSync(
    file,
    [
      'frontend.embedded=true',
      'frontend.port=0',
      'frontend.host=127.0.0.1',
      `frontend.session_secret=${SECRET}`,
      `frontend.legacyKeys.acceptUntil=${acceptUntil} # the migration window`,
    ].join('\n'),
  );
  const server = new ServerProcess([file]);
  servers.push(server);
  return `http://127.0.0.1:${await server.listening(1)}`;
}

async function socket(url: string): Promise<TestSocket> {
  const s = await TestSocket.open(url);
  sockets.push(s);
  return s;
}

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all(servers.map((s) => s.stop()));
}, 40_000);

describe('reconnect keys of the original gateway through the CLI', () => {
  const key = originalKey({ clientId: LEGACY_CLIENT_ID, userId: 42, token: 'legacy-token', deviceId: 'phone-1' });

  it('within the window: resumed logged in, a key of ours sent at once, requests carry the user', async () => {
    const url = await gateway(new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const s = await socket(url);
    s.emit('message', { reconnect: { reconnectId: key } });
    const ack = (await s.next('gatewayConnectAck')).data as string;
    expect(ack).toMatch(/;v1\./);
    const pub = publicPart(ack);
    expect(pub.userId).toBe('42');
    expect(pub.deviceId).toBe('phone-1');
    expect(pub.clientId).not.toBe(LEGACY_CLIENT_ID);

    // The demo agent's ReconnectResponse, and a findById answered for user 42.
    await s.next('push', (p: { cn?: string }) => String(p.cn).endsWith('ReconnectResponse'));
    s.emit('findById', { messageId: 'f1', theClassName: 'Person', theClassId: '9' });
    const found = (await s.next('push', (p: { correspondingMessageId?: string }) => p.correspondingMessageId === 'f1')).data as {
      result: { owner: string };
    };
    expect(found.result.owner).toBe('42');
    expect(s.all('gatewayError')).toEqual([]);

    // The key of ours resumes on its own from now on.
    const again = await socket(url);
    again.emit('message', { reconnect: { reconnectId: ack } });
    expect(publicPart((await again.next('gatewayConnectAck')).data as string).userId).toBe('42');
    expect(again.all('gatewayError')).toEqual([]);

    // Logging out ends that login: the keys of ours and the legacy key it came from.
    again.emit('logout', {});
    await again.next('disconnect');
    for (const old of [ack, key]) {
      const late = await socket(url);
      late.emit('message', { reconnect: { reconnectId: old } });
      expect(((await late.next('gatewayError')).data as { code: string }).code).toBe('INVALID_RECONNECT_KEY');
    }
  }, 60_000);

  it('after the window: INVALID_RECONNECT_KEY and a fresh, logged-out session', async () => {
    const url = await gateway('2020-01-01');
    const s = await socket(url);
    s.emit('message', { reconnect: { reconnectId: key } });
    expect(((await s.next('gatewayError')).data as { code: string }).code).toBe('INVALID_RECONNECT_KEY');
    const ack = (await s.next('gatewayConnectAck')).data as string;
    expect(publicPart(ack).userId).toBeUndefined();
    s.emit('findById', { messageId: 'f2', theClassName: 'Person', theClassId: '9' });
    expect(((await s.next('gatewayError')).data as { code: string }).code).toBe('UNAUTHENTICATED');
  }, 60_000);
});
