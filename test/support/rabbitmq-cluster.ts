/**
 * A RabbitMQ cluster of test nodes on this machine (never the shared node):
 * rabbit-asgw1..N@localhost, AMQP on 5681.., distribution on 25681..,
 * joined with `rabbitmqctl join_cluster`.
 *
 *   const cluster = await RabbitMqCluster.start({ size: 3 });
 *   cluster.urls; await cluster.nodes[0].killed(); await cluster.nodes[0].start();
 *   await cluster.rollingRestart(); await cluster.destroy();
 */
import { rmSync } from 'node:fs';
import { nodesBaseDir, RabbitMqNode } from './rabbitmq-node.js';

export interface ClusterOptions {
  readonly size?: number;
  readonly firstAmqpPort?: number;
  readonly firstDistPort?: number;
  readonly label?: string;
}

export class RabbitMqCluster {
  private constructor(
    readonly nodes: readonly RabbitMqNode[],
    private readonly baseDir: string,
  ) {}

  static async start(opts: ClusterOptions = {}): Promise<RabbitMqCluster> {
    const size = opts.size ?? 3;
    const baseDir = nodesBaseDir(opts.label ?? 'cluster');
    const nodes = Array.from(
      { length: size },
      (_, i) =>
        new RabbitMqNode({
          name: `rabbit-asgw${i + 1}`,
          amqpPort: (opts.firstAmqpPort ?? 5681) + i,
          distPort: (opts.firstDistPort ?? 25681) + i,
          baseDir,
        }),
    );
    const cluster = new RabbitMqCluster(nodes, baseDir);
    try {
      await Promise.all(nodes.map((n) => n.start()));
      const [first, ...rest] = nodes;
      for (const node of rest) {
        await node.ctl(['stop_app']);
        await node.ctl(['reset']);
        await node.ctl(['join_cluster', first!.nodeName]);
        await node.ctl(['start_app']);
      }
      const members = await cluster.runningNodes();
      if (members.length !== size) throw new Error(`cluster formed with ${members.length} running nodes: ${members.join(', ')}`);
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  /** amqp URLs of every node, in order. */
  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  /** `host:port` of every node, for `gateway.rabbitmq.hosts`. */
  get hosts(): string[] {
    return this.nodes.map((n) => n.hostPort);
  }

  /** A node that runs, to send cluster-wide commands to. */
  any(): RabbitMqNode {
    const node = this.nodes.find((n) => n.running);
    if (!node) throw new Error('no node of the cluster is running');
    return node;
  }

  byPort(port: number): RabbitMqNode | undefined {
    return this.nodes.find((n) => n.options.amqpPort === port);
  }

  /** Node names the cluster reports as running. */
  async runningNodes(): Promise<string[]> {
    const out = await this.any().ctl(['cluster_status', '--formatter', 'json']);
    const status = JSON.parse(out) as { running_nodes?: string[] };
    return status.running_nodes ?? [];
  }

  /** Waits until every node is running and the cluster sees them all. */
  async awaitAllRunning(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = await this.runningNodes().catch(() => [] as string[]);
      if (running.length === this.nodes.length) return;
      if (Date.now() > deadline) throw new Error(`cluster has ${running.length}/${this.nodes.length} nodes running`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async addVhost(vhost: string): Promise<void> {
    const node = this.any();
    await node.ctl(['add_vhost', vhost]);
    await node.ctl(['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
  }

  async deleteVhost(vhost: string): Promise<void> {
    await this.any().ctl(['delete_vhost', vhost]).catch(() => undefined);
  }

  /** The AMQP port of the node each connection with this connection_name is on. */
  async connectionPorts(connectionName: string): Promise<number[]> {
    const out = await this.any().ctl(['list_connections', 'port', 'client_properties', '-q', '--no-table-headers']);
    const marker = `{"connection_name","${connectionName}"}`;
    return out
      .split('\n')
      .filter((line) => line.includes(marker))
      .map((line) => Number(line.split('\t')[0]))
      .filter((port) => Number.isInteger(port));
  }

  /**
   * Restarts the nodes one by one, as a rolling broker upgrade does: before
   * each stop, wait until that node is not needed for any quorum queue's
   * majority (`rabbitmq-upgrade await_online_quorum_plus_one`); after each
   * start, until the cluster has every node again. `before` runs just
   * before each stop, `after` once that node is back.
   */
  async rollingRestart(hooks: { before?: (node: RabbitMqNode) => Promise<void>; after?: (node: RabbitMqNode) => Promise<void> } = {}): Promise<void> {
    for (const node of this.nodes) {
      await node.ctl(['await_online_quorum_plus_one', '-t', '120'], 150_000, 'rabbitmq-upgrade');
      await hooks.before?.(node);
      await node.stop();
      await node.start();
      await this.awaitAllRunning();
      await hooks.after?.(node);
    }
  }

  /** Kills every node and deletes their files. */
  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.killed().catch(() => undefined)));
    rmSync(this.baseDir, { recursive: true, force: true });
  }
}
