/** The RabbitMQ message bus: `activestack-gateway/amqp`. */
export { AmqpMessageBus } from './amqp-message-bus.js';
export { amqpUrl, redact as redactAmqpUrl, type AmqpEndpoint, type AmqpMessageBusOptions } from './amqp-options.js';
