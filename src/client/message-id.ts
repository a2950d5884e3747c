let counter = 0;
let prefix: string | undefined;

/**
 * Unique per page/process and across them: a random prefix plus a counter.
 * crypto.randomUUID is missing on plain-http pages, getRandomValues is not.
 */
export function newMessageId(): string {
  if (prefix === undefined) {
    const bytes = new Uint8Array(8);
    const c = (globalThis as { crypto?: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto;
    if (c !== undefined) c.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    prefix = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  counter += 1;
  return `${prefix}-${counter.toString(36)}`;
}
