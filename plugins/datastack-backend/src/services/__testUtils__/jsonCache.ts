import type { CacheService } from '@backstage/backend-plugin-api';

/**
 * A cache service that stores JSON text, as Redis does, so what two
 * "replicas" share through it is a copy, never the same object.
 */
export function jsonCache(): CacheService & { store: Map<string, string> } {
  const store = new Map<string, string>();
  const cache = {
    store,
    async get(key: string) {
      const v = store.get(key);
      return v === undefined ? undefined : JSON.parse(v);
    },
    async set(key: string, value: unknown) {
      store.set(key, JSON.stringify(value));
    },
    async delete(key: string) {
      store.delete(key);
    },
    withOptions() {
      return cache;
    },
  };
  return cache as unknown as CacheService & { store: Map<string, string> };
}
