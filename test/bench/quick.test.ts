import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRabbitMq, requireRedis } from '../support/services.js';

interface Side {
  rps: number;
  errors: number;
  latency: { count: number; p50: number; p99: number };
  cpuMsPerRequest: number;
  kbPerConnection?: number;
}
interface Report {
  quick: boolean;
  errors: number;
  summaries: Array<{
    scenario: string;
    relay?: Side;
    gateway?: Side;
    sides: Record<string, Side>;
    vsRelay: Record<string, { rps?: number; cpuPerRequest?: number }>;
    ratios: Record<string, unknown>;
  }>;
}

/** `npm run bench -- --quick` runs in `npm test` so that the bench cannot rot. */
describe('bench --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asgw-bench-'));
  const out = join(dir, 'quick.json');
  let run: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    await requireRabbitMq();
    await requireRedis();
    run = await new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out],
        { cwd: join(import.meta.dirname, '..', '..'), maxBuffer: 16 * 2 ** 20, timeout: 240_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }, 250_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('completes with zero errors and prints the gateway/relay table', () => {
    expect(run.code, `bench output:\n${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('gw/relay');
    expect(run.stdout).toContain('ws/relay');
    expect(run.stdout).toContain('CPUms/req');
    expect(run.stdout).toMatch(/targets:/);
  });

  it('writes the JSON with both sides of scenarios a-d, each with completed requests', () => {
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.quick).toBe(true);
    expect(report.errors).toBe(0);
    expect(report.summaries.map((s) => s.scenario)).toEqual(['a', 'b', 'c', 'd']);
    for (const s of report.summaries) {
      for (const side of [s.relay, s.gateway]) {
        expect(side, `scenario ${s.scenario}`).toBeDefined();
        expect(side!.errors).toBe(0);
        if (s.scenario === 'c') expect(typeof side!.kbPerConnection).toBe('number');
        else {
          expect(side!.latency.count, `scenario ${s.scenario}`).toBeGreaterThan(0);
          expect(side!.cpuMsPerRequest, `scenario ${s.scenario}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('measures the raw WebSocket transport beside Socket.IO in a, b and d, against the same relay', () => {
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    for (const s of report.summaries.filter((x) => x.scenario !== 'c')) {
      const ws = s.sides.ws;
      expect(ws, `scenario ${s.scenario}`).toBeDefined();
      expect(ws!.errors).toBe(0);
      expect(ws!.latency.count, `scenario ${s.scenario}`).toBeGreaterThan(0);
      expect(s.vsRelay.ws?.rps, `scenario ${s.scenario}`).toBeGreaterThan(0);
      expect(s.vsRelay.gateway?.cpuPerRequest, `scenario ${s.scenario}`).toBeGreaterThan(0);
    }
  });
});
