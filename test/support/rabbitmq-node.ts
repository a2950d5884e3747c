/**
 * A RabbitMQ node of a test's own, beside the shared one (which it never
 * touches): its own node name, AMQP and distribution ports, config, data
 * and log directories under a temp folder, no plugins (so nothing binds
 * the management or Prometheus ports), and the shared node's Erlang
 * cookie, so that `rabbitmqctl -n <name>` works for an operator too.
 *
 *   const node = new RabbitMqNode({ name: 'rabbit-asgw1', amqpPort: 5681, distPort: 25681, baseDir });
 *   await node.start(); … node.kill(); await node.start(); … await node.stop();
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Where the package keeps the real scripts (the /usr/sbin ones re-run themselves as the rabbitmq user). */
const BIN_DIR = process.env.RABBITMQ_BIN_DIR ?? '/usr/lib/rabbitmq/bin';
/** The shared node's cookie (Debian package: the rabbitmq user's home). */
const COOKIE_FILE = process.env.RABBITMQ_COOKIE_FILE ?? '/var/lib/rabbitmq/.erlang.cookie';
/** Ports the shared node and its usual plugins use: a node of ours must never take one. */
const RESERVED_PORTS = new Set([4369, 5671, 5672, 15672, 15692, 25672, 61613, 1883]);

export interface RabbitMqNodeTls {
  readonly port: number;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Require a client certificate (verify_peer + fail_if_no_peer_cert). */
  readonly requireClientCert: boolean;
}

export interface RabbitMqNodeOptions {
  /** Node name before the @; the host part is `localhost`. */
  readonly name: string;
  readonly amqpPort: number;
  readonly distPort: number;
  /** Parent folder; the node's files go to `<baseDir>/<name>`. */
  readonly baseDir: string;
  readonly tls?: RabbitMqNodeTls;
}

export class RabbitMqNode {
  readonly nodeName: string;
  readonly dir: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(readonly options: RabbitMqNodeOptions) {
    for (const port of [options.amqpPort, options.distPort, options.tls?.port]) {
      if (port !== undefined && RESERVED_PORTS.has(port)) throw new Error(`port ${port} belongs to the shared RabbitMQ node`);
    }
    if (options.name === 'rabbit') throw new Error('"rabbit" is the shared node\'s name');
    this.nodeName = `${options.name}@localhost`;
    this.dir = join(options.baseDir, options.name);
  }

  /** amqp://guest:guest@127.0.0.1:<amqpPort> (guest may log in over loopback). */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.options.amqpPort}`;
  }

  /** `host:port` as the gateway's status names it. */
  get hostPort(): string {
    return `127.0.0.1:${this.options.amqpPort}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The beam.smp process id (for SIGKILL and CPU readings). */
  pid(): number {
    const text = readFileSync(join(this.dir, 'pid'), 'utf8').trim();
    const pid = Number(text);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${join(this.dir, 'pid')}: "${text}"`);
    return pid;
  }

  /**
   * Starts the node (its data, and so its cluster membership, survive a
   * stop or kill) and resolves once it serves. A node of this name left
   * running by an earlier run is stopped first.
   */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.running) return;
    this.prepare();
    if (!existsSync(join(this.dir, 'started-once'))) await this.stopStray();
    rmSync(join(this.dir, 'pid'), { force: true });
    // Quorum queues hold about 3 file handles each on every node: give the node room (as LimitNOFILE would).
    const script = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0"';
    const child = spawn('/bin/sh', ['-c', script, join(BIN_DIR, 'rabbitmq-server')], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('error', (err) => (this.output += `\nspawn failed: ${err.message}`));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`RabbitMQ node ${this.nodeName} exited while starting:\n${this.output.slice(-3000)}`);
      const ok = await this.ctl(['await_startup', '--timeout', '10'], 20_000).then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) {
        this.kill();
        throw new Error(`RabbitMQ node ${this.nodeName} did not start within ${timeoutMs} ms:\n${this.output.slice(-3000)}`);
      }
    }
    writeFileSync(join(this.dir, 'started-once'), '');
  }

  /** Graceful stop (as `rabbitmqctl stop`); resolves once the process is gone. */
  async stop(): Promise<void> {
    if (!this.running) return;
    await this.ctl(['stop'], 60_000).catch(() => this.kill());
    await this.exited;
  }

  /** SIGKILL of the Erlang VM: no goodbye to clients or the cluster. */
  kill(): void {
    if (!this.running) return;
    try {
      process.kill(this.pid(), 'SIGKILL');
    } catch {
      this.child?.kill('SIGKILL');
    }
  }

  async killed(): Promise<void> {
    this.kill();
    await this.exited;
  }

  /** `rabbitmqctl -n <node> …` (or another CLI tool of the package), with our cookie. */
  async ctl(args: string[], timeoutMs = 60_000, tool = 'rabbitmqctl'): Promise<string> {
    try {
      const { stdout } = await execFileAsync(join(BIN_DIR, tool), ['-n', this.nodeName, ...args], {
        env: this.env(),
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; code?: unknown };
      throw new Error(`${tool} -n ${this.nodeName} ${args.join(' ')} failed (${String(e.code)}): ${String(e.stderr ?? err).slice(0, 1500)}`, { cause: err });
    }
  }

  /** The node's own log, for failure messages. */
  log(): string {
    const file = join(this.dir, 'log', `${this.nodeName}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : this.output;
  }

  /** Deletes the node's files (stop or kill it first). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private prepare(): void {
    if (!existsSync(COOKIE_FILE)) {
      throw new Error(`no Erlang cookie at ${COOKIE_FILE}: start the shared RabbitMQ once (\`rabbitmq-server -detached\`) or set RABBITMQ_COOKIE_FILE`);
    }
    if (!existsSync(join(BIN_DIR, 'rabbitmq-server'))) {
      throw new Error(`no rabbitmq-server in ${BIN_DIR} (apt-get install rabbitmq-server, or set RABBITMQ_BIN_DIR)`);
    }
    const home = join(this.dir, 'home');
    mkdirSync(home, { recursive: true });
    const cookie = join(home, '.erlang.cookie');
    if (!existsSync(cookie)) writeFileSync(cookie, readFileSync(COOKIE_FILE), { mode: 0o400 });
    const { amqpPort, tls } = this.options;
    const conf = [
      `listeners.tcp.1 = 127.0.0.1:${amqpPort}`,
      'log.console = false',
      'log.file.level = info',
      // Small: several nodes share the machine with the tests.
      'vm_memory_high_watermark.relative = 0.2',
      'disk_free_limit.absolute = 50MB',
    ];
    if (tls) {
      conf.push(
        `listeners.ssl.1 = 127.0.0.1:${tls.port}`,
        `ssl_options.cacertfile = ${tls.caFile}`,
        `ssl_options.certfile = ${tls.certFile}`,
        `ssl_options.keyfile = ${tls.keyFile}`,
        `ssl_options.verify = ${tls.requireClientCert ? 'verify_peer' : 'verify_none'}`,
        `ssl_options.fail_if_no_peer_cert = ${tls.requireClientCert}`,
      );
    }
    writeFileSync(join(this.dir, 'rabbitmq.conf'), `${conf.join('\n')}\n`);
    // No plugins: the management and Prometheus listeners would take the shared node's ports.
    writeFileSync(join(this.dir, 'enabled_plugins'), '[].\n');
    writeFileSync(join(this.dir, 'rabbitmq-env.conf'), '');
  }

  private env(): NodeJS.ProcessEnv {
    const { distPort } = this.options;
    return {
      PATH: process.env.PATH,
      LANG: process.env.LANG ?? 'C.UTF-8',
      HOME: join(this.dir, 'home'),
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(this.dir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      // Our own (empty) env file: /etc/rabbitmq/rabbitmq-env.conf names the shared node.
      RABBITMQ_CONF_ENV_FILE: join(this.dir, 'rabbitmq-env.conf'),
      RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'),
      RABBITMQ_PID_FILE: join(this.dir, 'pid'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
  }

  /** A node of this name left by a killed test run would hold the name and ports. */
  private async stopStray(): Promise<void> {
    const names = await execFileAsync('epmd', ['-names'], { timeout: 10_000 }).then(
      (r) => r.stdout,
      () => '',
    );
    if (!new RegExp(`^name ${this.options.name} at port`, 'm').test(names)) return;
    await this.ctl(['stop'], 60_000).catch(() => undefined);
  }
}

/** A fresh temp folder for nodes' files. */
export function nodesBaseDir(label: string): string {
  const dir = join(process.env.TMPDIR ?? '/tmp', `asgw-rabbit-${label}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
