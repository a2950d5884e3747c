import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';

/** A PEM file named by a config key; unreadable = a ConfigError naming that key. */
export function readPemFile(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(key, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
}
