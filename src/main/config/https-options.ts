import { ConfigError } from './config-error.js';
import type { GatewayConfig } from './gateway-config.js';
import { readPemFile as read } from './pem-file.js';

export interface HttpsOptions {
  key: Buffer;
  cert: Buffer;
  /** Every `frontend.cert_auth` file, in order, as one PEM bundle. */
  ca?: Buffer;
}

/** fastify's `https` option, or undefined when frontend.ssl is off. */
export function httpsOptions(config: GatewayConfig): HttpsOptions | undefined {
  const f = config.frontend;
  if (!f.ssl) return undefined;
  if (f.private_key === '') throw new ConfigError('frontend.private_key', 'is required when frontend.ssl=true');
  if (f.certificate === '') throw new ConfigError('frontend.certificate', 'is required when frontend.ssl=true');
  const opts: HttpsOptions = { key: read('frontend.private_key', f.private_key), cert: read('frontend.certificate', f.certificate) };
  // The original split cert_auth on commas (a chain sold as several files);
  // TLS takes concatenated PEM certificates as one bundle.
  if (f.cert_auth.length > 0) {
    opts.ca = Buffer.concat(f.cert_auth.flatMap((path) => [read('frontend.cert_auth', path), Buffer.from('\n')]));
  }
  return opts;
}
