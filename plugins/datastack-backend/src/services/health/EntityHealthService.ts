import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { CachedLoader, LAST_KNOWN_TTL_MS } from '../CachedLoader';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_PIPELINE,
  ApplicationHealth,
  ArgoCdLookup,
  ClusterWorkloadsRow,
  ComponentRegistry,
  EntityHealth,
  InstanceHealthRow,
  LABEL_COMPONENT,
  LABEL_PIPELINE,
  readArgoCdLookup,
  worstStatus,
} from '@datastack/plugin-datastack-common';
import {
  type Application,
  ArgoCdClient,
  ArgoCdRequestError,
} from '@datastack/plugin-datastack-node';
import { applicationHealth } from './applicationHealth';
import { CustomResourceStatuses } from './CustomResourceStatuses';
import {
  type InventoryAnswer,
  type LiveInventory,
  inventoryQueryOf,
} from '../inventory/LiveInventory';
import { inventoryRow } from '../inventory/inventoryRows';
import { PreparedAnswer, PreparedAnswers } from '../PreparedAnswers';

export interface EntityHealthServiceOptions {
  clients: ArgoCdClient[];
  registry: ComponentRegistry;
  cache: CacheService;
  logger: LoggerService;
  /** How long an instance's answer is reused, across requests and replicas. */
  cacheTtlMs: number;
  /** How long data-stack rules wait after an Argo CD operation (datastack.health.progressDeadlineMs). */
  progressDeadlineMs?: number;
  /** The web page of a commit, where the repository's host is known. */
  commitUrl?: (repoURL: string, sha: string) => string | undefined;
  /** Workloads by label selector in every cluster, for entities Argo CD does not deploy. */
  workloads: (labelSelector: string) => Promise<ClusterWorkloadsRow[]>;
  /** The live inventory; where it answers for an instance, Argo CD is not asked. */
  inventory?: LiveInventory;
}

/** How long a row computed from an unchanged inventory is reused (deadlines move with time). */
const INVENTORY_ROW_REUSE_MS = 1_000;

const ANNOTATION_KUBERNETES_ID = 'backstage.io/kubernetes-id';
const ANNOTATION_KUBERNETES_LABEL_SELECTOR =
  'backstage.io/kubernetes-label-selector';

/** The label selector of an entity that only the Kubernetes plugin annotations describe. */
export function kubernetesSelectorOf(entity: Entity): string | undefined {
  const annotations = entity.metadata.annotations ?? {};
  const selector = annotations[ANNOTATION_KUBERNETES_LABEL_SELECTOR]?.trim();
  if (selector) return selector;
  const id = annotations[ANNOTATION_KUBERNETES_ID]?.trim();
  return id ? `${ANNOTATION_KUBERNETES_ID}=${id}` : undefined;
}

/** `unreachable` for a timeout or a refused connection, `error` otherwise. */
export function failureStatus(error: unknown): 'unreachable' | 'error' {
  return error instanceof ArgoCdRequestError &&
    ['unreachable', 'timeout'].includes(error.failure)
    ? 'unreachable'
    : 'error';
}

/**
 * The Application an entity names with `argocd/app-name`, as a list: empty
 * when the instance does not have it (Argo CD answers 403 for a missing
 * Application unless a project is named, 404 when one is), not an error.
 */
export async function applicationsByName(
  client: ArgoCdClient,
  lookup: ArgoCdLookup,
) {
  try {
    return [
      await client.getApplication(lookup.appName!, {
        appNamespace: lookup.appNamespace,
        project: lookup.project,
      }),
    ];
  } catch (error) {
    if (
      error instanceof ArgoCdRequestError &&
      (error.failure === 'not-found' ||
        (error.failure === 'forbidden' && !lookup.project))
    ) {
      return [];
    }
    throw error;
  }
}

/** True when the entity names Argo CD Applications or a Datastack component. */
function hasDeploymentLookup(entity: Entity): boolean {
  const a = entity.metadata.annotations ?? {};
  return Boolean(
    a['argocd/app-name'] ||
      a['argocd/app-selector'] ||
      a[ANNOTATION_DATASTACK_COMPONENT],
  );
}

/** How to find an entity's Applications: its Argo CD annotations, or its Datastack ones. */
export function lookupOf(entity: Entity): ArgoCdLookup {
  let lookup: ArgoCdLookup | undefined;
  try {
    lookup = readArgoCdLookup(entity);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
  if (lookup) return lookup;
  const annotations = entity.metadata.annotations ?? {};
  const component = annotations[ANNOTATION_DATASTACK_COMPONENT];
  const pipeline = annotations[ANNOTATION_DATASTACK_PIPELINE];
  if (component) {
    return {
      selector: pipeline
        ? `${LABEL_PIPELINE}=${pipeline},${LABEL_COMPONENT}=${component}`
        : `${LABEL_COMPONENT}=${component}`,
      instances: [],
    };
  }
  throw new NotFoundError(
    `${stringifyEntityRef(
      entity,
    )} has no argocd/app-name, argocd/app-selector or datastack.io/component annotation`,
  );
}

/**
 * The deployment health of an entity, from every Argo CD instance that
 * deploys it, asked in parallel. Each instance's answer is cached for a short
 * time in the cache service (so replicas share it) and concurrent identical
 * lookups share one upstream call. An instance that is down, slow or answers
 * garbage degrades only its own row.
 */
export class EntityHealthService {
  readonly #clients: Map<string, ArgoCdClient>;
  readonly #registry: ComponentRegistry;
  readonly #logger: LoggerService;
  readonly #loader: CachedLoader<InstanceHealthRow>;
  /** Git revision metadata: a revision never changes, so a day. */
  readonly #revisions: CachedLoader<RevisionMetadata>;
  readonly #workloads: EntityHealthServiceOptions['workloads'];
  readonly #commitUrl: EntityHealthServiceOptions['commitUrl'];
  readonly #progressDeadlineMs?: number;
  readonly #inventory?: LiveInventory;
  readonly #customResources: CustomResourceStatuses;
  /** Rows computed from the inventory, per lookup, with the version they were computed at. */
  readonly #inventoryRows = new Map<
    string,
    { version: number; at: number; row: Promise<InstanceHealthRow> }
  >();
  /** Whole answers, serialised, per entity and inventory generation. */
  readonly #prepared = new PreparedAnswers({
    maxAgeMs: INVENTORY_ROW_REUSE_MS,
  });

  static create(options: EntityHealthServiceOptions): EntityHealthService {
    return new EntityHealthService(options);
  }

  private constructor(options: EntityHealthServiceOptions) {
    this.#clients = new Map(options.clients.map(c => [c.name, c]));
    this.#registry = options.registry;
    this.#logger = options.logger;
    this.#workloads = options.workloads;
    this.#commitUrl = options.commitUrl;
    this.#progressDeadlineMs = options.progressDeadlineMs;
    this.#inventory = options.inventory;
    this.#loader = new CachedLoader({
      cache: options.cache,
      ttlMs: options.cacheTtlMs,
      // Failures are not cached: the next request asks again.
      shouldCache: row => row.status === 'ok',
      lastKnownTtlMs: LAST_KNOWN_TTL_MS,
    });
    this.#customResources = new CustomResourceStatuses({
      cache: options.cache,
      logger: options.logger,
    });
    this.#revisions = new CachedLoader({
      cache: options.cache,
      ttlMs: 24 * 60 * 60 * 1000,
      shouldCache: meta => meta.read,
    });
  }

  async forEntity(entity: Entity): Promise<EntityHealth> {
    const kubernetesSelector = kubernetesSelectorOf(entity);
    if (!hasDeploymentLookup(entity) && kubernetesSelector) {
      // Argo CD is not the source: the workloads, from the clusters.
      const clusters = await this.#workloads(kubernetesSelector);
      return {
        entityRef: stringifyEntityRef(entity),
        lookup: `kubernetes ${kubernetesSelector}`,
        rows: [],
        clusters,
        status: worstStatus(
          clusters.flatMap(c =>
            c.status === 'ok' ? c.workloads.map(w => w.status) : [c.status],
          ),
        ),
      };
    }
    const lookup = lookupOf(entity);
    const names = lookup.instances.length
      ? lookup.instances
      : [...this.#clients.keys()];
    const rows = await Promise.all(names.map(name => this.#row(name, lookup)));
    return {
      entityRef: stringifyEntityRef(entity),
      lookup: lookup.appName
        ? `app-name ${lookup.appName}`
        : `selector ${lookup.selector}`,
      rows,
      status: worstStatus(
        rows.flatMap(r =>
          r.status === 'ok' ? r.applications.map(a => a.status) : [r.status],
        ),
      ),
    };
  }

  /**
   * {@link EntityHealthService.forEntity}, serialised once for every caller
   * who asks within a second while neither the entity nor the inventory
   * changed. The answer depends on the entity alone, not on who asks; each
   * caller's permission check runs before.
   */
  prepared(entity: Entity): Promise<PreparedAnswer> {
    const etag = entity.metadata.etag;
    // Without the catalog's etag a changed entity could not be told apart.
    if (!etag) return this.forEntity(entity).then(v => new PreparedAnswer(v));
    const key = `${stringifyEntityRef(entity)}\0${etag}\0${
      this.#inventory?.generation ?? ''
    }`;
    return this.#prepared.get(key, () => this.forEntity(entity));
  }

  /** The cache key of one instance's answer to one lookup. */
  static keyOf(instance: string, lookup: ArgoCdLookup): string {
    return `health:v1:${instance}:${lookup.appNamespace ?? ''}:${
      lookup.appName ? `name=${lookup.appName}` : `selector=${lookup.selector}`
    }:${lookup.project ?? ''}`;
  }

  /** The client of a configured instance; NotFoundError naming it otherwise. */
  client(instance: string): ArgoCdClient {
    const client = this.#clients.get(instance);
    if (!client) {
      throw new NotFoundError(
        `Argo CD instance "${instance}" is not configured`,
      );
    }
    return client;
  }

  /** Forgets the cached answers of an entity, after a sync or a refresh. */
  async invalidate(entity: Entity): Promise<void> {
    this.#prepared.forget(`${stringifyEntityRef(entity)}\0`);
    const lookup = lookupOf(entity);
    const names = lookup.instances.length
      ? lookup.instances
      : [...this.#clients.keys()];
    await Promise.all(
      names.map(name =>
        this.#loader.invalidate(EntityHealthService.keyOf(name, lookup)),
      ),
    );
  }

  #row(instance: string, lookup: ArgoCdLookup): Promise<InstanceHealthRow> {
    const client = this.#clients.get(instance);
    if (!client) {
      return Promise.resolve({
        instance,
        status: 'error',
        error: `Argo CD instance "${instance}" (from argocd/instance-name) is not configured`,
        applications: [],
        fetchedAt: new Date().toISOString(),
      });
    }
    const key = EntityHealthService.keyOf(instance, lookup);
    const answer = this.#inventory?.answer(instance, inventoryQueryOf(lookup));
    if (answer) return this.#fromInventory(client, lookup, key, answer);
    return this.#loader
      .load(key, () => this.#fetch(client, lookup))
      .then(async row => {
        if (row.status === 'ok') return row;
        // The instance did not answer: keep its Applications in view, as
        // they were when it last did.
        const last = await this.#loader.lastKnown(key);
        return last?.applications.length
          ? {
              ...row,
              lastKnown: {
                fetchedAt: last.fetchedAt,
                applications: last.applications,
              },
            }
          : row;
      });
  }

  /**
   * The row of a lookup from the live inventory: no call to Argo CD. Rows
   * are reused while the instance's projection is unchanged, for a second
   * at most (a progress deadline may pass meanwhile).
   */
  #fromInventory(
    client: ArgoCdClient,
    lookup: ArgoCdLookup,
    key: string,
    answer: InventoryAnswer,
  ): Promise<InstanceHealthRow> {
    const now = Date.now();
    const memo = this.#inventoryRows.get(key);
    if (
      memo &&
      memo.version === answer.version &&
      now - memo.at < INVENTORY_ROW_REUSE_MS
    ) {
      return memo.row;
    }
    const row = Promise.all(
      answer.applications.map(app =>
        this.#detailed(
          client,
          app,
          applicationHealth(app, {
            instance: client.name,
            url: client.applicationUrl(app.metadata.name, lookup.appNamespace),
            registry: this.#registry,
            commitUrl: this.#commitUrl,
            progressDeadlineMs: this.#progressDeadlineMs,
            detail: true,
          }),
        ),
      ),
    ).then(applications =>
      inventoryRow(client.name, answer.state, applications),
    );
    if (this.#inventoryRows.size > 10_000) this.#inventoryRows.clear();
    this.#inventoryRows.set(key, { version: answer.version, at: now, row });
    row.catch(() => this.#inventoryRows.delete(key));
    return row;
  }

  async #fetch(
    client: ArgoCdClient,
    lookup: ArgoCdLookup,
  ): Promise<InstanceHealthRow> {
    const instance = client.name;
    const fetchedAt = new Date().toISOString();
    try {
      const apps = lookup.appName
        ? await applicationsByName(client, lookup)
        : await client.listApplications({
            selector: lookup.selector,
            appNamespace: lookup.appNamespace,
            projects: lookup.project ? [lookup.project] : undefined,
          });
      const applications: ApplicationHealth[] = await Promise.all(
        apps.map(app =>
          this.#detailed(
            client,
            app,
            applicationHealth(app, {
              instance,
              url: client.applicationUrl(
                app.metadata.name,
                lookup.appNamespace,
              ),
              registry: this.#registry,
              commitUrl: this.#commitUrl,
              progressDeadlineMs: this.#progressDeadlineMs,
              detail: true,
            }),
          ),
        ),
      );
      return { instance, status: 'ok', applications, fetchedAt };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#logger.warn('Argo CD instance did not answer a health lookup', {
        instance,
        error: message,
      });
      return {
        instance,
        status: failureStatus(error),
        error: message,
        applications: [],
        fetchedAt,
      };
    }
  }

  /**
   * The author, message and time of each listed deployment's Git revision,
   * from Argo CD's revision metadata (cached a day per revision). A revision
   * Argo CD cannot describe keeps its row without them.
   */
  /** The entity view's extras: each deployment's commit, and the unwell custom resources' own status. */
  async #detailed(
    client: ArgoCdClient,
    app: Application,
    health: ApplicationHealth,
  ): Promise<ApplicationHealth> {
    return this.#customResources.withReadings(
      client,
      app,
      await this.#withRevisionMetadata(client, app, health),
    );
  }

  async #withRevisionMetadata(
    client: ArgoCdClient,
    app: Application,
    health: ApplicationHealth,
  ): Promise<ApplicationHealth> {
    if (!health.history?.length) return health;
    const sources = app.spec.sources;
    const gitAt = sources ? sources.findIndex(s => !s.chart) : undefined;
    const history = await Promise.all(
      health.history.map(async record => {
        if (!record.revision) return record;
        const key = `revision:v1:${client.name}:${
          app.metadata.namespace ?? ''
        }:${app.metadata.name}:${record.revision}`;
        const meta = await this.#revisions.load(key, async () => {
          try {
            return {
              read: true,
              ...(await client.getRevisionMetadata(
                app.metadata.name,
                record.revision!,
                {
                  appNamespace: app.metadata.namespace,
                  project: app.spec.project,
                  ...(sources &&
                    gitAt !== undefined &&
                    gitAt >= 0 && { sourceIndex: gitAt, versionId: record.id }),
                },
              )),
            };
          } catch (error) {
            this.#logger.debug('Argo CD could not describe a revision', {
              instance: client.name,
              application: app.metadata.name,
              revision: record.revision,
              error: error instanceof Error ? error.message : String(error),
            });
            return { read: false };
          }
        });
        return {
          ...record,
          ...(meta.author && { author: meta.author }),
          ...(meta.message && { message: meta.message }),
          ...(meta.date && { committedAt: meta.date }),
        };
      }),
    );
    return { ...health, history };
  }
}

/** What Argo CD said of one Git revision; `read` false when it could not say. */
interface RevisionMetadata {
  read: boolean;
  author?: string;
  date?: string;
  message?: string;
}
