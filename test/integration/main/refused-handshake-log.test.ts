import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/index.js';
import { startWorker, type RunningWorker } from '../../../src/main/worker.js';
import { MemoryLogger } from '../../support/fakes.js';

/**
 * A request Engine.IO refuses (here: long-polling on a gateway configured
 * for WebSocket only) is answered 400 and, so the operator can see why a
 * client never connects, logged at debug with Engine.IO's reason.
 */
let worker: RunningWorker | undefined;

afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

async function embedded(argv: Record<string, unknown>): Promise<{ url: string; logger: MemoryLogger }> {
  const { config } = loadConfig({ env: {}, argv: { 'frontend.embedded': true, 'frontend.port': 0, 'frontend.host': '127.0.0.1', ...argv } });
  const logger = new MemoryLogger();
  worker = await startWorker(config, { logger });
  return { url: `http://127.0.0.1:${worker.port}`, logger };
}

const refusals = (logger: MemoryLogger): Array<{ level: string; obj: unknown }> =>
  logger.lines.filter((l) => l.msg === 'Socket.IO connection refused');

describe('refused Socket.IO handshakes are logged at debug with their reason', () => {
  it('a transport turned off: "Transport unknown"', async () => {
    const { url, logger } = await embedded({ 'gateway.socketio.transports': 'websocket' });
    const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(400);
    const [line] = refusals(logger);
    expect(line).toMatchObject({ level: 'debug', obj: { code: 0, reason: 'Transport unknown', transport: 'polling' } });
  });

  it('an unknown session id: "Session ID unknown", without the id', async () => {
    const { url, logger } = await embedded({});
    const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA`);
    expect(res.status).toBe(400);
    const [line] = refusals(logger);
    expect(line).toMatchObject({ level: 'debug', obj: { code: 1, reason: 'Session ID unknown' } });
    expect(JSON.stringify(line)).not.toContain('AAAAAAAAAAAAAAAAAAAA');
  });

  it('the default configuration accepts long-polling: plain io(url) is not refused', async () => {
    const { url, logger } = await embedded({});
    const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^0\{"sid":/);
    expect(refusals(logger)).toEqual([]);
  });
});
