import convict from 'convict';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseProperties } from 'dot-properties';
import { ConfigError } from './config-error.js';
import { registerFormats } from './formats.js';
import type { GatewayConfig } from './gateway-config.js';
import { assertAdminConfig } from './admin-config.js';
import { PUBLISHED_SESSION_SECRET } from './published-secret.js';
import { gatewaySchema } from './schema.js';

export interface LoadConfigOptions {
  /** A .properties or .json file; defaults to $ACTIVESTACK_GATEWAY_CONFIG. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Flag overrides as dotted keys (`{'frontend.port': '9000'}`). */
  argv?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: GatewayConfig;
  warnings: string[];
}

/** The dotted schema keys, e.g. `gateway.rabbitmq.host`. */
export function configKeys(): string[] {
  const keys: string[] = [];
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [name, value] of Object.entries(node)) {
      const key = prefix + name;
      if (value !== null && typeof value === 'object' && 'default' in value) keys.push(key);
      else walk(value as Record<string, unknown>, `${key}.`);
    }
  };
  walk(gatewaySchema(), '');
  return keys;
}

/** `gateway.rabbitmq.host` → `GATEWAY_RABBITMQ_HOST`. */
export const envName = (key: string): string => key.toUpperCase().replace(/\./g, '_');

/**
 * Sources, later wins: defaults, file, environment, flags. Unknown keys of
 * the file and flags become warnings (an old properties file may carry keys
 * we dropped); invalid values throw a ConfigError naming the key.
 */
export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  registerFormats();
  const env = opts.env ?? process.env;
  // convict reads process.env/argv itself unless given empty ones.
  const conf = convict(gatewaySchema() as convict.Schema<GatewayConfig>, { env: {}, args: [] });
  const known = new Set(configKeys());
  const warnings: string[] = [];

  const apply = (key: string, value: unknown, source: string): void => {
    if (!known.has(key)) {
      warnings.push(`unknown configuration key "${key}" in ${source} ignored`);
      return;
    }
    try {
      conf.set(key as never, value as never);
    } catch (err) {
      throw new ConfigError(key, `cannot be set from ${source}`, { cause: err });
    }
  };

  const file = opts.file ?? (env.ACTIVESTACK_GATEWAY_CONFIG || undefined);
  if (file !== undefined) {
    for (const [key, value] of Object.entries(readConfigFile(file, known))) apply(key, value, file);
  }
  for (const key of known) {
    const value = env[envName(key)];
    if (value !== undefined) apply(key, value, `environment variable ${envName(key)}`);
  }
  for (const [key, value] of Object.entries(opts.argv ?? {})) apply(key, value, 'command line');

  try {
    conf.validate({ allowed: 'strict' });
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0] ?? '';
    const key = /^([\w.]+): /.exec(first)?.[1] ?? 'unknown';
    throw new ConfigError(key, first.replace(/^[\w.]+: /, ''), { cause: err });
  }
  const config = conf.getProperties() as GatewayConfig;
  assertAdminConfig(config);
  return { config, warnings };
}

function readConfigFile(file: string, known: Set<string>): Record<string, unknown> {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('file', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  if (extname(file).toLowerCase() === '.json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch (err) {
      throw new ConfigError('file', `${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError('file', `${file} must hold a JSON object`);
    }
    return flatten(parsed as Record<string, unknown>, '', known);
  }
  return parseProperties(source) as Record<string, string>;
}

/** Nested JSON → dotted keys, stopping at schema keys so arrays stay values. */
function flatten(node: Record<string, unknown>, prefix: string, known: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(node)) {
    const key = prefix + name;
    if (!known.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      Object.assign(out, flatten(value as Record<string, unknown>, `${key}.`, known));
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** PROTOCOL §4: outside embedded mode the secret must be set and not the published one. */
export function assertProductionSafe(config: GatewayConfig): void {
  if (config.frontend.embedded) return;
  const secret = config.frontend.session_secret;
  if (secret.trim() === '') {
    throw new ConfigError('frontend.session_secret', 'is empty; set a long random secret (or run embedded)');
  }
  if (secret === PUBLISHED_SESSION_SECRET || config.frontend.previous_session_secrets.includes(PUBLISHED_SESSION_SECRET)) {
    throw new ConfigError(
      'frontend.session_secret',
      'is the published default of the original gateway, which lets anyone forge reconnect keys; set your own',
    );
  }
  if (config.frontend.ssl && (config.frontend.private_key === '' || config.frontend.certificate === '')) {
    const missing = config.frontend.private_key === '' ? 'frontend.private_key' : 'frontend.certificate';
    throw new ConfigError(missing, 'frontend.ssl=true needs frontend.private_key and frontend.certificate');
  }
}
