import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import {
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_PIPELINE,
  ApplicationHealth,
  ArgoCdLookup,
  ComponentRegistry,
  EntityHealth,
  InstanceHealthRow,
  LABEL_COMPONENT,
  LABEL_PIPELINE,
  readArgoCdLookup,
  worstStatus,
} from '@datastack/plugin-datastack-common';
import {
  ArgoCdClient,
  ArgoCdRequestError,
} from '@datastack/plugin-datastack-node';
import { applicationHealth } from './applicationHealth';

export interface EntityHealthServiceOptions {
  clients: ArgoCdClient[];
  registry: ComponentRegistry;
  cache: CacheService;
  logger: LoggerService;
  /** How long an instance's answer is reused, across requests and replicas. */
  cacheTtlMs: number;
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
  readonly #cache: CacheService;
  readonly #logger: LoggerService;
  readonly #ttl: number;
  readonly #inFlight = new Map<string, Promise<InstanceHealthRow>>();

  static create(options: EntityHealthServiceOptions): EntityHealthService {
    return new EntityHealthService(options);
  }

  private constructor(options: EntityHealthServiceOptions) {
    this.#clients = new Map(options.clients.map(c => [c.name, c]));
    this.#registry = options.registry;
    this.#cache = options.cache;
    this.#logger = options.logger;
    this.#ttl = options.cacheTtlMs;
  }

  async forEntity(entity: Entity): Promise<EntityHealth> {
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

  #row(instance: string, lookup: ArgoCdLookup): Promise<InstanceHealthRow> {
    const key = `health:v1:${instance}:${lookup.appNamespace ?? ''}:${
      lookup.appName ? `name=${lookup.appName}` : `selector=${lookup.selector}`
    }:${lookup.project ?? ''}`;
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const promise = this.#load(key, instance, lookup).finally(() =>
      this.#inFlight.delete(key),
    );
    this.#inFlight.set(key, promise);
    return promise;
  }

  async #load(
    key: string,
    instance: string,
    lookup: ArgoCdLookup,
  ): Promise<InstanceHealthRow> {
    const client = this.#clients.get(instance);
    const fetchedAt = new Date().toISOString();
    if (!client) {
      return {
        instance,
        status: 'error',
        error: `Argo CD instance "${instance}" (from argocd/instance-name) is not configured`,
        applications: [],
        fetchedAt,
      };
    }
    // The cache holds JSON; the row is plain JSON by construction.
    const cached = (await this.#cache.get(key).catch(() => undefined)) as
      | InstanceHealthRow
      | undefined;
    if (cached) return cached;
    let row: InstanceHealthRow;
    try {
      const apps = lookup.appName
        ? await this.#byName(client, lookup)
        : await client.listApplications({
            selector: lookup.selector,
            appNamespace: lookup.appNamespace,
            projects: lookup.project ? [lookup.project] : undefined,
          });
      const applications: ApplicationHealth[] = apps.map(app =>
        applicationHealth(app, {
          instance,
          url: client.applicationUrl(app.metadata.name, lookup.appNamespace),
          registry: this.#registry,
        }),
      );
      row = { instance, status: 'ok', applications, fetchedAt };
    } catch (error) {
      const unreachable =
        error instanceof ArgoCdRequestError &&
        ['unreachable', 'timeout'].includes(error.failure);
      const message = error instanceof Error ? error.message : String(error);
      this.#logger.warn('Argo CD instance did not answer a health lookup', {
        instance,
        error: message,
      });
      // Failures are not cached: the next request asks again.
      return {
        instance,
        status: unreachable ? 'unreachable' : 'error',
        error: message,
        applications: [],
        fetchedAt,
      };
    }
    await this.#cache
      .set(key, row as unknown as JsonObject, { ttl: this.#ttl })
      .catch(() => {});
    return row;
  }

  /** An app named by `argocd/app-name`: absent on an instance is an empty row, not an error. */
  async #byName(client: ArgoCdClient, lookup: ArgoCdLookup) {
    try {
      return [
        await client.getApplication(lookup.appName!, {
          appNamespace: lookup.appNamespace,
          project: lookup.project,
        }),
      ];
    } catch (error) {
      // Argo CD answers 403 for a missing app unless a project is named, 404 when it is.
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
}
