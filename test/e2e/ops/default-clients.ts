import { io, type Socket, type ManagerOptions, type SocketOptions } from 'socket.io-client';

/**
 * What a newcomer's client does: `io(url)` with socket.io-client's defaults
 * (HTTP long-polling first, then the upgrade to WebSocket), then connect,
 * log in as the test agent's demo user and make one request, acking pushes
 * as the protocol asks. Resolves with what the test checks.
 */
export interface DefaultClientRun {
  readonly socket: Socket;
  readonly firstTransport: string;
  readonly clientId: string;
  readonly reply: Record<string, unknown>;
}

const TIMEOUT_MS = 60_000;

function once<T>(socket: Socket, event: string, match: (data: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`no "${event}" within ${TIMEOUT_MS} ms (transport ${socket.io.engine?.transport?.name})`));
    }, TIMEOUT_MS);
    const on = (data: T): void => {
      if (!match(data)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(data);
    };
    socket.on(event, on);
  });
}

export async function runDefaultClient(url: string, n: number, opts: Partial<ManagerOptions & SocketOptions> = {}): Promise<DefaultClientRun> {
  const socket = io(url, { forceNew: true, reconnection: false, ...opts });
  // The transport the Engine.IO session opened with (by "connect" it may have upgraded already).
  let firstTransport = '';
  socket.io.once('open', () => { firstTransport = socket.io.engine.transport.name; });
  socket.on('push', (push: { correspondingMessageId?: string }) => {
    if (push.correspondingMessageId) socket.emit('message', { ack: { correspondingMessageId: push.correspondingMessageId } });
  });
  const failed = new Promise<never>((_, reject) => {
    socket.on('connect_error', (err) => reject(new Error(`client ${n}: connect_error ${err.message}`)));
    socket.on('gatewayError', (err: unknown) => reject(new Error(`client ${n}: gatewayError ${JSON.stringify(err)}`)));
    socket.on('disconnect', (reason) => reject(new Error(`client ${n}: disconnected (${reason})`)));
  });
  failed.catch(() => undefined);
  const steps = async (): Promise<DefaultClientRun> => {
    await once(socket, 'connect');
    const ack = once<string>(socket, 'gatewayConnectAck');
    socket.emit('message', { connect: {} });
    const key = await ack;
    const clientId = (JSON.parse(Buffer.from(key.split(';')[0]!, 'base64').toString('utf8')) as { clientId: string }).clientId;

    const loggedIn = once<string>(socket, 'gatewayConnectAck', (k) => k.split(';')[0] !== key.split(';')[0]);
    const connectResponse = once<{ cn?: string }>(socket, 'push', (p) => String(p.cn).endsWith('.ConnectResponse'));
    socket.emit('authenticateUserAccount', { messageId: `login-${n}`, credential: { username: 'demo', password: 'demo' } });
    await Promise.all([loggedIn, connectResponse]);

    const reply = once<Record<string, unknown>>(socket, 'push', (p) => p.correspondingMessageId === `find-${n}`);
    socket.emit('findById', { messageId: `find-${n}`, theClassName: 'Person', theClassId: String(n) });
    return { socket, firstTransport, clientId, reply: await reply };
  };
  try {
    return await Promise.race([steps(), failed]);
  } catch (err) {
    socket.close();
    throw err;
  }
}

/** Resolves once the socket runs over WebSocket (it may already). */
export function upgraded(socket: Socket): Promise<void> {
  if (socket.io.engine.transport.name === 'websocket') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no upgrade to websocket')), TIMEOUT_MS);
    socket.io.engine.once('upgrade', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
