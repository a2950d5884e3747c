/**
 * Which live clients carry which login (sid), so a revocation made anywhere
 * closes every socket of that login on this gateway (PROTOCOL §2.4).
 * Revocations heard shortly before a client registered its sid are kept a
 * while: a client whose key was checked just before the logout would
 * otherwise slip through between its check and its registration.
 */
export class LoginSessions<C> {
  private readonly bySid = new Map<string, Set<C>>();
  private readonly sidOf = new Map<C, string>();
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly rememberMs = 60_000,
  ) {}

  /** `client` now carries `sid` (undefined: none). true if that sid was revoked a moment ago. */
  set(client: C, sid: string | undefined): boolean {
    this.remove(client);
    if (sid === undefined) return false;
    this.sidOf.set(client, sid);
    let clients = this.bySid.get(sid);
    if (!clients) this.bySid.set(sid, (clients = new Set()));
    clients.add(client);
    return this.wasRevoked(sid);
  }

  remove(client: C): void {
    const sid = this.sidOf.get(client);
    if (sid === undefined) return;
    this.sidOf.delete(client);
    const clients = this.bySid.get(sid);
    clients?.delete(client);
    if (clients?.size === 0) this.bySid.delete(sid);
  }

  /** A revocation was heard: the clients carrying `sid` now. */
  revoked(sid: string): C[] {
    this.prune();
    this.recent.delete(sid);
    this.recent.set(sid, this.now());
    return [...(this.bySid.get(sid) ?? [])];
  }

  /** Every sid carried by a live client. */
  sids(): string[] {
    return [...this.bySid.keys()];
  }

  private wasRevoked(sid: string): boolean {
    const at = this.recent.get(sid);
    return at !== undefined && this.now() - at < this.rememberMs;
  }

  private prune(): void {
    const cutoff = this.now() - this.rememberMs;
    for (const [sid, at] of this.recent) {
      if (at >= cutoff) break;
      this.recent.delete(sid);
    }
  }
}
