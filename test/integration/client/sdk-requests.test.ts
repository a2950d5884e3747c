import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type ActiveStackClient, type PushMessage } from '../../../src/client/index.js';
import { FakeGateway } from './fake-gateway.js';
import { next } from './helpers.js';

const fast = { initialMs: 10, maxMs: 50 };
let fake: FakeGateway;
const clients: ActiveStackClient[] = [];

async function connected(options: Partial<Parameters<typeof createClient>[0]> = {}): Promise<ActiveStackClient> {
  const c = createClient({ url: fake.url, reconnect: fast, ...options });
  clients.push(c);
  await c.connect();
  return c;
}

/** The gateway handles a socket's events in order, so once `id` is acked every earlier ack has arrived too. */
const probes = new Set<unknown>();
async function ackedSoFar(c: ActiveStackClient): Promise<string[]> {
  const probe = await c.request('findById', { ID: 'probe' });
  probes.add(probe.correspondingMessageId);
  await vi.waitFor(() => expect(fake.acks).toContain(probe.correspondingMessageId));
  return fake.acks.filter((id) => !probes.has(id));
}

beforeEach(async () => {
  fake = await FakeGateway.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await fake.close();
});

describe('SDK requests (fake gateway)', () => {
  it('adds a unique messageId and resolves with the push that answers it', async () => {
    const c = await connected();
    const [a, b] = await Promise.all([c.request('findById', { ID: 'a' }), c.request('findById', { ID: 'b' })]);
    expect(a).toMatchObject({ cn: 'com.percero.agents.sync.vo.FindByIdResponse', result: { ID: 'a' } });
    expect(b).toMatchObject({ result: { ID: 'b' } });
    const sent = fake.eventsNamed('findById') as Array<{ messageId: string }>;
    expect(sent.map((p) => p.messageId)).toEqual([a.correspondingMessageId, b.correspondingMessageId]);
    expect(a.correspondingMessageId).not.toBe(b.correspondingMessageId);
  });

  it('acks every push that has a correspondingMessageId', async () => {
    const c = await connected();
    const reply = await c.request('findById', { ID: 'a' });
    await vi.waitFor(() => expect(fake.acks).toEqual([reply.correspondingMessageId]));
    expect(fake.eventsNamed('message')).toContainEqual({ ack: { correspondingMessageId: reply.correspondingMessageId } });
  });

  it('delivers pushes to handlers filtered by the last segment or the full cn', async () => {
    const c = await connected();
    const short: PushMessage[] = [];
    const full: PushMessage[] = [];
    const other: PushMessage[] = [];
    c.on('push', 'FindByIdResponse', (p) => short.push(p));
    c.on('push', 'com.percero.agents.sync.vo.FindByIdResponse', (p) => full.push(p));
    c.on('push', 'UpdateResponse', (p) => other.push(p));
    await c.request('findById', { ID: 'a' });
    expect(short).toHaveLength(1);
    expect(full).toHaveLength(1);
    expect(other).toHaveLength(0);
  });

  it('does not deliver a re-sent push twice, and acks the copy again', async () => {
    const c = await connected();
    const seen: PushMessage[] = [];
    c.on('push', (p) => seen.push(p));
    const push = { cn: 'x.ServerNotice', correspondingMessageId: 'srv-1', text: 'hi' };
    fake.pushAll(push);
    fake.pushAll(push);
    expect(await ackedSoFar(c)).toEqual(['srv-1', 'srv-1']);
    expect(seen.filter((p) => p.correspondingMessageId === 'srv-1')).toHaveLength(1);
  });

  it('passes pushes without correspondingMessageId through without acking them', async () => {
    const c = await connected();
    const seen: PushMessage[] = [];
    c.on('push', 'Notice', (p) => seen.push(p));
    fake.pushAll({ cn: 'x.Notice', n: 1 });
    fake.pushAll({ cn: 'x.Notice', n: 1 });
    expect(await ackedSoFar(c)).toEqual([]);
    expect(seen).toHaveLength(2);
  });

  it('a handler that holds the ack decides when it is sent; re-sends meanwhile are ignored', async () => {
    const c = await connected();
    let release: (() => void) | undefined;
    let calls = 0;
    c.on('push', 'Job', (_p, ctx) => {
      calls += 1;
      release = ctx.holdAck();
    });
    fake.pushAll({ cn: 'x.Job', correspondingMessageId: 'job-1' });
    expect(await ackedSoFar(c)).toEqual([]);
    fake.resendUnacked();
    expect(await ackedSoFar(c)).toEqual([]);
    expect(calls).toBe(1);
    release?.();
    release?.();
    expect(await ackedSoFar(c)).toEqual(['job-1']);
  });

  it('a push still unacked when the socket drops comes back once and is acked after release', async () => {
    const c = await connected();
    let release: (() => void) | undefined;
    let calls = 0;
    c.on('push', 'Job', (_p, ctx) => {
      calls += 1;
      release = ctx.holdAck();
    });
    fake.pushAll({ cn: 'x.Job', correspondingMessageId: 'job-2' });
    await ackedSoFar(c);
    const reconnected = next(c, 'reconnect');
    fake.dropAll();
    await reconnected;
    expect(calls).toBe(1);
    release?.();
    expect(await ackedSoFar(c)).toEqual(['job-2']);
  });

  it('queues requests made while disconnected and sends them after the session is restored', async () => {
    const c = await connected();
    fake.pause();
    const gone = next(c, 'disconnect');
    fake.dropAll();
    await gone;
    expect(c.connected).toBe(false);
    const reply = c.request('findById', { ID: 'queued' });
    await next(c, 'error'); // at least one refused reconnect attempt while the request waits
    fake.resume();
    expect(await reply).toMatchObject({ result: { ID: 'queued' } });
    const events = fake.received.map((r) => r.event);
    const reconnectAt = fake.received.findLastIndex(
      (r) => r.event === 'message' && 'reconnect' in (r.payload as object),
    );
    expect(events.indexOf('findById')).toBeGreaterThan(reconnectAt);
  });

  it('rejects with QUEUE_FULL once queueLimit requests wait, and close() rejects the queued ones', async () => {
    const c = await connected({ queueLimit: 2 });
    fake.pause();
    const gone = next(c, 'disconnect');
    fake.dropAll();
    await gone;
    const first = c.request('findById', { ID: '1' });
    const second = c.request('findById', { ID: '2' });
    await expect(c.request('findById', { ID: '3' })).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    c.close();
    await expect(first).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(second).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('rejects with TIMEOUT when no reply comes, and the client stays usable', async () => {
    const c = await connected();
    const err = await c.request('silent', {}, { timeout: 30 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TIMEOUT', event: 'silent', name: 'ActiveStackError' });
    expect(await c.request('findById', { ID: 'after' })).toMatchObject({ result: { ID: 'after' } });
  });

  it('rejects with the gateway error that names its messageId', async () => {
    const c = await connected();
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e));
    const err = await c.request('failing', {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AGENT_UNAVAILABLE', event: 'failing', message: 'No agent.' });
    expect(errors).toEqual([]);
  });

  it('refuses bad input with BAD_REQUEST and stays usable', async () => {
    const c = await connected();
    await expect(c.request('', {})).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.request('message', {})).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.request('findById', [] as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await c.request('findById', { ID: 'ok' })).toMatchObject({ result: { ID: 'ok' } });
  });

  it('reports a throwing push handler as an error event and still acks', async () => {
    const c = await connected();
    c.on('push', () => {
      throw new Error('app bug');
    });
    const error = next(c, 'error');
    const reply = await c.request('findById', { ID: 'a' });
    expect((await error)[0]).toMatchObject({ code: 'HANDLER_FAILED' });
    expect(await ackedSoFar(c)).toContain(reply.correspondingMessageId);
  });
});
