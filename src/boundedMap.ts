/**
 * Sets `key` in a map used as a bounded cache: a new key past `max` entries evicts the oldest
 * entry (insertion order). A key set again keeps its place; callers that want recency delete it first.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (map.size >= max && !map.has(key)) map.delete(map.keys().next().value!);
  map.set(key, value);
}
