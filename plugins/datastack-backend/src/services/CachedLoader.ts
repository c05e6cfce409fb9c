import type { CacheService } from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/types';

/**
 * Loads values through the cache service with a short TTL (so replicas share
 * them), and lets concurrent identical loads share one call. Only results
 * that `shouldCache` accepts are stored: a failure is asked again next time.
 */
export class CachedLoader<T extends object> {
  readonly #cache: CacheService;
  readonly #ttl: number;
  readonly #shouldCache: (value: T) => boolean;
  readonly #inFlight = new Map<string, Promise<T>>();

  constructor(options: {
    cache: CacheService;
    ttlMs: number;
    shouldCache: (value: T) => boolean;
  }) {
    this.#cache = options.cache;
    this.#ttl = options.ttlMs;
    this.#shouldCache = options.shouldCache;
  }

  load(key: string, fn: () => Promise<T>): Promise<T> {
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const promise = this.#load(key, fn).finally(() =>
      this.#inFlight.delete(key),
    );
    this.#inFlight.set(key, promise);
    return promise;
  }

  /** Forgets a cached value, for example after a sync changed it. */
  async invalidate(key: string): Promise<void> {
    await this.#cache.delete(key).catch(() => {});
  }

  async #load(key: string, fn: () => Promise<T>): Promise<T> {
    // The cache holds JSON; values are plain JSON by construction.
    const cached = (await this.#cache.get(key).catch(() => undefined)) as
      | T
      | undefined;
    if (cached) return cached;
    const value = await fn();
    if (this.#shouldCache(value)) {
      await this.#cache
        .set(key, value as unknown as JsonObject, { ttl: this.#ttl })
        .catch(() => {});
    }
    return value;
  }
}
