import type { AuthService, CacheService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { Config } from '@backstage/config';
import { DatastackConfigError } from '@datastack/plugin-datastack-node';
import { CachedLoader } from './CachedLoader';
import type { CatalogSnapshot, CatalogSnapshotState } from './CatalogSnapshot';
import { TickBatches } from './TickBatches';

const DEFAULT_TTL_MS = 5_000;

/**
 * The entity a route names, read from the catalog with the plugin's own
 * credentials and shared by every caller for a few seconds through the cache
 * service, so forty teams' cards polling the same entity, or another replica
 * answering, do not ask the catalog each time. It answers nothing on its own:
 * each route also asks the policy whether its caller may read the entity in
 * the catalog (`catalog.entity.read` with the entity's reference, in the
 * same `authorize` batch as the route's own permission), so a caller sees
 * exactly what the catalog would have shown them. A missing entity is never
 * cached. `ttlMs` 0 turns the cache off. The entities needed in one turn of
 * the event loop (a burst of requests over many entities) are read with one
 * `getEntitiesByRefs`.
 *
 * Read with the plugin's credentials because a user's read costs the
 * catalog a second internal request (its own `authorizeConditional`) on
 * every read, and a burst of cold entities then waits on two requests
 * queued behind it instead of one; a service read is allowed at once.
 *
 * With a {@link CatalogSnapshot}, an entity the snapshot holds is answered
 * from it with no read at all; only the others (not Datastack's, or created
 * since the last snapshot) take the path above.
 */
export class CatalogEntities {
  readonly #catalog: CatalogService;
  readonly #loader?: CachedLoader<{ entity?: Entity }>;
  readonly #reads: TickBatches<string, Entity | undefined>;

  readonly #auth: AuthService;
  readonly #snapshot?: CatalogSnapshot;

  constructor(options: {
    catalog: CatalogService;
    auth: AuthService;
    cache: CacheService;
    ttlMs: number;
    snapshot?: CatalogSnapshot;
  }) {
    this.#catalog = options.catalog;
    this.#auth = options.auth;
    this.#snapshot = options.snapshot;
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
    deps: {
      catalog: CatalogService;
      auth: AuthService;
      cache: CacheService;
      snapshot?: CatalogSnapshot;
    },
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

  /** Where the copy of the catalog's Datastack entities stands; undefined when it is off. */
  snapshotState(): CatalogSnapshotState | undefined {
    return this.#snapshot?.state();
  }

  /**
   * The entity as the catalog holds it, for a route that has asked whether
   * its caller may read it (`catalog.entity.read`).
   */
  async get(
    entityRef: string,
    options: { forWrite?: boolean } = {},
  ): Promise<Entity | undefined> {
    // A write (sync, propose) acts on what the entity says now: its
    // annotations pick the Applications it may sync. The copy may be a
    // few intervals old; the cache below at most `ttlMs`.
    const copied = options.forWrite
      ? undefined
      : this.#snapshot?.lookup(entityRef);
    if (copied) return copied;
    const read = async () => ({
      entity: await this.#reads.ask(
        'plugin',
        await this.#auth.getOwnServiceCredentials(),
        entityRef,
      ),
    });
    if (!this.#loader) return (await read()).entity;
    const { entity } = await this.#loader.load(`entity:v2:${entityRef}`, read);
    return entity;
  }
}
