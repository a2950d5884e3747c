/** A configuration value that cannot be used; `key` is the dotted key at fault. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    /** What is wrong with it, without the key. */
    readonly detail: string,
    /** `prefix` goes before the message: something said first, e.g. the typo that caused it. */
    options?: { cause?: unknown; prefix?: string },
  ) {
    super(`${options?.prefix ?? ''}configuration key "${key}": ${detail}`, options);
    this.name = 'ConfigError';
  }
}
