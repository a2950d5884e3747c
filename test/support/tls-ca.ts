/**
 * A throw-away certificate authority with a server certificate (localhost,
 * 127.0.0.1) and a client certificate, made by the machine's openssl, for
 * TLS listeners that verify their peers (a self-signed leaf presented as a
 * client certificate is refused by Erlang's TLS). A test without openssl
 * fails, saying so.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface TestCa {
  readonly dir: string;
  readonly caFile: string;
  readonly ca: Buffer;
  readonly server: TlsFiles;
  readonly client: TlsFiles;
  remove(): void;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: 'pipe' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    throw new Error(
      e.code === 'ENOENT'
        ? 'openssl is not installed — the TLS tests need it to make throw-away certificates (apt-get install openssl)'
        : `openssl ${args[0]} failed: ${e.stderr?.toString() ?? String(err)}`,
      { cause: err },
    );
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeTestCa(label = 'asgw-test'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'asgw-ca-'));
  try {
    const caFile = join(dir, 'ca.pem');
    const caKey = join(dir, 'ca.key');
    openssl(['req', '-x509', ...EC, '-days', '1', '-subj', `/CN=${label} CA`, '-keyout', caKey, '-out', caFile,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const leaf = (name: string, subject: string, ext: string): TlsFiles => {
      const keyFile = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const certFile = join(dir, `${name}.pem`);
      const extFile = join(dir, `${name}.ext`);
      writeFileSync(extFile, ext);
      openssl(['req', ...EC, '-subj', subject, '-keyout', keyFile, '-out', csr]);
      openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-days', '1', '-out', certFile, '-extfile', extFile]);
      return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
    };
    const server = leaf('server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    const client = leaf('client', `/CN=${label} client`, 'extendedKeyUsage=clientAuth\n');
    return { dir, caFile, ca: readFileSync(caFile), server, client, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
