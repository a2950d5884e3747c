export { controlChannelFor, createContainer, type ContainerOptions } from './container.js';
export { MAIN_TOKENS, type HealthReport, type TransportMount, type WorkerServices } from './tokens.js';
