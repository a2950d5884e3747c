/**
 * In-memory adapters and test doubles: `activestack-gateway/memory`. Real
 * code, not mocks: each passes the same contract suite as its RabbitMQ or
 * Redis counterpart. For tests, embedded gateways and one-process demos.
 */
export { InMemoryMessageBus, type InMemoryMessageBusOptions } from './in-memory-message-bus.js';
export { InMemorySessionStore, type InMemorySessionStoreOptions } from './in-memory-session-store.js';
export { InMemoryControlChannel, InMemoryControlHub } from './in-memory-control-channel.js';
export { MemorySocketChannel, type SentEvent } from './memory-socket-channel.js';
export { ManualClock } from '../clock/manual-clock.js';
export { SystemClock } from '../clock/system-clock.js';
export { DEMO_USER, DemoAgent, type QueueMover } from '../demo/demo-agent.js';
