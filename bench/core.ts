import 'reflect-metadata';
import { Writable } from 'node:stream';
import type { CloseReason, Consumer, ConsumerHandlers, Delivery, InboundMessage, MessageBus, OutboundEvent, PublishOptions, SocketChannel } from '../src/application/ports.js';
import { InMemorySessionStore } from '../src/adapters/memory/in-memory-session-store.js';
import { PromMetrics } from '../src/adapters/metrics/prom-metrics.js';
import { createGateway } from '../src/library/create-gateway.js';
import { createLogger } from '../src/main/logger.js';

/**
 * The gateway core's own CPU per request, without sockets or a broker:
 * what the gateway adds to a relay, measured where machine load disturbs
 * it least (CPU time of this process only, best of several runs).
 *
 *   node --import tsx bench/core.ts [--requests 200000] [--clients 100] [--runs 5]
 *
 * The real Client, ClientRunner, PromMetrics and pino logger (level warn)
 * run; the socket and the bus are minimal stand-ins: the client's requests
 * are JSON.parse'd as a transport would hand them over, the bus confirms
 * each publish on the next microtask and replies with the agent's findById
 * answer as a Buffer, and the client acks every push, as in scenario b.
 */

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const REQUESTS = arg('requests', 200_000);
const CLIENTS = arg('clients', 100);
const RUNS = arg('runs', 5);

class StandInBus implements MessageBus {
  private readonly consumers = new Map<string, ConsumerHandlers>();
  publish(routingKey: string, body: Buffer, options: PublishOptions): Promise<void> {
    const to = this.consumers.get(options.replyTo);
    if (to) {
      const req = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      const reply = routingKey === 'authenticateUserAccount'
        ? { cn: 'com.percero.agents.auth.vo.AuthenticateUserAccountResponse', correspondingMessageId: req.messageId, result: { user: { ID: 'u1' }, token: 'a'.repeat(32), deviceId: 'test-device' } }
        : routingKey === 'findById'
          ? { cn: 'com.percero.agents.sync.vo.FindByIdResponse', correspondingMessageId: req.messageId, result: { ID: req.theClassId, cn: req.theClassName, owner: req.userId } }
          : undefined;
      if (reply) {
        const content = Buffer.from(JSON.stringify(reply));
        setImmediate(() => {
          let settled = false;
          const delivery: Delivery = { body: content, ack: () => { settled = true; }, nack: () => { settled = true; } };
          void settled;
          to.onDelivery(delivery);
        });
      }
    }
    return Promise.resolve();
  }
  async consume(queue: string, handlers: ConsumerHandlers): Promise<Consumer> {
    this.consumers.set(queue, handlers);
    return { cancel: async () => { this.consumers.delete(queue); } };
  }
  isConnected(): boolean { return true; }
  async close(): Promise<void> {}
}

let completed = 0;
let target = 0;
let finished: (() => void) | undefined;

class StandInSocket implements SocketChannel {
  readonly transport = 'core-bench';
  private handler: ((m: InboundMessage) => void) | undefined;
  private seq = 0;
  onKey: ((key: string) => void) | undefined;
  constructor(readonly id: string) {}
  send(event: OutboundEvent, data: unknown): void {
    if (event === 'gatewayConnectAck') {
      this.onKey?.(data as string);
      return;
    }
    if (event !== 'push') return;
    const id = (data as { correspondingMessageId?: string }).correspondingMessageId;
    if (id === undefined) return;
    // As a transport would: the ack arrives decoded from its own bytes.
    this.receive('message', `{"ack":{"correspondingMessageId":"${id}"}}`);
    if (id.startsWith('login')) return;
    completed++;
    if (completed >= target) finished?.();
    else this.request();
  }
  request(): void {
    this.receive('findById', `{"theClassName":"com.example.Thing","theClassId":"42","messageId":"${this.id}-${++this.seq}"}`);
  }
  receive(event: string, json: string): void {
    this.handler?.({ event, payload: JSON.parse(json), bytes: json.length + event.length + 6, binary: false });
  }
  close(_reason: CloseReason): void {}
  onMessage(handler: (m: InboundMessage) => void): void { this.handler = handler; }
  onClose(): void {}
}

const sink = new Writable({ write: (_c, _e, cb) => cb() });
const logger = createLogger({ frontend: { logLevel: 'warn' } } as never, { destination: sink as never });
const gateway = createGateway({
  bus: new StandInBus(),
  store: new InMemorySessionStore(),
  logger,
  metrics: new PromMetrics({ defaultMetrics: false }),
  options: { secret: 'core-bench-secret-0123456789abcdef0123456789', rateLimit: { burst: 1e9, perSecond: 1e9 } } as never,
});

const sockets: StandInSocket[] = [];
for (let i = 0; i < CLIENTS; i++) {
  const s = new StandInSocket(`c${i}`);
  sockets.push(s);
  gateway.accept(s);
  await new Promise<void>((resolve) => {
    s.onKey = () => resolve();
    s.receive('message', '{"connect":{}}');
  });
  s.onKey = undefined;
  s.receive('authenticateUserAccount', `{"credential":{"username":"demo","password":"demo"},"messageId":"login-${i}"}`);
}
await new Promise((r) => setTimeout(r, 50));

const results: number[] = [];
for (let run = 0; run <= RUNS; run++) {
  completed = 0;
  target = REQUESTS;
  const cpu0 = process.cpuUsage();
  await new Promise<void>((resolve) => {
    finished = resolve;
    for (const s of sockets) s.request();
  });
  const cpu = process.cpuUsage(cpu0);
  const usPerReq = (cpu.user + cpu.system) / completed;
  if (run > 0) results.push(usPerReq); // run 0 warms up the JIT
  // Let the in-flight remainder land before the next run.
  await new Promise((r) => setTimeout(r, 20));
}
results.sort((a, b) => a - b);
console.log(`core: ${CLIENTS} clients, ${REQUESTS} requests per run, ${RUNS} runs: CPU per request best ${results[0]!.toFixed(2)} µs, median ${results[Math.floor(results.length / 2)]!.toFixed(2)} µs (load ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`);
await gateway.close(1000);
process.exit(0);
