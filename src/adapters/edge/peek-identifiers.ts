/**
 * What a gateway error can echo about a message too large to parse (PROTOCOL
 * §6: `event`, and `messageId` when the payload had one), read from the
 * first PEEK_CHARS characters of its JSON only. Nothing beyond that window is
 * looked at and nothing but the two strings is built, so the cost is the same
 * for 2 MB as for 2 KB; a `messageId` that comes after a large value is not
 * found, and the error then goes without it.
 */
export interface Identifiers {
  readonly event?: string;
  readonly messageId?: string;
}

export const PEEK_CHARS = 4096;

/** A Socket.IO EVENT packet's JSON: `["event", {"messageId": "…", …}, …]`. */
export function peekSocketIoEvent(json: string): Identifiers {
  const c = new Cursor(json);
  if (!c.eat(OPEN_ARRAY)) return {};
  const event = c.next() === QUOTE ? c.readString() : undefined;
  const messageId = event !== undefined && c.eat(COMMA) ? c.messageIdOfObject() : undefined;
  return definedOnly(event, messageId);
}

/** A raw WebSocket frame (PROTOCOL §7): `{"event": "…", "data": {"messageId": "…"}}`, keys in any order. */
export function peekWebSocketFrame(text: string): Identifiers {
  const c = new Cursor(text);
  let event: string | undefined;
  let messageId: string | undefined;
  c.eachKey((key) => {
    if (key === 'event' && event === undefined && c.next() === QUOTE) event = c.readString();
    else if (key === 'data' && messageId === undefined && c.next() === OPEN_OBJECT) messageId = c.messageIdOfObject();
    else return c.skipValue();
    return true;
  });
  return definedOnly(event, messageId);
}

function definedOnly(event: string | undefined, messageId: string | undefined): Identifiers {
  return { ...(event !== undefined ? { event } : {}), ...(messageId !== undefined ? { messageId } : {}) };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** A forward-only reader over the window; every method gives up (undefined / false) at its end. */
class Cursor {
  private readonly s: string;
  private i = 0;

  constructor(text: string) {
    this.s = text.length > PEEK_CHARS ? text.slice(0, PEEK_CHARS) : text;
  }

  /** The next non-blank character's code, NaN at the end. */
  next(): number {
    const s = this.s;
    while (this.i < s.length) {
      const ch = s.charCodeAt(this.i);
      if (ch !== 0x20 && ch !== 0x09 && ch !== 0x0a && ch !== 0x0d) return ch;
      this.i++;
    }
    return NaN;
  }

  eat(ch: number): boolean {
    if (this.next() !== ch) return false;
    this.i++;
    return true;
  }

  /** The string literal at the cursor, decoded. */
  readString(): string | undefined {
    const start = this.i;
    const end = this.stringEnd(start);
    if (end < 0) return undefined;
    this.i = end;
    try {
      return JSON.parse(this.s.slice(start, end)) as string;
    } catch {
      return undefined;
    }
  }

  /**
   * Calls `onValue` with the cursor on each key's value, which it must
   * consume (false: stop). True once the whole object, `}` included, was read.
   */
  eachKey(onValue: (key: string) => boolean): boolean {
    if (!this.eat(OPEN_OBJECT)) return false;
    if (this.eat(CLOSE_OBJECT)) return true;
    for (;;) {
      if (this.next() !== QUOTE) return false;
      const key = this.readString();
      if (key === undefined || !this.eat(COLON) || !onValue(key)) return false;
      if (this.eat(CLOSE_OBJECT)) return true;
      if (!this.eat(COMMA)) return false;
    }
  }

  /** The string `messageId` of the object at the cursor, if found in the window. */
  messageIdOfObject(): string | undefined {
    let found: string | undefined;
    this.eachKey((key) => {
      if (key === 'messageId' && found === undefined && this.next() === QUOTE) {
        found = this.readString();
        return found !== undefined;
      }
      return this.skipValue();
    });
    return found;
  }

  /** Steps over one value of any kind without building it. */
  skipValue(): boolean {
    const s = this.s;
    const first = this.next();
    if (first === QUOTE) {
      const end = this.stringEnd(this.i);
      if (end < 0) return false;
      this.i = end;
      return true;
    }
    if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
      let depth = 0;
      while (this.i < s.length) {
        const ch = s.charCodeAt(this.i);
        if (ch === QUOTE) {
          const end = this.stringEnd(this.i);
          if (end < 0) return false;
          this.i = end;
          continue;
        }
        this.i++;
        if (ch === OPEN_OBJECT || ch === OPEN_ARRAY) depth++;
        else if ((ch === CLOSE_OBJECT || ch === CLOSE_ARRAY) && --depth === 0) return true;
      }
      return false;
    }
    while (this.i < s.length) {
      const ch = s.charCodeAt(this.i);
      if (ch === COMMA || ch === CLOSE_OBJECT || ch === CLOSE_ARRAY) return true;
      this.i++;
    }
    return false;
  }

  /** Index just past the string literal opening at `start`, -1 when it does not end in the window. */
  private stringEnd(start: number): number {
    const s = this.s;
    let from = start + 1;
    for (;;) {
      const quote = s.indexOf('"', from);
      if (quote < 0) return -1;
      let backslashes = 0;
      while (s.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return quote + 1;
      from = quote + 1;
    }
  }
}
