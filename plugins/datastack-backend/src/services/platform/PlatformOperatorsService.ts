import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  ANNOTATION_DATASTACK_OWNER,
  ComponentRegistry,
  LABEL_PLATFORM_OPERATOR,
  PLATFORM_PROJECT,
  PlatformOperatorRow,
  PlatformOperatorsInstance,
  PlatformOperatorsOverview,
} from '@datastack/plugin-datastack-common';
import {
  Application,
  ArgoCdClient,
  ArgoCdCluster,
  ArgoCdRequestError,
} from '@datastack/plugin-datastack-node';
import { z } from 'zod';
import { CachedLoader } from '../CachedLoader';
import type {
  InventoryAnswer,
  LiveInventory,
} from '../inventory/LiveInventory';
import { failureStatus } from '../health/EntityHealthService';
import {
  applicationHealth,
  findOperatorDeployment,
} from '../health/applicationHealth';

/** The cluster Argo CD runs in, as Argo CD names it. */
const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
const IN_CLUSTER_NAME = 'in-cluster';

/**
 * The parts of an Application this service reads. Argo CD's list has no
 * schema of its own on the wire; an item without them is a malformed answer
 * of the instance, not a row.
 */
const applicationShape = z.object({
  metadata: z.object({
    name: z.string().min(1),
    labels: z
      .object({ [LABEL_PLATFORM_OPERATOR]: z.string().min(1) })
      .passthrough(),
  }),
  spec: z.object({
    project: z.string(),
    destination: z
      .object({
        server: z.string().optional(),
        name: z.string().optional(),
        namespace: z.string().optional(),
      })
      .optional(),
  }),
});

export interface PlatformOperatorsServiceOptions {
  clients: ArgoCdClient[];
  registry: ComponentRegistry;
  cache: CacheService;
  logger: LoggerService;
  /** How long an instance's answer is reused, across requests and replicas. */
  cacheTtlMs: number;
  /** How long data-stack rules wait after an Argo CD operation (datastack.health.progressDeadlineMs). */
  progressDeadlineMs?: number;
  /** The live inventory; undefined when `datastack.inventory.enabled` is false. */
  inventory?: LiveInventory;
}

/** How long an instance's cluster names are reused when the operators come from the inventory. */
const CLUSTERS_TTL_MS = 60_000;

/**
 * The platform layer on every Argo CD instance: which operator, which
 * version, on which cluster, healthy or not. Reads the Applications labelled
 * `datastack.io/platform-operator` in the `platform` AppProject (the only
 * project that may install cluster-scoped resources, and one no tenant
 * namespace may use) from every instance in parallel. Each instance's answer
 * is cached like the other Argo CD reads; one that is down, slow or answers
 * garbage is its own row with its state and no operators.
 *
 * With the live inventory, the Applications come from it (no Argo CD call
 * per view; only the cluster names, once a minute), the row carries the
 * inventory's state, and an unreachable instance keeps its operators as
 * last seen.
 */
export class PlatformOperatorsService {
  readonly #clients: ArgoCdClient[];
  readonly #registry: ComponentRegistry;
  readonly #progressDeadlineMs?: number;
  readonly #logger: LoggerService;
  readonly #loader: CachedLoader<PlatformOperatorsInstance>;
  readonly #clusters: CachedLoader<{ items: ArgoCdCluster[] }>;
  readonly #inventory?: LiveInventory;

  static create(
    options: PlatformOperatorsServiceOptions,
  ): PlatformOperatorsService {
    return new PlatformOperatorsService(options);
  }

  private constructor(options: PlatformOperatorsServiceOptions) {
    this.#clients = options.clients;
    this.#registry = options.registry;
    this.#progressDeadlineMs = options.progressDeadlineMs;
    this.#logger = options.logger;
    this.#loader = new CachedLoader({
      cache: options.cache,
      ttlMs: options.cacheTtlMs,
      // Failures are not cached: the next request asks again.
      shouldCache: row => row.status === 'ok',
    });
    this.#clusters = new CachedLoader({
      cache: options.cache,
      ttlMs: CLUSTERS_TTL_MS,
      shouldCache: () => true,
    });
    this.#inventory = options.inventory;
  }

  async list(): Promise<PlatformOperatorsOverview> {
    const instances = await Promise.all(
      this.#clients.map(client => {
        const answer = this.#inventory?.answer(client.name, {
          selector: LABEL_PLATFORM_OPERATOR,
          projects: [PLATFORM_PROJECT],
        });
        if (answer) return this.#fromInventory(client, answer);
        return this.#loader.load(`platform-operators:v1:${client.name}`, () =>
          this.#fetch(client),
        );
      }),
    );
    return { instances };
  }

  /** An instance's operators from the live inventory. */
  async #fromInventory(
    client: ArgoCdClient,
    answer: InventoryAnswer,
  ): Promise<PlatformOperatorsInstance> {
    const { state } = answer;
    const unreachable = state.state === 'unreachable';
    // The cluster names need Argo CD: asked once a minute, and not at all
    // while the instance does not answer (destinations show their server).
    const clusters = unreachable
      ? []
      : (
          await this.#clusters.load(
            `platform-operators:v1:clusters:${client.name}`,
            async () => ({ items: await this.#listClusters(client) }),
          )
        ).items;
    const operators = this.#rows(client, answer.applications, clusters);
    const fetchedAt = state.asOf ?? state.since;
    const base = {
      instance: client.name,
      uiUrl: client.instance.uiUrl,
      fetchedAt,
      operators,
      inventory: state,
    };
    if (!unreachable) return { ...base, status: 'ok' };
    return {
      ...base,
      status: 'unreachable',
      error:
        state.message ?? `Argo CD instance "${client.name}" cannot be listed`,
      ...(operators.length > 0 && { lastKnownAt: fetchedAt }),
    };
  }

  /** Only names server destinations: without it they show their URL. */
  #listClusters(client: ArgoCdClient): Promise<ArgoCdCluster[]> {
    return client.listClusters().catch(error => {
      this.#logger.warn(
        'Argo CD instance did not list its clusters; platform operators show destination servers',
        { instance: client.name, error: (error as Error).message },
      );
      return [] as ArgoCdCluster[];
    });
  }

  #rows(
    client: ArgoCdClient,
    apps: unknown[],
    clusters: ArgoCdCluster[],
  ): PlatformOperatorRow[] {
    const operators = apps
      .map((app, index) => this.#checked(client, app, index))
      .filter(app => app.spec.project === PLATFORM_PROJECT)
      .map(app => this.#row(client, app, clusters));
    operators.sort(
      (a, b) =>
        a.cluster.localeCompare(b.cluster) ||
        a.title.localeCompare(b.title) ||
        a.application.localeCompare(b.application),
    );
    return operators;
  }

  async #fetch(client: ArgoCdClient): Promise<PlatformOperatorsInstance> {
    const fetchedAt = new Date().toISOString();
    const base = {
      instance: client.name,
      uiUrl: client.instance.uiUrl,
      fetchedAt,
    };
    try {
      const [apps, clusters] = await Promise.all([
        client.listApplications({ selector: LABEL_PLATFORM_OPERATOR }),
        this.#listClusters(client),
      ]);
      return {
        ...base,
        status: 'ok',
        operators: this.#rows(client, apps, clusters),
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#logger.warn(
        'Argo CD instance did not answer the platform operators lookup',
        { instance: client.name, error: message },
      );
      return {
        ...base,
        status: failureStatus(error),
        error: message,
        operators: [],
      };
    }
  }

  /** The Application as listed, or a malformed-answer error naming the item. */
  #checked(client: ArgoCdClient, app: unknown, index: number): Application {
    const parsed = applicationShape.safeParse(app);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ArgoCdRequestError({
        instance: client.name,
        failure: 'malformed',
        message: `Argo CD instance "${
          client.name
        }" answered a malformed response for Applications matching "${LABEL_PLATFORM_OPERATOR}": items[${index}].${issue.path.join(
          '.',
        )}: ${issue.message}`,
      });
    }
    return app as Application;
  }

  #row(
    client: ArgoCdClient,
    app: Application,
    clusters: ArgoCdCluster[],
  ): PlatformOperatorRow {
    const componentId = app.metadata.labels![LABEL_PLATFORM_OPERATOR];
    const definition = this.#registry.find(componentId);
    const health = applicationHealth(app, {
      instance: client.name,
      url: client.applicationUrl(app.metadata.name),
      registry: this.#registry,
      progressDeadlineMs: this.#progressDeadlineMs,
    });
    const destination = app.spec.destination ?? {};
    const deployment = definition
      ? findOperatorDeployment(app.status?.resources ?? [], definition)
      : undefined;
    const owner = app.metadata.annotations?.[ANNOTATION_DATASTACK_OWNER];
    return {
      instance: client.name,
      ...clusterOf(destination, clusters),
      componentId,
      title: definition?.operator?.title ?? definition?.title ?? componentId,
      application: app.metadata.name,
      ...(app.metadata.namespace && { appNamespace: app.metadata.namespace }),
      project: app.spec.project,
      ...(health.chart && { chart: health.chart }),
      ...(definition?.chart && { registryVersion: definition.chart.version }),
      ...(destination.namespace && { namespace: destination.namespace }),
      sync: health.sync.status,
      health: health.health.status,
      ...(health.health.message && { healthMessage: health.health.message }),
      status: health.status,
      ...(deployment && {
        operatorDeployment: {
          name: deployment.name,
          ...(deployment.namespace && { namespace: deployment.namespace }),
          available: deployment.health?.status === 'Healthy',
          ...(deployment.health?.status && {
            health: deployment.health.status,
          }),
          ...(deployment.health?.message && {
            message: deployment.health.message,
          }),
        },
      }),
      findings: health.findings,
      url: health.url,
      ...(owner && { owner }),
      ...(health.lastDeployedAt && { lastDeployedAt: health.lastDeployedAt }),
    };
  }
}

/**
 * The destination cluster as the Clusters tab names it: the destination's
 * name, else the name Argo CD gives its server (`in-cluster` for the cluster
 * Argo CD runs in), else the server URL.
 */
function clusterOf(
  destination: { server?: string; name?: string },
  clusters: ArgoCdCluster[],
): { cluster: string; server?: string } {
  const trim = (url: string) => url.replace(/\/+$/, '');
  if (destination.name) {
    const server =
      clusters.find(c => c.name === destination.name)?.server ??
      (destination.name === IN_CLUSTER_NAME ? IN_CLUSTER_SERVER : undefined);
    return { cluster: destination.name, ...(server && { server }) };
  }
  if (!destination.server) return { cluster: 'unknown' };
  const server = trim(destination.server);
  const known = clusters.find(c => trim(c.server) === server)?.name;
  return {
    cluster: known ?? (server === IN_CLUSTER_SERVER ? IN_CLUSTER_NAME : server),
    server,
  };
}
