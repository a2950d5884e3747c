import convict from 'convict';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseProperties } from 'dot-properties';
import { ConfigError } from './config-error.js';
import { registerFormats, WINSTON_LEVELS } from './formats.js';
import type { GatewayConfig } from './gateway-config.js';
import { suggestKey } from './key-suggestion.js';
import { originalOnlyKey } from './original-keys.js';
import { PUBLISHED_SESSION_SECRET, PUBLISHED_SHUTDOWN_CODE } from './published-secret.js';
import { gatewaySchema } from './schema.js';
import { readTextValue } from './text-value.js';

export interface LoadConfigOptions {
  /** A .properties or .json file; defaults to $ACTIVESTACK_GATEWAY_CONFIG. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Flag overrides as dotted keys (`{'frontend.port': '9000'}`). */
  argv?: Record<string, unknown>;
}

/** A key that no schema entry has, and the known key it looks like a typo of. */
export interface UnknownKey {
  key: string;
  source: string;
  suggestion?: string;
}

export interface LoadedConfig {
  config: GatewayConfig;
  warnings: string[];
  unknownKeys: UnknownKey[];
}

/** Each dotted schema key (e.g. `gateway.rabbitmq.host`) with its format name. */
function keyFormats(): Map<string, string> {
  const formats = new Map<string, string>();
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [name, value] of Object.entries(node)) {
      const key = prefix + name;
      if (value !== null && typeof value === 'object' && 'default' in value) {
        const format = (value as { format?: unknown }).format;
        formats.set(key, typeof format === 'string' ? format : 'enum');
      } else walk(value as Record<string, unknown>, `${key}.`);
    }
  };
  walk(gatewaySchema(), '');
  return formats;
}

/** The dotted schema keys, e.g. `gateway.rabbitmq.host`. */
export function configKeys(): string[] {
  return [...keyFormats().keys()];
}

const unknownKeyText = (u: UnknownKey): string =>
  `unknown configuration key "${u.key}"${u.suggestion ? ` (did you mean "${u.suggestion}"?)` : ''}`;

/**
 * A typo in a key name shows up later as a complaint about the key that was
 * meant (left at its default). When an error is about a key that an unknown
 * key of the same load resembles, the typo is named first.
 */
export function withTypoHint(err: ConfigError, loaded: Pick<LoadedConfig, 'unknownKeys'>): ConfigError {
  const typo = loaded.unknownKeys.find((u) => u.suggestion === err.key);
  if (!typo) return err;
  return new ConfigError(err.key, err.detail, { cause: err, prefix: `${unknownKeyText(typo)} in ${typo.source}; ` });
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
  const formats = keyFormats();
  const known = new Set(formats.keys());
  const warnings: string[] = [];
  const unknownKeys: UnknownKey[] = [];

  const apply = (key: string, raw: unknown, source: string): void => {
    if (!known.has(key)) {
      const original = originalOnlyKey(key, raw);
      if (original) {
        if (original.warning) warnings.push(original.warning);
        return;
      }
      const suggestion = suggestKey(key, known);
      const unknown: UnknownKey = suggestion ? { key, source, suggestion } : { key, source };
      unknownKeys.push(unknown);
      warnings.push(`${unknownKeyText(unknown)} in ${source} ignored`);
      return;
    }
    let value = raw;
    if (typeof raw === 'string') {
      const text = readTextValue(formats.get(key), raw);
      if (text.useDefault) return;
      value = text.value;
      const winston = formats.get(key) === 'log-level' ? WINSTON_LEVELS[text.value.trim().toLowerCase()] : undefined;
      if (winston) {
        warnings.push(`configuration key "${key}": "${text.value.trim()}" is a level of the original's winston logger; logging at "${winston}"`);
      }
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
  return { config: conf.getProperties() as GatewayConfig, warnings, unknownKeys };
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

/** PROTOCOL §4: a shorter secret can be recovered from a key's id by a dictionary search. */
export const MIN_SECRET_LENGTH = 32;

/**
 * PROTOCOL §4: outside embedded mode the secrets must be set, long enough
 * and not the original's published ones. Previous secrets are held to the
 * same rules: a key sealed with any of them opens, so a weak one is as bad
 * as a weak current one.
 */
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
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      'frontend.session_secret',
      `is shorter than ${MIN_SECRET_LENGTH} characters; set a long random secret, e.g. \`openssl rand -base64 48\``,
    );
  }
  if (config.frontend.previous_session_secrets.some((old) => old.length < MIN_SECRET_LENGTH)) {
    throw new ConfigError(
      'frontend.previous_session_secrets',
      `holds a secret shorter than ${MIN_SECRET_LENGTH} characters; keys sealed with it could be forged: remove it`,
    );
  }
  const code = config.frontend.shutdownCode;
  if (code.trim() === '' || code === PUBLISHED_SHUTDOWN_CODE) {
    throw new ConfigError(
      'frontend.shutdownCode',
      code === PUBLISHED_SHUTDOWN_CODE
        ? 'is the published default of the original gateway; set your own'
        : 'is empty; set a random code (anyone who can publish on the control channel must not be able to stop the gateway)',
    );
  }
  if (config.frontend.ssl && (config.frontend.private_key === '' || config.frontend.certificate === '')) {
    const missing = config.frontend.private_key === '' ? 'frontend.private_key' : 'frontend.certificate';
    throw new ConfigError(missing, 'frontend.ssl=true needs frontend.private_key and frontend.certificate');
  }
}
