/** The RabbitMQ message bus: `activestack-gateway/amqp`. */
export { AmqpMessageBus } from './amqp-message-bus.js';
export { amqpUrl, redact, type AmqpEndpoint, type AmqpMessageBusOptions } from './amqp-options.js';
