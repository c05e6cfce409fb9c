import type { CacheService } from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/types';

/** Values kept parsed in this process, at the most. */
const LOCAL_ENTRIES = 500;

/** How long the last good answer of a key is kept to show beside a failure. */
export const LAST_KNOWN_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Loads values through the cache service with a short TTL (so replicas share
 * them), and lets concurrent identical loads share one call. A parsed copy is
 * also kept in this process for the same TTL, so a warm read does not
 * deserialize (the fleet's lists are large). Only results that `shouldCache`
 * accepts are stored: a failure is asked again next time.
 */
export class CachedLoader<T extends object> {
  readonly #cache: CacheService;
  readonly #ttl: number;
  readonly #shouldCache: (value: T) => boolean;
  readonly #inFlight = new Map<string, Promise<T>>();
  readonly #local = new Map<string, { value: T; expiresAt: number }>();
  readonly #lastKnownTtl?: number;

  constructor(options: {
    cache: CacheService;
    ttlMs: number;
    shouldCache: (value: T) => boolean;
    /**
     * Also keep every accepted value this long under its own key, for
     * {@link CachedLoader.lastKnown}: what an upstream answered last, to
     * show beside its failure.
     */
    lastKnownTtlMs?: number;
  }) {
    this.#cache = options.cache;
    this.#ttl = options.ttlMs;
    this.#shouldCache = options.shouldCache;
    this.#lastKnownTtl = options.lastKnownTtlMs;
  }

  /**
   * The last value `shouldCache` accepted for `key` within `lastKnownTtlMs`,
   * on any replica (it lives in the cache service); undefined when there is
   * none or the feature is off.
   */
  async lastKnown(key: string): Promise<T | undefined> {
    if (!this.#lastKnownTtl) return undefined;
    return ((await this.#cache
      .get(`last-known:${key}`)
      .catch(() => undefined)) ?? undefined) as T | undefined;
  }

  load(key: string, fn: () => Promise<T>): Promise<T> {
    const local = this.#local.get(key);
    if (local && local.expiresAt > Date.now())
      return Promise.resolve(local.value);
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
    this.#local.delete(key);
    await this.#cache.delete(key).catch(() => {});
  }

  async #load(key: string, fn: () => Promise<T>): Promise<T> {
    // The cache holds JSON; values are plain JSON by construction.
    const cached = (await this.#cache.get(key).catch(() => undefined)) as
      | T
      | undefined;
    if (cached) {
      this.#remember(key, cached);
      return cached;
    }
    const value = await fn();
    if (this.#shouldCache(value)) {
      this.#remember(key, value);
      await Promise.all([
        this.#cache
          .set(key, value as unknown as JsonObject, { ttl: this.#ttl })
          .catch(() => {}),
        this.#lastKnownTtl &&
          this.#cache
            .set(`last-known:${key}`, value as unknown as JsonObject, {
              ttl: this.#lastKnownTtl,
            })
            .catch(() => {}),
      ]);
    }
    return value;
  }

  #remember(key: string, value: T) {
    this.#local.delete(key);
    if (this.#local.size >= LOCAL_ENTRIES) {
      // Maps iterate in insertion order: the first key is the oldest.
      this.#local.delete(this.#local.keys().next().value!);
    }
    this.#local.set(key, { value, expiresAt: Date.now() + this.#ttl });
  }
}
