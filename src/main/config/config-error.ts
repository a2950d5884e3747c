/** A configuration value that cannot be used; `key` is the dotted key at fault. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`configuration key "${key}": ${message}`, options);
    this.name = 'ConfigError';
  }
}
