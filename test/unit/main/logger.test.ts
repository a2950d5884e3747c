import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/main/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, destination };
}
const cfg = (logLevel: 'info' | 'debug') => ({ frontend: { logLevel } }) as never;

describe('createLogger', () => {
  it('writes JSON lines at or above the configured level', () => {
    const { lines, destination } = capture();
    const log = createLogger(cfg('info'), { destination });
    log.debug('hidden');
    log.info({ a: 1 }, 'shown');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'shown', a: 1, level: 30 });
  });

  it('changes the level at run time, for existing children too', () => {
    const { lines, destination } = capture();
    const log = createLogger(cfg('info'), { destination });
    const child = log.child({ clientId: 'c1' });
    child.debug('before');
    log.setLevel('debug');
    child.debug('after');
    log.setLevel('error');
    child.warn('quiet');
    expect(lines.map((l) => l.msg)).toEqual(['after']);
    expect(lines[0]).toMatchObject({ clientId: 'c1' });
    expect(log.level()).toBe('error');
    expect(() => log.setLevel('loud')).toThrow(/unknown log level/);
  });

  it('redacts tokens, passwords, keys and the shutdown code, nested too', () => {
    const { lines, destination } = capture();
    const log = createLogger(cfg('info'), { destination });
    log.info({
      token: 'T1', payload: { token: 'T2', reconnectId: 'R', password: 'P' },
      config: { frontend: { session_secret: 'S', shutdownCode: 'C' } }, userId: 'u1',
    }, 'x');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['"T1"', '"T2"', '"R"', '"P"', '"S"', '"C"']) expect(text).not.toContain(secret);
    expect(text).toContain('u1');
  });
});
