import { AgentRouter } from '../domain/agent-router.js';
import type { ClientOptions } from '../domain/client.js';
import { defaultAckBucket } from '../domain/inbound-limits.js';
import { ReconnectKeyCodec } from '../domain/reconnect-key.js';

/**
 * How a gateway core behaves: everything but its ports. Only `secret` is
 * required; the defaults are the protocol's (PROTOCOL §3.3, §4, §6).
 */
export interface GatewaySettings {
  /** Seals reconnect keys (§4). Gateways that share it can resume each other's clients. */
  readonly secret: string;
  /** Rotation: keys sealed with these still open. */
  readonly previousSecrets?: readonly string[];
  /** Names this gateway in presence and logs. Default: `gateway-<random>`. */
  readonly instance?: string;
  /** ms a reconnect key stays valid. Default 7 days. */
  readonly sessionMaxAgeMs?: number;
  /** ms a login stays valid, however often its key is renewed. Default 30 days. */
  readonly loginMaxAgeMs?: number;
  /** Migration: reconnect keys of the original gateway open until this instant (epoch ms). Default: refused. */
  readonly legacyKeysAcceptUntil?: number;
  /** ms between re-sends of an unacknowledged push. Default 7500. */
  readonly resendIntervalMs?: number;
  /** Re-sends before a client is taken as broken; 0 = no limit. Default 10. */
  readonly maxResends?: number;
  /** Largest accepted client message in bytes. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  readonly rateLimit?: {
    /** Messages a client may send at once. Default 200. */
    readonly burst?: number;
    /** Sustained messages per second. Default 100. */
    readonly perSecond?: number;
    /** Acks have their own bucket. Default 4 × burst / 4 × perSecond. */
    readonly ackBurst?: number;
    readonly ackPerSecond?: number;
    /** Refusals (size or rate) before the socket is closed. Default 20. */
    readonly disconnectAfter?: number;
  };
  /** The agent events of §2.2. Default: the protocol's two lists. */
  readonly events?: { readonly unauthenticated?: readonly string[]; readonly authenticated?: readonly string[] };
}

export const DEFAULT_SESSION_MAX_AGE_MS = 7 * 24 * 3600_000;

/** Settings with every default filled in, and the domain objects they make. */
export interface ResolvedSettings {
  readonly instance: string;
  readonly client: ClientOptions;
  readonly router: AgentRouter;
  readonly keys: ReconnectKeyCodec;
}

export function resolveSettings(settings: GatewaySettings, randomId: () => string): ResolvedSettings {
  const rate = settings.rateLimit ?? {};
  const burst = rate.burst ?? 200;
  const perSecond = rate.perSecond ?? 100;
  const ackDefaults = defaultAckBucket(burst, perSecond);
  const sessionMaxAgeMs = settings.sessionMaxAgeMs ?? DEFAULT_SESSION_MAX_AGE_MS;
  return {
    instance: settings.instance ?? `gateway-${randomId().slice(0, 12)}`,
    client: {
      resendIntervalMs: settings.resendIntervalMs ?? 7500,
      maxResends: settings.maxResends ?? 10,
      limits: {
        maxPayloadBytes: settings.maxPayloadBytes ?? 1024 * 1024,
        burst,
        perSecond,
        ackBurst: rate.ackBurst ?? ackDefaults.ackBurst,
        ackPerSecond: rate.ackPerSecond ?? ackDefaults.ackPerSecond,
        disconnectAfter: rate.disconnectAfter ?? 20,
      },
    },
    router: new AgentRouter({
      ...(settings.events?.unauthenticated ? { unauthenticatedEvents: settings.events.unauthenticated } : {}),
      ...(settings.events?.authenticated ? { authenticatedEvents: settings.events.authenticated } : {}),
    }),
    keys: new ReconnectKeyCodec({
      secret: settings.secret,
      previousSecrets: [...(settings.previousSecrets ?? [])],
      maxAgeMs: sessionMaxAgeMs,
      ...(settings.loginMaxAgeMs !== undefined ? { loginMaxAgeMs: settings.loginMaxAgeMs } : {}),
      ...(settings.legacyKeysAcceptUntil !== undefined ? { legacyKeys: { acceptUntil: settings.legacyKeysAcceptUntil } } : {}),
    }),
  };
}
