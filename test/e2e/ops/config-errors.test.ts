import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServerProcess } from './ops-process.js';

/**
 * What an operator sees when a configuration file is wrong: the real CLI
 * exits with code 2 and one line on stderr that names the key. None of
 * these gets as far as connecting to RabbitMQ or Redis.
 */
const original = readFileSync(new URL('../../fixtures/original.properties', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'asgw-cfgerr-'));

async function startWith(body: string): Promise<{ code: number | null; stderr: string }> {
  const file = join(dir, `gateway-${Math.random().toString(36).slice(2)}.properties`);
  writeFileSync(file, body);
  const server = new ServerProcess([file]);
  const code = await server.exited;
  return { code, stderr: server.output() };
}

describe('configuration errors through the CLI', () => {
  it("a misspelt session_secret key is named first, with the key it was meant to be", async () => {
    // The original's file with its own secret, but the key misspelt: the
    // secret stays at the published default, which is refused.
    const body = original.replace(/^frontend\.session_secret=.*$/m, 'frontend.sesion_secret=an-own-long-random-secret-0123456789abcdef');
    expect(body).toContain('frontend.sesion_secret=');
    const { code, stderr } = await startWith(body);
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(
      /^activestack-gateway: unknown configuration key "frontend\.sesion_secret" \(did you mean "frontend\.session_secret"\?\) in \S+; configuration key "frontend\.session_secret": is the published default/m,
    );
    expect(stderr).not.toContain('an-own-long-random-secret');
  }, 30_000);

  it('a refused key of the original stops start-up naming it', async () => {
    const { code, stderr } = await startWith(`${original}\ngateway.rabbitmq.useSSL=true\n`);
    expect(code, stderr).toBe(2);
    expect(stderr).toContain('configuration key "gateway.rabbitmq.useSSL": TLS to RabbitMQ is not supported');
  }, 30_000);
});
