/**
 * A throw-away CA chain made by the machine's openssl: a root, an
 * intermediate signed by it, and a leaf for localhost / 127.0.0.1 signed by
 * the intermediate — the shape of the original's `cert_auth=gd1,gd2,gd3`
 * (a commercial CA's chain sold as several files). A test without openssl
 * fails, saying so.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsChain {
  readonly dir: string;
  readonly rootFile: string;
  readonly intermediateFile: string;
  readonly leafKeyFile: string;
  readonly leafCertFile: string;
  readonly root: Buffer;
  remove(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeTlsChain(): TlsChain {
  const dir = mkdtempSync(join(tmpdir(), 'asgw-chain-'));
  const at = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    try {
      execFileSync('openssl', args, { stdio: 'pipe', cwd: dir });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
      throw new Error(
        e.code === 'ENOENT'
          ? 'openssl is not installed — this test needs it to make a throw-away CA chain (apt-get install openssl)'
          : `openssl failed: ${e.stderr?.toString() ?? String(err)}`,
        { cause: err },
      );
    }
  };
  writeFileSync(at('ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  writeFileSync(at('leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('req', '-x509', ...EC, '-days', '1', '-subj', '/CN=asgw test root', '-keyout', 'root.key', '-out', 'root.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...EC, '-subj', '/CN=asgw test intermediate', '-keyout', 'int.key', '-out', 'int.csr');
  openssl('x509', '-req', '-in', 'int.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-days', '1',
    '-extfile', 'ca.ext', '-out', 'int.crt');
  openssl('req', ...EC, '-subj', '/CN=localhost', '-keyout', 'leaf.key', '-out', 'leaf.csr');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'int.crt', '-CAkey', 'int.key', '-CAcreateserial', '-days', '1',
    '-extfile', 'leaf.ext', '-out', 'leaf.crt');
  return {
    dir,
    rootFile: at('root.crt'),
    intermediateFile: at('int.crt'),
    leafKeyFile: at('leaf.key'),
    leafCertFile: at('leaf.crt'),
    root: readFileSync(at('root.crt')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
