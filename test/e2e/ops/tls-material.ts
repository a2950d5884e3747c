/**
 * A throw-away key and self-signed certificate for localhost / 127.0.0.1,
 * made by the machine's openssl (a test without it fails, saying so).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { io, type Socket } from 'socket.io-client';

export interface TlsMaterial {
  readonly dir: string;
  readonly keyFile: string;
  readonly certFile: string;
  /** The certificate itself: clients trust it as their only CA. */
  readonly cert: Buffer;
  remove(): void;
}

export function makeSelfSignedCert(): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'asgw-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      // Clients check the name in subjectAltName, not CN.
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', keyFile, '-out', certFile,
    ], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    throw new Error(
      e.code === 'ENOENT'
        ? 'openssl is not installed — the TLS tests need it to make a throw-away certificate (apt-get install openssl)'
        : `openssl could not make a self-signed certificate: ${e.stderr?.toString() ?? String(err)}`,
      { cause: err },
    );
  }
  return { dir, keyFile, certFile, cert: readFileSync(certFile), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** GET over HTTPS trusting only `ca` (default: the system CAs); rejects on any TLS verification failure. */
export function httpsGet(url: string, ca?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...(ca ? { ca } : {}), timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/**
 * A wss socket.io-client trusting only `ca` (default: the system CAs); resolves once connected,
 * rejects with the TLS/connect error otherwise.
 */
export function connectWss(url: string, ca?: Buffer): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...(ca ? { ca: ca.toString() } : {}), timeout: 10_000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** The payload of the next `event` on `socket`. */
export function nextEvent(socket: Socket, event: string, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (data: unknown): void => {
      clearTimeout(timer);
      resolve(data);
    };
    socket.once(event, on);
  });
}
