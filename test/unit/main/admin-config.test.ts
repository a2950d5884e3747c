import { describe, expect, it } from 'vitest';
import { adminTokens, ConfigError, loadConfig } from '../../../src/main/config/index.js';

const load = (argv: Record<string, unknown>) => loadConfig({ env: {}, argv });

describe('frontend.admin.*', () => {
  it('is off by default, with no tokens', () => {
    const { config } = load({});
    expect(config.frontend.admin).toEqual({ enabled: false, tokens: [] });
  });

  it('reads name:secret pairs, from a properties-style list too', () => {
    const { config } = load({ 'frontend.admin.enabled': 'true', 'frontend.admin.tokens': 'alice:0123456789abcdef, ops-bot:s3cret:with:colons!' });
    expect(adminTokens(config)).toEqual([
      { name: 'alice', secret: '0123456789abcdef' },
      { name: 'ops-bot', secret: 's3cret:with:colons!' },
    ]);
  });

  it('refuses to start enabled without tokens, or with a weak or ambiguous one, naming the key', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ 'frontend.admin.enabled': true }, /needs at least one/],
      [{ 'frontend.admin.tokens': 'alice:short' }, /shorter than 16/],
      [{ 'frontend.admin.tokens': 'justasecret0123456789' }, /name:secret/],
      [{ 'frontend.admin.tokens': 'al ice:0123456789abcdef' }, /name:secret/],
      [{ 'frontend.admin.tokens': 'a:0123456789abcdef,a:fedcba9876543210' }, /names must be distinct/],
      [{ 'frontend.admin.tokens': 'a:0123456789abcdef,b:0123456789abcdef' }, /secrets must be distinct/],
    ];
    for (const [argv, message] of bad) {
      let error: unknown;
      try {
        load(argv);
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(argv)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain('frontend.admin.tokens');
      expect((error as ConfigError).message).toMatch(message);
      expect((error as ConfigError).message).not.toContain('0123456789abcdef');
    }
  });
});
