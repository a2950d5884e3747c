import type { AdminToken } from '../../adapters/admin/admin-tokens.js';
import { ConfigError } from './config-error.js';
import type { GatewayConfig } from './gateway-config.js';

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
export const MIN_ADMIN_SECRET = 16;

/**
 * `frontend.admin.tokens`: `name:secret` entries. The name is what the
 * audit log says of whoever used the secret; the secret is at least 16
 * characters (it is the only thing between the network and a shutdown
 * button, and there is no lock-out). A secret may hold ':' but not ','.
 */
export function adminTokens(config: GatewayConfig): AdminToken[] {
  const key = 'frontend.admin.tokens';
  const tokens = config.frontend.admin.tokens.map((entry) => {
    const colon = entry.indexOf(':');
    const name = colon < 0 ? '' : entry.slice(0, colon).trim();
    const secret = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (!NAME.test(name)) throw new ConfigError(key, 'each entry must be name:secret, the name of letters, digits and _.@- (at most 64)');
    if (secret.length < MIN_ADMIN_SECRET) throw new ConfigError(key, `the secret of "${name}" is shorter than ${MIN_ADMIN_SECRET} characters`);
    return { name, secret };
  });
  const names = new Set(tokens.map((t) => t.name));
  if (names.size !== tokens.length) throw new ConfigError(key, 'names must be distinct: the audit log tells users apart by them');
  if (new Set(tokens.map((t) => t.secret)).size !== tokens.length) throw new ConfigError(key, 'secrets must be distinct: one secret has one name');
  return tokens;
}

/** frontend.admin.enabled=true needs tokens, all well-formed; checked when the configuration loads. */
export function assertAdminConfig(config: GatewayConfig): void {
  const tokens = adminTokens(config);
  if (config.frontend.admin.enabled && tokens.length === 0) {
    throw new ConfigError('frontend.admin.tokens', 'is empty; frontend.admin.enabled=true needs at least one name:secret');
  }
}
