import { connect, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';

interface Frame {
  readonly event: string;
  readonly data?: any;
}

/** As the example server's `resendIntervalMs`. */
const RESEND_INTERVAL_MS = 1_000;

/**
 * A client of the NDJSON transport, step by step: connect, log in as
 * demo/demo, request findById, receive the push (and its re-send, since it
 * was not acked yet), ack it, see that no re-send follows, log out. Prints
 * each step; throws (exit code 1) if one does not happen within 5 s.
 */
export async function runClient(port: number, log: (line: string) => void = console.log): Promise<{ clientId: string }> {
  const wire = await NdjsonClient.open(port);
  try {
    wire.send('message', { connect: {} });
    const key: string = (await wire.next('gatewayConnectAck')).data;
    const clientId = publicPart(key).clientId;
    log(`connected: clientId ${clientId}`);

    wire.send('authenticateUserAccount', { messageId: 'login-1', credential: { username: 'demo', password: 'demo' } });
    const login = await wire.next('push', (m) => m.correspondingMessageId === 'login-1');
    if (!login.data.result?.user) throw new Error(`login refused: ${JSON.stringify(login.data)}`);
    wire.send('message', { ack: { correspondingMessageId: 'login-1' } });
    const loggedIn: string = (await wire.next('gatewayConnectAck', (k: string) => publicPart(k).userId !== undefined)).data;
    log(`logged in: userId ${publicPart(loggedIn).userId}`);

    wire.send('findById', { messageId: 'find-1', theClassName: 'Person', theClassId: '42' });
    const push = await wire.next('push', (m) => m.correspondingMessageId === 'find-1');
    log(`push: ${push.data.cn.split('.').pop()} ${JSON.stringify(push.data.result)}`);
    await wire.next('push', (m) => m.correspondingMessageId === 'find-1');
    log('push re-sent: it stays on the broker until acked');
    wire.send('message', { ack: { correspondingMessageId: 'find-1' } });
    await wire.none('push', (m) => m.correspondingMessageId === 'find-1', 2 * RESEND_INTERVAL_MS);
    log('acked find-1: no more re-sends');

    wire.send('logout');
    const bye = await wire.next('gatewayDisconnect');
    log(`gatewayDisconnect: ${JSON.stringify(bye.data)}`);
    await wire.closed;
    log('socket closed by the gateway');
    return { clientId };
  } finally {
    wire.destroy();
  }
}

/** The public part of a reconnect key: base64 JSON before the `;` (PROTOCOL §4). */
function publicPart(key: string): { clientId: string; userId?: string } {
  return JSON.parse(Buffer.from(key.split(';')[0] ?? '', 'base64').toString('utf8'));
}

class NdjsonClient {
  private readonly received: Frame[] = [];
  private buffered = '';
  private wake: (() => void) | undefined;
  readonly closed: Promise<void>;
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (this.buffered + chunk).split('\n');
      this.buffered = lines.pop() ?? '';
      for (const line of lines) if (line !== '') this.received.push(JSON.parse(line) as Frame);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    // The transport's heartbeat: an empty line, never seen by the gateway core.
    this.heartbeat = setInterval(() => socket.write('\n'), 10_000);
    this.heartbeat.unref();
  }

  static open(port: number): Promise<NdjsonClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => {
        socket.off('error', reject);
        resolve(new NdjsonClient(socket));
      });
      socket.once('error', reject);
    });
  }

  send(event: string, data?: unknown): void {
    this.socket.write(`${JSON.stringify(data === undefined ? { event } : { event, data })}\n`);
  }

  /** The first frame named `event` (and matching `match`) not taken yet, waiting up to 5 s. */
  async next(event: string, match: (data: any) => boolean = () => true): Promise<Frame> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const i = this.received.findIndex((f) => f.event === event && match(f.data));
      if (i >= 0) return this.received.splice(i, 1)[0]!;
      if (event !== 'gatewayDisconnect') {
        const error = this.received.find((f) => f.event === 'gatewayError');
        if (error) throw new Error(`gatewayError while waiting for ${event}: ${JSON.stringify(error.data)}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${event} within 5 s; received ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Throws if a frame named `event` (matching `match`) arrives within ms. */
  async none(event: string, match: (data: any) => boolean, ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const found = this.received.find((f) => f.event === event && match(f.data));
    if (found) throw new Error(`unexpected ${event}: ${JSON.stringify(found.data)}`);
  }

  destroy(): void {
    clearInterval(this.heartbeat);
    this.socket.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runClient(Number(process.env.PORT ?? 7070));
}
