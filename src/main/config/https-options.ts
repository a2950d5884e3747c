import { ConfigError } from './config-error.js';
import type { GatewayConfig } from './gateway-config.js';
import { readPemFile as read } from './pem-file.js';

export interface HttpsOptions {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
}

/** fastify's `https` option, or undefined when frontend.ssl is off. */
export function httpsOptions(config: GatewayConfig): HttpsOptions | undefined {
  const f = config.frontend;
  if (!f.ssl) return undefined;
  if (f.private_key === '') throw new ConfigError('frontend.private_key', 'is required when frontend.ssl=true');
  if (f.certificate === '') throw new ConfigError('frontend.certificate', 'is required when frontend.ssl=true');
  const opts: HttpsOptions = { key: read('frontend.private_key', f.private_key), cert: read('frontend.certificate', f.certificate) };
  if (f.cert_auth !== '') opts.ca = read('frontend.cert_auth', f.cert_auth);
  return opts;
}
