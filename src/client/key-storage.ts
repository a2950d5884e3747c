import type { KeyStorage } from './types.js';

export function memoryKeyStorage(initial: string | null = null): KeyStorage {
  let key = initial;
  return {
    get: () => key,
    set: (value) => {
      key = value;
    },
    clear: () => {
      key = null;
    },
  };
}

interface WebStorage {
  getItem(name: string): string | null;
  setItem(name: string, value: string): void;
  removeItem(name: string): void;
}

/**
 * Keeps the key in `localStorage` so a reloaded page resumes its session.
 * Falls back to memory where localStorage is missing or throws (private
 * mode, sandboxed iframes), since losing resumption beats failing to connect.
 */
export function localStorageKeyStorage(name = 'activestack.reconnectKey'): KeyStorage {
  const store = (globalThis as { localStorage?: WebStorage }).localStorage;
  const fallback = memoryKeyStorage();
  if (store === undefined) return fallback;
  return {
    get: () => {
      try {
        return store.getItem(name);
      } catch {
        return fallback.get();
      }
    },
    set: (value) => {
      try {
        store.setItem(name, value);
      } catch {
        fallback.set(value);
      }
    },
    clear: () => {
      try {
        store.removeItem(name);
      } catch {
        fallback.clear();
      }
    },
  };
}
