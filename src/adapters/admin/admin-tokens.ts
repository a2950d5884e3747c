import { createHash, timingSafeEqual } from 'node:crypto';

/** A secret that opens the admin page, and the name the audit log gives whoever uses it. */
export interface AdminToken {
  readonly name: string;
  readonly secret: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The configured tokens. A presented secret is compared with every one of
 * them, each in constant time on equal-length digests, without stopping at
 * a match: neither the time nor the outcome tells which one was close.
 */
export class AdminTokens {
  private readonly tokens: ReadonlyArray<{ readonly name: string; readonly digest: Buffer }>;

  constructor(tokens: readonly AdminToken[]) {
    if (tokens.length === 0) throw new Error('the admin page needs at least one token');
    this.tokens = tokens.map((t) => ({ name: t.name, digest: digest(t.secret) }));
  }

  /** The name of the token `given` is, or undefined. */
  match(given: string | undefined): string | undefined {
    if (given === undefined || given === '') return undefined;
    const presented = digest(given);
    let found: string | undefined;
    for (const token of this.tokens) {
      if (timingSafeEqual(presented, token.digest) && found === undefined) found = token.name;
    }
    return found;
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
