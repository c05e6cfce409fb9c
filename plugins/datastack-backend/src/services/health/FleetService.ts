import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  ComponentRegistry,
  FleetPage,
  FleetRow,
  LABEL_COMPONENT,
  LABEL_ENVIRONMENT,
  LABEL_PIPELINE,
  RollupStatus,
} from '@datastack/plugin-datastack-common';
import type {
  Application,
  ArgoCdClient,
} from '@datastack/plugin-datastack-node';
import type { InventoryState } from '@datastack/plugin-datastack-common';
import type { LiveInventory } from '../inventory/LiveInventory';
import { applicationKey } from '../inventory/projection';
import { CachedLoader, LAST_KNOWN_TTL_MS } from '../CachedLoader';
import { applicationHealth } from './applicationHealth';
import { failureStatus } from './EntityHealthService';

interface InstanceFleet {
  instance: string;
  status: 'ok' | 'unreachable' | 'error';
  error?: string;
  fetchedAt: string;
  /** When the rows are the last known ones of a failed instance: when they were read. */
  lastKnownAt?: string;
  /** When the rows came from the live inventory: its state. */
  inventory?: InventoryState;
  rows: FleetRow[];
}

/** How often at most the rows are rebuilt from the inventory after it changed. */
const WARM_INTERVAL_MS = 1_000;
/** How long after a page the rows keep following the inventory. */
const WARM_WHILE_VIEWED_MS = 10 * 60_000;

/** One Application's fleet row, kept while its resourceVersion is the same and no deadline passed. */
interface RowMemo {
  resourceVersion?: string;
  validUntil: number;
  row: FleetRow;
}

export interface FleetQuery {
  offset: number;
  limit: number;
  component?: string;
  environment?: string;
  pipeline?: string;
  status?: RollupStatus;
  /** An owner entity ref (`group:default/team-a`), as the component entities name it. */
  owner?: string;
}

/** The catalog entity of each pipeline component, by `<pipeline>/<component>`. */
export type FleetOwners = () => Promise<
  Map<string, { entityRef: string; owner?: string }>
>;

/**
 * Every data-stack component × environment across every Argo CD instance:
 * the Applications that carry the `datastack.io/component` label. Each
 * instance's list is cached like entity health; pages are cut from the
 * cached rows, so a warm page costs no upstream call.
 */
export class FleetService {
  readonly #clients: ArgoCdClient[];
  readonly #registry: ComponentRegistry;
  readonly #progressDeadlineMs?: number;
  readonly #logger: LoggerService;
  readonly #loader: CachedLoader<InstanceFleet>;
  readonly #owners?: FleetOwners;
  /** The last ordering of the rows, reused while every instance's list is the same object. */
  #order?: { fleets: InstanceFleet[]; rows: FleetRow[] };
  readonly #inventory?: LiveInventory;
  /** Per instance: the fleet last built from the inventory, and each Application's row. */
  readonly #fromInventory = new Map<
    string,
    {
      version: number;
      validUntil: number;
      fleet: InstanceFleet;
      rows: Map<string, RowMemo>;
    }
  >();
  #warmTimer?: NodeJS.Timeout;
  #warmedOnce = false;
  #lastPageAt = -Infinity;
  /** A failed instance's last known rows, while it keeps failing the same way. */
  readonly #failed = new Map<
    string,
    { failure?: string; fleet: InstanceFleet }
  >();

  static create(options: {
    clients: ArgoCdClient[];
    registry: ComponentRegistry;
    cache: CacheService;
    logger: LoggerService;
    cacheTtlMs: number;
    /** How long data-stack rules wait after an Argo CD operation (datastack.health.progressDeadlineMs). */
    progressDeadlineMs?: number;
    owners?: FleetOwners;
    inventory?: LiveInventory;
  }): FleetService {
    return new FleetService(options);
  }

  private constructor(options: {
    clients: ArgoCdClient[];
    registry: ComponentRegistry;
    cache: CacheService;
    logger: LoggerService;
    cacheTtlMs: number;
    /** How long data-stack rules wait after an Argo CD operation (datastack.health.progressDeadlineMs). */
    progressDeadlineMs?: number;
    owners?: FleetOwners;
    inventory?: LiveInventory;
  }) {
    this.#owners = options.owners;
    this.#inventory = options.inventory;
    this.#clients = options.clients;
    this.#registry = options.registry;
    this.#progressDeadlineMs = options.progressDeadlineMs;
    this.#logger = options.logger;
    this.#loader = new CachedLoader({
      cache: options.cache,
      ttlMs: options.cacheTtlMs,
      shouldCache: fleet => fleet.status === 'ok',
      lastKnownTtlMs: LAST_KNOWN_TTL_MS,
    });
    // The rows follow the inventory in the background, at most once per
    // WARM_INTERVAL_MS, until every instance is first built and then while
    // the fleet is viewed: a page, the first one after a fresh list of
    // 50,000 included, finds them built and ordered instead of building them.
    options.inventory?.onChange(() => {
      if (this.#warmTimer) return;
      // After the first complete build, only while someone looks: an idle
      // fleet page costs nothing per change.
      if (
        this.#warmedOnce &&
        Date.now() - this.#lastPageAt > WARM_WHILE_VIEWED_MS
      ) {
        return;
      }
      this.#warmTimer = setTimeout(() => {
        this.#warmTimer = undefined;
        this.#warm();
      }, WARM_INTERVAL_MS);
      this.#warmTimer.unref?.();
    });
  }

  /**
   * Builds what changed of each instance's rows from the inventory, and
   * their order once every instance has rows.
   */
  #warm(): void {
    try {
      const fleets: InstanceFleet[] = [];
      for (const client of this.#clients) {
        const answer = this.#inventory?.answer(client.name, {
          selector: LABEL_COMPONENT,
        });
        // An instance the inventory cannot answer for yet (still listing,
        // or never) is left to the page.
        if (answer) fleets.push(this.#inventoryFleet(client, answer));
      }
      if (fleets.length === this.#clients.length) {
        this.#ordered(fleets);
        this.#warmedOnce = true;
      }
    } catch (error) {
      this.#logger.warn('Fleet rows could not be built from the inventory', {
        error: (error as Error).message,
      });
    }
  }

  /**
   * One instance's rows; when it does not answer, its rows as it last
   * answered, each marked with the instance's failure and what it was
   * then, so the fleet keeps them in place and the status filter finds them.
   */
  async #instance(client: ArgoCdClient): Promise<InstanceFleet> {
    const answer = this.#inventory?.answer(client.name, {
      selector: LABEL_COMPONENT,
    });
    if (answer) return this.#inventoryFleet(client, answer);
    const key = `fleet:v2:${client.name}`;
    const fleet = await this.#loader.load(key, () => this.#fetch(client));
    if (fleet.status === 'ok') return fleet;
    const memo = this.#failed.get(client.name);
    if (memo && memo.failure === fleet.error) return memo.fleet;
    const last = await this.#loader.lastKnown(key);
    if (!last?.rows.length) return fleet;
    const failed = fleet.status;
    const kept: InstanceFleet = {
      ...fleet,
      lastKnownAt: last.fetchedAt,
      rows: last.rows.map(r => ({
        ...r,
        status: failed,
        lastKnown: { status: r.status, fetchedAt: last.fetchedAt },
      })),
    };
    // The same failure gives the same rows object, so the order is kept too.
    this.#failed.set(client.name, { failure: fleet.error, fleet: kept });
    return kept;
  }

  async page(query: FleetQuery): Promise<FleetPage> {
    this.#lastPageAt = Date.now();
    const fleets = await Promise.all(
      this.#clients.map(client => this.#instance(client)),
    );
    for (const f of fleets) {
      if (f.status === 'ok') this.#failed.delete(f.instance);
    }
    const owners = this.#owners
      ? await this.#owners().catch(error => {
          // The catalog is not the source of the fleet: rows come without owners.
          this.#logger.warn('Fleet owners unavailable from the catalog', {
            error: (error as Error).message,
          });
          return new Map<string, { entityRef: string; owner?: string }>();
        })
      : new Map<string, { entityRef: string; owner?: string }>();
    const entityOf = (r: FleetRow) =>
      owners.get(`${r.pipeline ?? ''}/${r.component}`);
    const matching = this.#ordered(fleets).filter(
      r =>
        (!query.component || r.component === query.component) &&
        (!query.environment || r.environment === query.environment) &&
        (!query.pipeline || r.pipeline === query.pipeline) &&
        (!query.status || r.status === query.status) &&
        (!query.owner || entityOf(r)?.owner === query.owner),
    );
    return {
      // Rows are shared with the cache: the page gets copies with the entity.
      items: matching.slice(query.offset, query.offset + query.limit).map(r => {
        const entity = entityOf(r);
        return entity
          ? {
              ...r,
              entityRef: entity.entityRef,
              ...(entity.owner && { owner: entity.owner }),
            }
          : r;
      }),
      total: matching.length,
      offset: query.offset,
      limit: query.limit,
      instances: fleets.map(({ rows: _rows, ...state }) => state),
    };
  }

  /**
   * Every instance's rows in one order, by pipeline, component and
   * environment, so that a component's environments sit together on a page
   * (the fleet view compares their versions). Sorted once per change of any
   * instance's list, not per request.
   */
  #ordered(fleets: InstanceFleet[]): FleetRow[] {
    const last = this.#order;
    if (
      last &&
      last.fleets.length === fleets.length &&
      last.fleets.every((f, i) => f === fleets[i])
    ) {
      return last.rows;
    }
    const rows = fleets.flatMap(f => f.rows).sort(fleetOrder);
    this.#order = { fleets, rows };
    return rows;
  }

  /**
   * An instance's fleet from the live inventory, rebuilt only when its
   * projection changed or a progress deadline passed; an Application's row
   * is recomputed only when its resourceVersion changed.
   */
  #inventoryFleet(
    client: ArgoCdClient,
    answer: NonNullable<ReturnType<LiveInventory['answer']>>,
  ): InstanceFleet {
    const now = Date.now();
    const memo = this.#fromInventory.get(client.name);
    if (memo && memo.version === answer.version && now < memo.validUntil) {
      return memo.fleet;
    }
    const previous = memo?.rows ?? new Map<string, RowMemo>();
    const rowsByKey = new Map<string, RowMemo>();
    let validUntil = Infinity;
    for (const app of answer.applications) {
      const key = applicationKey(app);
      const rv = app.metadata.resourceVersion;
      let entry = previous.get(key);
      if (!entry || entry.resourceVersion !== rv || now >= entry.validUntil) {
        const { row, settlingUntil } = this.#row(client, app);
        entry = {
          resourceVersion: rv,
          validUntil: settlingUntil ?? Infinity,
          row,
        };
      }
      validUntil = Math.min(validUntil, entry.validUntil);
      rowsByKey.set(key, entry);
    }
    const rows = [...rowsByKey.values()].map(e => e.row);
    const state = answer.state;
    const fleet: InstanceFleet =
      state.state === 'unreachable'
        ? {
            instance: client.name,
            status: 'unreachable',
            error: state.message,
            fetchedAt: state.since,
            lastKnownAt: state.asOf,
            inventory: state,
            rows: rows.map(r => ({
              ...r,
              status: 'unreachable',
              lastKnown: {
                status: r.status,
                fetchedAt: state.asOf ?? state.since,
              },
            })),
          }
        : {
            instance: client.name,
            status: 'ok',
            fetchedAt: state.asOf ?? state.since,
            inventory: state,
            rows,
          };
    this.#fromInventory.set(client.name, {
      version: answer.version,
      validUntil,
      fleet,
      rows: rowsByKey,
    });
    return fleet;
  }

  /** One Application's fleet row, and until when it holds (a settling one's deadline). */
  #row(
    client: ArgoCdClient,
    app: Application,
  ): { row: FleetRow; settlingUntil?: number } {
    const health = applicationHealth(app, {
      instance: client.name,
      url: client.applicationUrl(app.metadata.name),
      registry: this.#registry,
      progressDeadlineMs: this.#progressDeadlineMs,
    });
    const labels = app.metadata.labels ?? {};
    return {
      row: {
        component: labels[LABEL_COMPONENT],
        pipeline: labels[LABEL_PIPELINE],
        environment: labels[LABEL_ENVIRONMENT],
        instance: client.name,
        application: app.metadata.name,
        url: health.url,
        status: health.status,
        sync: health.sync.status,
        health: health.health.status,
        version: health.chart?.version,
        ...(!health.chart &&
          health.sync.revision && { revision: health.sync.revision }),
        lastDeployedAt: health.lastDeployedAt,
      },
      ...(health.settling && {
        settlingUntil: Date.parse(health.settling.until),
      }),
    };
  }

  async #fetch(client: ArgoCdClient): Promise<InstanceFleet> {
    const fetchedAt = new Date().toISOString();
    try {
      const apps = await client.listApplications({ selector: LABEL_COMPONENT });
      const rows = apps.map(app => this.#row(client, app).row);
      return { instance: client.name, status: 'ok', fetchedAt, rows };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#logger.warn('Argo CD instance did not answer the fleet lookup', {
        instance: client.name,
        error: message,
      });
      return {
        instance: client.name,
        status: failureStatus(error),
        error: message,
        fetchedAt,
        rows: [],
      };
    }
  }
}

/** Ordinal, not locale: names are DNS labels, and 50,000 rows sort in a few ms. */
function ordinal(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/**
 * The fleet's order: by pipeline (rows of no pipeline last), component,
 * environment, instance and Application. Compared field by field: a joined
 * key per row sorted about five times slower.
 */
function fleetOrder(a: FleetRow, b: FleetRow): number {
  return (
    Number(a.pipeline === undefined) - Number(b.pipeline === undefined) ||
    ordinal(a.pipeline ?? '', b.pipeline ?? '') ||
    ordinal(a.component, b.component) ||
    ordinal(a.environment ?? '', b.environment ?? '') ||
    ordinal(a.instance, b.instance) ||
    ordinal(a.application, b.application)
  );
}
