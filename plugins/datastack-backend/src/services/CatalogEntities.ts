import type {
  BackstageCredentials,
  CacheService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { Config } from '@backstage/config';
import { DatastackConfigError } from '@datastack/plugin-datastack-node';
import { CachedLoader } from './CachedLoader';
import { TickBatches, callerOf, principalOf } from './TickBatches';

const DEFAULT_TTL_MS = 5_000;

/**
 * The entity a route names, read from the catalog with the caller's own
 * credentials (so the catalog's read permission applies) and reused for a
 * few seconds per caller through the cache service, so a card polling every
 * few seconds, or another replica answering the same caller, does not ask
 * the catalog each time. The key holds the caller: one caller's view never
 * answers another. A missing entity is never cached. `ttlMs` 0 turns it off.
 * The entities one caller needs in one turn of the event loop (a burst of
 * requests over many entities) are read in one `getEntitiesByRefs`, which
 * the catalog authorises and answers in one query, instead of one request
 * each.
 */
export class CatalogEntities {
  readonly #catalog: CatalogService;
  readonly #loader?: CachedLoader<{ entity?: Entity }>;
  readonly #reads: TickBatches<string, Entity | undefined>;

  constructor(options: {
    catalog: CatalogService;
    cache: CacheService;
    ttlMs: number;
  }) {
    this.#catalog = options.catalog;
    this.#reads = new TickBatches(
      async (entityRefs, credentials) =>
        (
          await this.#catalog.getEntitiesByRefs({ entityRefs }, { credentials })
        ).items.map(entity => entity ?? undefined),
      'the catalog',
    );
    if (options.ttlMs > 0) {
      this.#loader = new CachedLoader({
        cache: options.cache,
        ttlMs: options.ttlMs,
        shouldCache: value => Boolean(value.entity),
      });
    }
  }

  /** Reads `datastack.health.entityCacheTtlMs` (default 5000, 0 turns it off). */
  static fromConfig(
    config: Config,
    deps: { catalog: CatalogService; cache: CacheService },
  ): CatalogEntities {
    const key = 'datastack.health.entityCacheTtlMs';
    const ttlMs = config.getOptionalNumber(key) ?? DEFAULT_TTL_MS;
    if (!Number.isInteger(ttlMs) || ttlMs < 0 || ttlMs > 60_000) {
      throw new DatastackConfigError(
        key,
        'must be a whole number of milliseconds between 0 and 60000',
      );
    }
    return new CatalogEntities({ ...deps, ttlMs });
  }

  async get(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<Entity | undefined> {
    const read = async () => ({
      entity: await this.#reads.ask(
        callerOf(credentials),
        credentials,
        entityRef,
      ),
    });
    if (!this.#loader) return (await read()).entity;
    const { entity } = await this.#loader.load(
      `entity:v1:${principalOf(credentials)}:${entityRef}`,
      read,
    );
    return entity;
  }
}
