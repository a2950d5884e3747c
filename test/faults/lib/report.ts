import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaultAgent } from './fault-agent.js';
import type { FleetClient } from './fleet.js';

export interface DeliveryCount {
  readonly run: string;
  readonly clients: number;
  /** Messages needing an ack the agent got confirmed by the broker. */
  readonly sent: number;
  /** Of those, how many distinct ones reached the app of their client. */
  readonly received: number;
  readonly receivedPct: number;
  /** Copies that arrived on a socket after the first (SDK dropped them). */
  readonly duplicates: number;
  readonly cuts: number;
  readonly moved: number;
  readonly reconnectRequests: number;
  readonly keysRefused: number;
  readonly missingExamples: string[];
}

export function deliveryCount(run: string, agent: FaultAgent, clients: FleetClient[]): DeliveryCount {
  const got = new Set<string>();
  for (const c of clients) for (const id of c.unique) got.add(id);
  let received = 0;
  const missing: string[] = [];
  for (const id of agent.allSentIds()) {
    if (got.has(id)) received++;
    else if (missing.length < 10) missing.push(id);
  }
  const sent = agent.allSentIds().size;
  return {
    run,
    clients: clients.length,
    sent,
    received,
    receivedPct: sent === 0 ? 0 : Math.round((received / sent) * 1e6) / 1e4,
    duplicates: clients.reduce((n, c) => n + (c.transportPushes - c.unique.size), 0),
    cuts: clients.reduce((n, c) => n + c.cuts, 0),
    moved: agent.counts.moved,
    reconnectRequests: agent.counts.reconnectRequests,
    keysRefused: clients.reduce((n, c) => n + c.keyRefused, 0),
    missingExamples: missing,
  };
}

export function percentiles(values: number[]): { n: number; p50: number; p95: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number): number => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!);
  return { n: s.length, p50: at(0.5), p95: at(0.95), max: s.length === 0 ? 0 : s[s.length - 1]! };
}

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts/faults.jsonl');

/** Prints the figures on the terminal and appends them to test-artifacts/faults.jsonl. */
export function printReport(title: string, figures: object): void {
  const line = { at: new Date().toISOString(), scale: process.env.FAULTS_SCALE ?? 'quick', title, ...figures };
  process.stdout.write(`\n== fault run: ${title}\n${JSON.stringify(figures, null, 2)}\n`);
  try {
    mkdirSync(dirname(RESULTS), { recursive: true });
    appendFileSync(RESULTS, `${JSON.stringify(line)}\n`);
  } catch {
    // The terminal copy is the one that matters.
  }
}
