export { runSingleProcess, type SingleProcess } from './single-process.js';
export { runSupervisor } from './run-supervisor.js';
export { runClusterWorker } from './worker-process.js';
export { Supervisor } from './supervisor.js';
export * from './policy.js';
