/**
 * Memoises an async lookup, keeping successes only: a lookup that failed (PostgreSQL restarting)
 * is tried again by the next caller, not replayed to every job until the worker restarts. Callers
 * that ask while a lookup is pending share it. At `max` entries the cache starts over (the
 * worker's lookups are small and hot: runs, users' domains).
 */
export function successCache<K, V>(load: (key: K) => Promise<V>, max = 10_000): (key: K) => Promise<V> {
  const cache = new Map<K, Promise<V>>();
  return (key) => {
    let v = cache.get(key);
    if (!v) {
      if (cache.size >= max) cache.clear();
      v = load(key);
      cache.set(key, v);
      v.catch(() => {
        if (cache.get(key) === v) cache.delete(key);
      });
    }
    return v;
  };
}
