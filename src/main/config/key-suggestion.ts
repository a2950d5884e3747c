import { distance } from 'fastest-levenshtein';

/**
 * The known key an unknown one was most likely meant to be: the closest by
 * edit distance (case ignored), if it is close enough to be a typo rather
 * than a different word (at most 3 edits, and at most a quarter of the key).
 */
export function suggestKey(unknown: string, known: Iterable<string>): string | undefined {
  const wanted = unknown.toLowerCase();
  const limit = Math.min(3, Math.floor(wanted.length / 4));
  let best: { key: string; d: number } | undefined;
  for (const key of known) {
    const d = distance(wanted, key.toLowerCase());
    if (d <= limit && (best === undefined || d < best.d)) best = { key, d };
  }
  return best?.key;
}
