import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { startFlashPolicyServer } from '../adapters/flash/flash-policy-server.js';
import { runClusterWorker, runSingleProcess, runSupervisor } from './cluster/index.js';
import { controlChannelFor } from './container/index.js';
import {
  assertProductionSafe, ConfigError, httpsOptions, loadConfig, withTypoHint, type GatewayConfig, type LoadedConfig,
} from './config/index.js';
import { runConsole } from './console.js';
import { createLogger } from './logger.js';

interface Flags {
  set?: Record<string, string>;
  embedded?: boolean;
  port?: number;
  workers?: number;
}

const version = (): string =>
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function collectSet(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError('expected key=value, e.g. --set frontend.port=9000');
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

const whole = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
};

function overrides(flags: Flags): Record<string, unknown> {
  const argv: Record<string, unknown> = { ...flags.set };
  if (flags.embedded) argv['frontend.embedded'] = true;
  if (flags.port !== undefined) argv['frontend.port'] = flags.port;
  if (flags.workers !== undefined) argv['cluster.workerCount'] = flags.workers;
  return argv;
}

function load(file: string | undefined, flags: Flags): LoadedConfig {
  return loadConfig({ ...(file !== undefined ? { file } : {}), argv: overrides(flags) });
}

/** Runs a start-up check; its ConfigError names first the misspelt key that caused it, if any. */
function check(loaded: LoadedConfig, fn: (config: GatewayConfig) => unknown): void {
  try {
    fn(loaded.config);
  } catch (err) {
    throw err instanceof ConfigError ? withTypoHint(err, loaded) : err;
  }
}

export async function runServer(file: string | undefined, flags: Flags): Promise<void> {
  const loaded = load(file, flags);
  const { config, warnings } = loaded;
  const logger = createLogger(config, { bindings: cluster.isWorker ? { worker: process.env.ASGW_WORKER_SLOT } : {} });
  // Workers check too: after a restart they read a config file that may have changed.
  check(loaded, assertProductionSafe);
  if (cluster.isWorker) return runClusterWorker(config, logger);
  for (const w of warnings) logger.warn(w);
  // Read the TLS files once here: a missing one stops start-up naming its
  // key, instead of every worker failing and restarting.
  if (config.frontend.ssl) check(loaded, httpsOptions);

  const flash = config.frontend.flash_policy_port > 0
    ? await startFlashPolicyServer(config.frontend.flash_policy_port, config.frontend.host, logger.child({ component: 'flash' }))
    : undefined;
  // In-memory adapters cannot be shared between processes: embedded is always one process.
  if (config.cluster.workerCount > 1 && !config.frontend.embedded) {
    const supervisor = await runSupervisor(config, logger);
    await supervisor.done;
  } else {
    const single = await runSingleProcess(config, logger);
    await single.done;
  }
  await flash?.close();
  process.exit(0);
}

export async function runConsoleCommand(file: string | undefined, flags: Flags): Promise<void> {
  const { config, warnings } = load(file, flags);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  const logger = createLogger({ frontend: { ...config.frontend, logLevel: 'error' } });
  const channel = controlChannelFor(config, logger, `console-${process.pid}`);
  const interactive = Boolean(process.stdin.isTTY);
  if (interactive) {
    process.stdout.write(`activestack-gateway console on channel "${config.gateway.redis.gatewaycontrolqueue}" (type help)\n`);
  }
  await runConsole({ channel, input: process.stdin, output: process.stdout, prompt: interactive });
  process.exit(0);
}

export function buildCli(): Command {
  const program = new Command('activestack-gateway')
    .description('Socket.IO gateway between clients and ActiveStack agents on RabbitMQ')
    .version(version());
  const withOverrides = (cmd: Command): Command =>
    cmd
      .option('--set <key=value>', 'override a configuration key (repeatable)', collectSet)
      .option('--embedded', 'in-memory adapters and demo agent, no RabbitMQ/Redis')
      .option('--port <port>', 'frontend.port', whole)
      .option('--workers <count>', 'cluster.workerCount', whole);

  withOverrides(program.command('server').alias('s').argument('[configFile]', '.properties or .json file (or $ACTIVESTACK_GATEWAY_CONFIG)'))
    .description('run the gateway')
    .action((file: string | undefined, flags: Flags) => runServer(file, flags));
  withOverrides(program.command('console').alias('c').argument('[configFile]', '.properties or .json file (or $ACTIVESTACK_GATEWAY_CONFIG)'))
    .description('send control commands to every running gateway and print the replies')
    .action((file: string | undefined, flags: Flags) => runConsoleCommand(file, flags));
  return program;
}

/** Bad configuration ends the process with the key named, not a stack trace. */
export async function cli(argv: string[] = process.argv): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`activestack-gateway: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`activestack-gateway: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  }
}
