/**
 * Sizes of the fault runs. `FAULTS_SCALE=quick` (the default, CI) keeps
 * `npm run test:faults` to a few minutes on a shared 2-core machine;
 * `FAULTS_SCALE=full` is the figures (1,000 clients × 120 messages,
 * cuts every ~15 s; 2,000 clients for the rolling restart). Single figures
 * can be overridden: FAULTS_CLIENTS, FAULTS_MESSAGES, FAULTS_RESTART_CLIENTS.
 */
export interface FaultScale {
  readonly name: 'quick' | 'full';
  /** Clients of the jitter, worker-kill and broker-cut runs. */
  readonly clients: number;
  /** Messages needing an ack the agent pushes to each client. */
  readonly messages: number;
  readonly perSecond: number;
  /** Mean time between two cuts of one client's connection, and its ± jitter. */
  readonly cutEveryMs: number;
  readonly cutJitterMs: number;
  /** How long a cut connection stays down (the SDK's first retry delay is drawn around it). */
  readonly downMs: number;
  /** Clients connected during the rolling restart. */
  readonly restartClients: number;
  /** Soak: clients and duration. */
  readonly soakClients: number;
  readonly soakMs: number;
}

const QUICK: FaultScale = {
  name: 'quick',
  clients: 100,
  messages: 30,
  perSecond: 2,
  cutEveryMs: 5_000,
  cutJitterMs: 1_500,
  downMs: 2_000,
  restartClients: 200,
  soakClients: 2_000,
  soakMs: 10 * 60_000,
};

const FULL: FaultScale = {
  ...QUICK,
  name: 'full',
  clients: 1_000,
  messages: 120,
  cutEveryMs: 15_000,
  cutJitterMs: 4_000,
  restartClients: 2_000,
};

function positiveInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

export function faultScale(env: NodeJS.ProcessEnv = process.env): FaultScale {
  const name = env.FAULTS_SCALE ?? 'quick';
  if (name !== 'quick' && name !== 'full') throw new Error(`FAULTS_SCALE must be quick or full, got "${name}"`);
  const base = name === 'full' ? FULL : QUICK;
  return {
    ...base,
    clients: positiveInt('FAULTS_CLIENTS') ?? base.clients,
    messages: positiveInt('FAULTS_MESSAGES') ?? base.messages,
    restartClients: positiveInt('FAULTS_RESTART_CLIENTS') ?? base.restartClients,
    soakClients: positiveInt('FAULTS_SOAK_CLIENTS') ?? base.soakClients,
    soakMs: positiveInt('FAULTS_SOAK_MS') ?? base.soakMs,
  };
}
