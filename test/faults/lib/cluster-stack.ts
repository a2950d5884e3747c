import { freePort } from '../../support/free-port.js';
import { ServerProcess, runConsole, writeConfig } from '../../e2e/ops/ops-process.js';
import type { RealStack } from './real-stack.js';

export interface ClusterGateway {
  readonly server: ServerProcess;
  readonly file: string;
  readonly url: string;
  /** Pids of the workers that logged `gateway listening`, oldest first. */
  workerPids(): number[];
  console(script: string): Promise<string>;
  stop(): Promise<void>;
}

/** The real CLI (`server`) with a supervisor and `workers` workers on the stack's vhost. */
export async function startCluster(stack: RealStack, workers = 2, extra: Record<string, unknown> = {}): Promise<ClusterGateway> {
  // A fixed port, as in production: with port 0 the cluster hands replacement
  // workers a new random port once every old worker has closed.
  const { file } = writeConfig({
    'frontend.port': await freePort(),
    'cluster.workerCount': workers,
    'gateway.rabbitmq.vhost': stack.vhost,
    'frontend.logLevel': process.env.FAULTS_LOG_LEVEL ?? 'info',
    // The fleet is hundreds of users on one address (127.0.0.1): per-address limits off.
    'frontend.connections.perAddress': 0,
    'frontend.connections.perAddressPerSecond': 0,
    ...extra,
  });
  const server = new ServerProcess([file]);
  let port: number;
  try {
    port = await server.listening(workers);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    server,
    file,
    url: `http://127.0.0.1:${port}`,
    workerPids: () => [...new Set(server.logs.filter((r) => r.msg === 'gateway listening').map((r) => r.pid))],
    console: (script) => runConsole(file, script),
    stop: async () => {
      await server.stop();
    },
  };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export { freePort } from '../../support/free-port.js';
