import type {
  AuthService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import type { Config } from '@backstage/config';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_PIPELINE,
} from '@datastack/plugin-datastack-common';
import { DatastackConfigError } from '@datastack/plugin-datastack-node';

const DEFAULT_INTERVAL_MS = 30_000;
const PAGE_SIZE = 500;
/** How soon a read that failed, or has not happened yet, is tried again. */
const RETRY_MS = 5_000;
/** Beyond this many, the rest are read one by one as before. */
export const MAX_SNAPSHOT_ENTITIES = 50_000;

/** The annotations that make an entity one of Datastack's (any of them). */
const DATASTACK_ANNOTATIONS = [
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_PIPELINE,
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
];

// Entity references are ASCII by the catalog's validation, where the
// locale-independent lowercase is the catalog's own.
const refKey = (ref: string) => ref.toLowerCase();

/** Where a replica's copy of the catalog's Datastack entities stands. */
export interface CatalogSnapshotState {
  /** Entities the last complete read held. */
  entities: number;
  /** When that read began (ISO 8601); absent before the first one. */
  asOf?: string;
  /** False when the copy is older than three intervals and so not used. */
  current: boolean;
  intervalMs: number;
}

/**
 * A copy, in this process, of every catalog entity that carries a Datastack
 * or Argo CD annotation, read with the plugin's credentials every
 * `datastack.health.entitySnapshotIntervalMs` (default 30 s; 0 turns it off),
 * so a page view of one of them reads no catalog at all, even the first time.
 *
 * The catalog publishes no entity-change events, so the copy is polled; the
 * catalog itself takes longer than that to ingest an edited
 * `catalog-info.yaml`, so the copy is never the slow part of a change. A copy
 * older than three intervals (the catalog unreachable) answers nothing, and
 * reads go to the catalog one by one again. Each replica keeps its own.
 *
 * It only supplies data: each route still asks the policy whether its caller
 * may read the entity in the catalog, and the catalog decides conditional
 * answers against its own current entity, never this copy.
 */
export class CatalogSnapshot {
  readonly #catalog: CatalogService;
  readonly #auth: AuthService;
  readonly #logger: LoggerService;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #entities = new Map<string, Entity>();
  #asOf = Number.NEGATIVE_INFINITY;
  #failing = false;

  constructor(options: {
    catalog: CatalogService;
    auth: AuthService;
    logger: LoggerService;
    intervalMs: number;
    now?: () => number;
  }) {
    this.#catalog = options.catalog;
    this.#auth = options.auth;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Reads `datastack.health.entitySnapshotIntervalMs`; undefined when it is
   * 0 (no copy: every read asks the catalog).
   */
  static fromConfig(
    config: Config,
    deps: { catalog: CatalogService; auth: AuthService; logger: LoggerService },
  ): CatalogSnapshot | undefined {
    const key = 'datastack.health.entitySnapshotIntervalMs';
    const intervalMs = config.getOptionalNumber(key) ?? DEFAULT_INTERVAL_MS;
    if (
      !Number.isInteger(intervalMs) ||
      (intervalMs !== 0 && (intervalMs < 1_000 || intervalMs > 600_000))
    ) {
      throw new DatastackConfigError(
        key,
        'must be 0 (off) or a whole number of milliseconds between 1000 and 600000',
      );
    }
    if (intervalMs === 0) return undefined;
    return new CatalogSnapshot({ ...deps, intervalMs });
  }

  /**
   * Refreshes the copy on this replica's scheduler, the first time at once.
   * The task runs every 5 s (or every interval, if shorter) and reads only
   * when the copy is due: so while the backend starts and the catalog does
   * not answer yet, or after a failed read, it tries again within 5 s
   * instead of a whole interval later.
   */
  async schedule(scheduler: SchedulerService): Promise<void> {
    await scheduler.scheduleTask({
      id: 'datastack-catalog-snapshot',
      frequency: { milliseconds: Math.min(this.#intervalMs, RETRY_MS) },
      timeout: { milliseconds: Math.max(this.#intervalMs * 3, 30_000) },
      scope: 'local',
      fn: async signal => {
        if (this.#now() - this.#asOf >= this.#intervalMs - RETRY_MS / 2) {
          await this.refresh(signal);
        }
      },
    });
  }

  /**
   * The entity as of the last complete read, or undefined when the copy does
   * not hold it (not a Datastack entity, created since, or the copy is too
   * old): the caller then asks the catalog.
   */
  lookup(entityRef: string): Entity | undefined {
    if (!this.#current()) return undefined;
    return this.#entities.get(refKey(entityRef));
  }

  state(): CatalogSnapshotState {
    const read = Number.isFinite(this.#asOf);
    return {
      entities: this.#entities.size,
      ...(read && { asOf: new Date(this.#asOf).toISOString() }),
      current: this.#current(),
      intervalMs: this.#intervalMs,
    };
  }

  #current(): boolean {
    return this.#now() - this.#asOf <= this.#intervalMs * 3;
  }

  /** Reads every Datastack entity, page by page; the copy changes only once all are in. */
  async refresh(signal?: AbortSignal): Promise<void> {
    const startedAt = this.#now();
    try {
      const credentials = await this.#auth.getOwnServiceCredentials();
      const next = new Map<string, Entity>();
      let cursor: string | undefined;
      do {
        // The catalog client takes no signal: a run past its timeout stops
        // between two pages, keeping the copy it had.
        signal?.throwIfAborted();
        const page = await this.#catalog.queryEntities(
          cursor
            ? { cursor, limit: PAGE_SIZE }
            : {
                filter: DATASTACK_ANNOTATIONS.map(annotation => ({
                  [`metadata.annotations.${annotation}`]: CATALOG_FILTER_EXISTS,
                })),
                limit: PAGE_SIZE,
              },
          { credentials },
        );
        if (!Array.isArray(page?.items)) {
          throw new Error('the catalog did not answer a list of entities');
        }
        for (const entity of page.items) {
          next.set(refKey(stringifyEntityRef(entity)), entity);
        }
        cursor = page.pageInfo?.nextCursor;
      } while (cursor && next.size < MAX_SNAPSHOT_ENTITIES);
      if (cursor) {
        this.#logger.warn(
          `The catalog holds more than ${MAX_SNAPSHOT_ENTITIES} Datastack entities; the rest are read one by one`,
        );
      }
      const before = this.#entities.size;
      this.#entities = next;
      this.#asOf = startedAt;
      if (this.#failing || next.size !== before) {
        this.#logger.info(
          `The copy of the catalog's Datastack entities holds ${next.size} entities`,
        );
      }
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) {
        this.#logger.warn(
          `Could not read the catalog's Datastack entities; pages read them one by one until it answers: ${
            (error as Error).message
          }`,
        );
      }
      this.#failing = true;
    }
  }
}
