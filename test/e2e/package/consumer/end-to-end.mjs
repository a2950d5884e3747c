// Runs in a temporary folder where the packed activestack-gateway was
// installed with npm: it may import only what the package exports. It plays
// an embedder with a transport of its own (LoopbackChannel below) and goes
// end to end. Each step prints `ok <step>`; the first failure throws
// (exit code 1) with what was expected and what came instead.
import assert from 'node:assert/strict';
import { createGateway, GATEWAY_ERROR_CODES, isResumable, SilentLogger } from 'activestack-gateway';
import { DemoAgent, DEMO_USER, InMemoryMessageBus, InMemorySessionStore, ManualClock, MemorySocketChannel } from 'activestack-gateway/memory';
import { Client, ReconnectKeyCodec } from 'activestack-gateway/domain';

const ok = (step) => console.log(`ok ${step}`);

// ------------------------------------------------------------ the entries

const entries = {
  'activestack-gateway': ['createGateway', 'Gateway', 'SilentLogger', 'NoMetrics', 'PromMetrics', 'PublishError', 'isResumable', 'startWorker', 'loadConfig'],
  'activestack-gateway/domain': ['Client', 'ReconnectKeyCodec', 'AgentRouter', 'InboundLimits', 'Session', 'isAwaited', 'LEGACY_KEY_OUTCOMES'],
  'activestack-gateway/memory': ['InMemoryMessageBus', 'InMemorySessionStore', 'InMemoryControlChannel', 'MemorySocketChannel', 'ManualClock', 'SystemClock', 'DemoAgent', 'DEMO_USER'],
  'activestack-gateway/amqp': ['AmqpMessageBus', 'amqpUrl', 'redactAmqpUrl'],
  'activestack-gateway/redis': ['RedisSessionStore', 'RedisControlChannel', 'createRedisClient', 'closeRedisClient'],
  'activestack-gateway/socketio': ['registerSocketIoTransport', 'SocketIoChannel', 'HandshakeGuard'],
  'activestack-gateway/websocket': ['registerWebSocketTransport', 'WebSocketChannel', 'CLOSE_RESUME', 'CLOSE_DO_NOT_RESUME', 'HandshakeGuard'],
  'activestack-gateway/client': ['createClient'],
};
for (const [entry, names] of Object.entries(entries)) {
  const module = await import(entry);
  const missing = names.filter((name) => module[name] === undefined);
  assert.deepEqual(missing, [], `${entry} lacks ${missing.join(', ')}`);
}
const { HandshakeGuard: socketIoGuard } = await import('activestack-gateway/socketio');
const { HandshakeGuard: webSocketGuard } = await import('activestack-gateway/websocket');
assert.equal(socketIoGuard, webSocketGuard, 'both transports take the same HandshakeGuard');
ok('every entry resolves with its exports');

for (const deep of ['activestack-gateway/dist/library/index.js', 'activestack-gateway/dist/application/gateway.js', 'activestack-gateway/src/domain/client.ts']) {
  await assert.rejects(import(deep), (err) => err.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED', `${deep} should not be importable`);
}
ok('deep imports fail with ERR_PACKAGE_PATH_NOT_EXPORTED');

// ------------------------------------------------ a transport of our own

/**
 * An in-process transport with a real wire format: every frame crosses as
 * a JSON text line, sizes are its UTF-8 bytes, delivery is asynchronous as
 * on a network. The client's end records what it receives.
 */
let channels = 0;
class LoopbackChannel {
  id = `loopback-${++channels}`;
  transport = 'loopback';
  received = [];
  closedWith = undefined;
  #closed = false;
  #onMessage = () => {};
  #onClose = () => {};

  // The gateway's side (SocketChannel).
  send(event, data) {
    if (this.#closed) return;
    const line = JSON.stringify({ event, data });
    setImmediate(() => this.received.push(JSON.parse(line)));
  }
  close(reason, resumable) {
    if (this.#closed) return;
    this.#closed = true;
    this.closedWith = { reason, resumable };
    setImmediate(() => this.#onClose(`server close ${reason}`));
  }
  onMessage(handler) {
    this.#onMessage = handler;
  }
  onClose(handler) {
    this.#onClose = handler;
  }

  // The client's side.
  sendLine(line) {
    assert.equal(this.#closed, false, 'client writes to a closed socket');
    let frame;
    try {
      frame = JSON.parse(line);
    } catch {
      frame = undefined;
    }
    const event = typeof frame?.event === 'string' ? frame.event : undefined;
    this.#onMessage({ event, payload: event === undefined ? undefined : frame.data, bytes: Buffer.byteLength(line, 'utf8'), binary: false });
  }
  emit(event, data) {
    this.sendLine(JSON.stringify({ event, data }));
  }
  hangUp() {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose('client hung up');
  }
  /** The next received frame named `event` matching `match`, taken off the list. */
  async next(event, match = () => true) {
    const deadline = Date.now() + 5000;
    for (;;) {
      const i = this.received.findIndex((f) => f.event === event && match(f.data));
      if (i >= 0) return this.received.splice(i, 1)[0].data;
      if (Date.now() > deadline) throw new Error(`no ${event} within 5 s; received ${JSON.stringify(this.received).slice(0, 2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** Lets the in-memory bus, the agent and the loopback deliver what is in flight. */
async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}
const publicPart = (key) => JSON.parse(Buffer.from(key.split(';')[0], 'base64').toString('utf8'));

// ------------------------------------------------------------- end to end

const SECRET = 'consumer-test-secret-0123456789abcdef';
const RESEND_MS = 1000;
const clock = new ManualClock();
const bus = new InMemoryMessageBus();
const store = new InMemorySessionStore();
assert.throws(() => createGateway({ bus, store, options: { secret: 'too short' } }), RangeError);
assert.throws(() => createGateway({ bus, store, options: {} }), /options\.secret/);
ok('createGateway refuses a secret shorter than 32 characters');

const agent = new DemoAgent(bus, new SilentLogger());
await agent.start();
const gateway = createGateway({ bus, store, clock, options: { secret: SECRET, resendIntervalMs: RESEND_MS, maxPayloadBytes: 1024 } });

const socket = new LoopbackChannel();
gateway.accept(socket);
assert.equal(gateway.clientCount, 1);
socket.emit('message', { connect: {} });
const firstKey = await socket.next('gatewayConnectAck');
const clientId = publicPart(firstKey).clientId;
assert.match(clientId, /^[0-9a-f]{32}$/);
assert.equal(bus.consumerCount(clientId), 1, 'the reply queue is consumed after connect');
ok('connect: session key, reply queue consumed');

socket.sendLine('this is not JSON');
assert.equal((await socket.next('gatewayError')).code, 'BAD_REQUEST');
// 400 characters, 1,200 bytes: over maxPayloadBytes only if sizes are bytes.
socket.emit('testCall', { text: '€'.repeat(400) });
assert.equal((await socket.next('gatewayError')).code, 'PAYLOAD_TOO_LARGE');
assert.ok(GATEWAY_ERROR_CODES.includes('PAYLOAD_TOO_LARGE'));
ok('bad input: BAD_REQUEST, and PAYLOAD_TOO_LARGE measured in bytes');

socket.emit('authenticateUserAccount', { messageId: 'login-1', credential: { username: DEMO_USER.username, password: DEMO_USER.password } });
const login = await socket.next('push', (m) => m.correspondingMessageId === 'login-1');
assert.equal(login.cn, 'com.percero.agents.auth.vo.AuthenticateUserAccountResponse');
assert.equal(login.result.user.ID, DEMO_USER.userId);
socket.emit('message', { ack: { correspondingMessageId: 'login-1' } });
const loggedInKey = await socket.next('gatewayConnectAck', (key) => publicPart(key).userId !== undefined);
assert.deepEqual({ clientId: publicPart(loggedInKey).clientId, userId: publicPart(loggedInKey).userId }, { clientId, userId: DEMO_USER.userId });
ok('login: AuthenticateUserAccountResponse pushed, logged-in key');

await socket.next('push', (m) => m.cn?.endsWith('.ConnectResponse'));
socket.emit('findById', { messageId: 'find-1', theClassName: 'Person', theClassId: '42' });
const found = await socket.next('push', (m) => m.correspondingMessageId === 'find-1');
assert.equal(found.cn, 'com.percero.agents.sync.vo.FindByIdResponse');
assert.deepEqual(found.result, { ID: '42', cn: 'Person', owner: DEMO_USER.userId });
assert.equal(agent.received.get('findById')?.at(-1)?.userId, DEMO_USER.userId, 'the gateway stamps the session identity');
await settle();
assert.equal(bus.unackedCount(clientId), 1, 'the push stays unacked on the broker until the client acks it');
ok('request: findById answered with a push, held on the broker');

clock.advance(RESEND_MS);
await socket.next('push', (m) => m.correspondingMessageId === 'find-1');
ok('push re-sent after the resend interval (clock given to createGateway)');

socket.emit('message', { ack: { correspondingMessageId: 'find-1' } });
await settle();
assert.equal(bus.unackedCount(clientId), 0, 'the ack settles the delivery on the broker');
clock.advance(5 * RESEND_MS);
await settle();
assert.equal(socket.received.filter((f) => f.event === 'push' && f.data.correspondingMessageId === 'find-1').length, 0, 'no re-send after the ack');
ok('ack: delivery settled, no more re-sends');

socket.emit('logout');
assert.deepEqual(await socket.next('gatewayDisconnect'), { reason: 'logout', resumable: false });
await settle();
assert.deepEqual(socket.closedWith, { reason: 'logout', resumable: false });
assert.equal(isResumable('logout'), false);
assert.ok(agent.received.has('disconnectAuth') && agent.received.has('disconnect'), 'DisconnectRequests sent to the agents');
assert.equal(gateway.clientCount, 0);
assert.equal(bus.consumerCount(clientId), 0, 'consumer cancelled');
ok('logout: gatewayDisconnect {logout, false}, channel closed, client gone');

const keys = new ReconnectKeyCodec({ secret: SECRET, maxAgeMs: 7 * 24 * 3600_000 });
const opened = keys.open(loggedInKey, clock.now());
assert.equal(opened.ok, true, `the domain's codec opens the gateway's key: ${JSON.stringify(opened)}`);
assert.equal(opened.state.userId, DEMO_USER.userId);
const again = new LoopbackChannel();
gateway.accept(again);
again.emit('message', { reconnect: { reconnectId: loggedInKey } });
assert.equal((await again.next('gatewayError')).code, 'INVALID_RECONNECT_KEY');
assert.equal(publicPart(await again.next('gatewayConnectAck')).userId, undefined);
again.hangUp();
await settle();
assert.equal(gateway.clientCount, 0);
ok('revoked: the logged-out login key no longer resumes');

const memory = new MemorySocketChannel();
gateway.accept(memory);
memory.clientSends('message', { connect: {} });
await memory.next('gatewayConnectAck');
gateway.disconnectAll('server-shutdown');
assert.deepEqual((await memory.next('gatewayDisconnect')).data, { reason: 'server-shutdown', resumable: true });
assert.deepEqual(memory.closedBy, { reason: 'server-shutdown', resumable: true });
ok('disconnectAll: MemorySocketChannel told to resume');

assert.equal(await gateway.close(1000), true);
await agent.stop();
await bus.close();
await store.close();
assert.equal(clock.liveTimers(), 0, 'no timer outlives the clients');
assert.equal(typeof Client, 'function');
ok('shutdown: no client, no timer left');
