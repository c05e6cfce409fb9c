import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  ArgoCdLookup,
  ClusterHealth,
  ComponentRegistry,
  DeployedComponent,
  LABEL_COMPONENT,
  LABEL_ENVIRONMENT,
  LABEL_PIPELINE,
  UpstreamFailure,
} from '@datastack/plugin-datastack-common';
import {
  Application,
  ApplicationSource,
  ArgoCdClient,
} from '@datastack/plugin-datastack-node';
import {
  type InventoryAnswer,
  type LiveInventory,
  inventoryQueryOf,
} from '../inventory/LiveInventory';
import { CachedLoader } from '../CachedLoader';
import {
  applicationsByName,
  failureStatus,
} from '../health/EntityHealthService';

/** A values file of the GitOps repository that an Application's chart reads. */
export interface ValuesFileRef {
  repoURL: string;
  revision: string;
  path: string;
}

/** One Application deploying a data-stack component, as the upgrade checks read it. */
export interface Deployment extends DeployedComponent {
  /** The registry component, from the Application's label or its chart. */
  componentId?: string;
  pipeline?: string;
  /** The user's values: files of the GitOps repository, and inline values. */
  valueFiles: ValuesFileRef[];
  inlineValues?: { values?: string; valuesObject?: Record<string, unknown> };
}

/** Every deployment an instance answered, or why it could not. */
interface InstanceDeployments {
  instance: string;
  status: 'ok' | 'unreachable' | 'error';
  error?: string;
  deployments: Deployment[];
  /** An unreachable instance's Applications as the live inventory last saw them. */
  lastKnown?: { fetchedAt: string; deployments: Deployment[] };
}

/** What deployments and failures a lookup found over every instance. */
export interface DeploymentsAnswer {
  deployments: Deployment[];
  failures: UpstreamFailure[];
  /**
   * The deployments of instances that did not answer, as they last did
   * (each with `lastKnown`); shown, never checked.
   */
  lastKnown: Deployment[];
}

/** The Helm chart source of an Application: `source`, or the first of `sources` with a chart. */
function chartSource(app: Application): ApplicationSource | undefined {
  if (app.spec.source?.chart) return app.spec.source;
  return app.spec.sources?.find(s => s.chart);
}

/** `$ref/path` value files resolved against the `ref` sources of a multi-source Application. */
function valueFilesOf(
  app: Application,
  source: ApplicationSource | undefined,
): ValuesFileRef[] {
  const refs = new Map(
    (app.spec.sources ?? []).filter(s => s.ref).map(s => [s.ref!, s] as const),
  );
  return (source?.helm?.valueFiles ?? []).flatMap(file => {
    const match = /^\$([^/]+)\/(.+)$/.exec(file);
    const ref = match && refs.get(match[1]);
    return ref
      ? [
          {
            repoURL: ref.repoURL,
            revision: ref.targetRevision || 'HEAD',
            path: match![2],
          },
        ]
      : [];
  });
}

const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/**
 * The Argo CD destination's name, or its server URL where it has no name.
 * Every instance has its own `in-cluster` (the cluster Argo CD runs in), so
 * that one is named after the instance: `dev/in-cluster`.
 */
function destinationOf(instance: string, app: Application): string {
  const { name, server } = app.spec.destination;
  if (name === 'in-cluster' || (!name && server === IN_CLUSTER_SERVER)) {
    return `${instance}/in-cluster`;
  }
  return name || server || '';
}

/**
 * The deployments of data-stack components, read from every Argo CD instance
 * with the per-call timeout: the Applications of an entity's lookup, or
 * every Application with a `datastack.io/component` label for pipeline and
 * fleet plans, each with its destination cluster's Kubernetes version (Argo
 * CD's cluster list, or Backstage's `kubernetes` clusters where they name the
 * same server) and its live group/version/kind inventory. Answers are cached
 * like the health views; an instance that fails is its own row.
 */
export class DeploymentInventory {
  readonly #clients: Map<string, ArgoCdClient>;
  readonly #registry: ComponentRegistry;
  readonly #logger: LoggerService;
  readonly #loader: CachedLoader<InstanceDeployments>;
  readonly #clusters: CachedLoader<{ items: Array<[string, string]> }>;
  readonly #kubernetesClusters: () => Promise<ClusterHealth[]>;
  readonly #inventory?: LiveInventory;

  static create(options: {
    clients: ArgoCdClient[];
    registry: ComponentRegistry;
    cache: CacheService;
    logger: LoggerService;
    cacheTtlMs: number;
    kubernetesClusters: () => Promise<ClusterHealth[]>;
    inventory?: LiveInventory;
  }): DeploymentInventory {
    return new DeploymentInventory(options);
  }

  private constructor(options: {
    clients: ArgoCdClient[];
    registry: ComponentRegistry;
    cache: CacheService;
    logger: LoggerService;
    cacheTtlMs: number;
    kubernetesClusters: () => Promise<ClusterHealth[]>;
    inventory?: LiveInventory;
  }) {
    this.#inventory = options.inventory;
    this.#clients = new Map(options.clients.map(c => [c.name, c]));
    this.#registry = options.registry;
    this.#logger = options.logger;
    this.#kubernetesClusters = options.kubernetesClusters;
    this.#loader = new CachedLoader({
      cache: options.cache,
      ttlMs: options.cacheTtlMs,
      shouldCache: row => row.status === 'ok',
    });
    // Cluster versions change with a cluster upgrade: a minute is fresh enough.
    this.#clusters = new CachedLoader({
      cache: options.cache,
      ttlMs: 60_000,
      shouldCache: () => true,
    });
  }

  /** The deployments of one entity's lookup. */
  forLookup(lookup: ArgoCdLookup): Promise<DeploymentsAnswer> {
    const names = lookup.instances.length
      ? lookup.instances
      : [...this.#clients.keys()];
    return this.#collect(names, lookup);
  }

  /** Every Application carrying a `datastack.io/component` label, on every instance. */
  all(): Promise<DeploymentsAnswer> {
    return this.#collect([...this.#clients.keys()], {
      selector: LABEL_COMPONENT,
      instances: [],
    });
  }

  async #collect(
    names: string[],
    lookup: ArgoCdLookup,
  ): Promise<DeploymentsAnswer> {
    const rows = await Promise.all(
      names.map(name => {
        const client = this.#clients.get(name);
        if (!client) {
          return Promise.resolve<InstanceDeployments>({
            instance: name,
            status: 'error',
            error: `Argo CD instance "${name}" (from argocd/instance-name) is not configured`,
            deployments: [],
          });
        }
        const key = `upgrades:v1:deployments:${name}:${
          lookup.appNamespace ?? ''
        }:${
          lookup.appName
            ? `name=${lookup.appName}`
            : `selector=${lookup.selector}`
        }:${lookup.project ?? ''}`;
        const answer = this.#inventory?.answer(name, inventoryQueryOf(lookup));
        if (answer) return this.#fromInventory(client, answer);
        return this.#loader.load(key, () => this.#fetch(client, lookup));
      }),
    );
    return {
      deployments: rows.flatMap(r => r.deployments),
      failures: rows.flatMap(r =>
        r.status === 'ok'
          ? []
          : [
              {
                instance: r.instance,
                status: r.status,
                error: r.error ?? '',
                ...(r.lastKnown && { lastKnownAt: r.lastKnown.fetchedAt }),
              },
            ],
      ),
      lastKnown: rows.flatMap(({ status, lastKnown }) =>
        status !== 'ok' && lastKnown
          ? lastKnown.deployments.map(d => ({
              ...d,
              lastKnown: { status, fetchedAt: lastKnown.fetchedAt },
            }))
          : [],
      ),
    };
  }

  /** An instance's deployments from the live inventory: Argo CD is asked only for its clusters' versions (cached a minute). */
  async #fromInventory(
    client: ArgoCdClient,
    answer: InventoryAnswer,
  ): Promise<InstanceDeployments> {
    const instance = client.name;
    if (answer.state.state === 'unreachable') {
      // What the inventory last saw stays visible; the cluster versions
      // would need Argo CD, so they are left unknown.
      const fetchedAt = answer.state.asOf ?? answer.state.since;
      return {
        instance,
        status: 'unreachable',
        error:
          answer.state.message ??
          `Argo CD instance "${instance}" cannot be listed`,
        deployments: [],
        ...(answer.applications.length > 0 && {
          lastKnown: {
            fetchedAt,
            deployments: answer.applications.map(app =>
              this.#deployment(instance, app, new Map()),
            ),
          },
        }),
      };
    }
    const versions = await this.#clusterVersions(client);
    return {
      instance,
      status: 'ok',
      deployments: answer.applications.map(app =>
        this.#deployment(instance, app, versions),
      ),
    };
  }

  async #fetch(
    client: ArgoCdClient,
    lookup: ArgoCdLookup,
  ): Promise<InstanceDeployments> {
    const instance = client.name;
    try {
      const [apps, versions] = await Promise.all([
        lookup.appName
          ? applicationsByName(client, lookup)
          : client.listApplications({
              selector: lookup.selector,
              appNamespace: lookup.appNamespace,
              projects: lookup.project ? [lookup.project] : undefined,
            }),
        this.#clusterVersions(client),
      ]);
      return {
        instance,
        status: 'ok',
        deployments: apps.map(app => this.#deployment(instance, app, versions)),
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#logger.warn('Argo CD instance did not answer an upgrade lookup', {
        instance,
        error: message,
      });
      return {
        instance,
        status: failureStatus(error),
        error: message,
        deployments: [],
      };
    }
  }

  /** Cluster name and server URL → Kubernetes version, as Argo CD and Backstage report them. */
  async #clusterVersions(client: ArgoCdClient): Promise<Map<string, string>> {
    const { items } = await this.#clusters.load(
      `upgrades:v1:clusters:${client.name}`,
      async () => {
        const versions: Array<[string, string]> = [];
        const [argocd, kubernetes] = await Promise.all([
          client.listClusters().catch(error => {
            this.#logger.warn('Argo CD cluster list unavailable', {
              instance: client.name,
              error: (error as Error).message,
            });
            return [];
          }),
          this.#kubernetesClusters().catch(() => [] as ClusterHealth[]),
        ]);
        const byUrl = new Map(
          kubernetes
            .filter(c => c.version)
            .map(c => [c.url.replace(/\/+$/, ''), c.version!]),
        );
        for (const cluster of argocd) {
          // Backstage's kubernetes config gives the full gitVersion (v1.30.4-eks-…).
          const version =
            byUrl.get(cluster.server.replace(/\/+$/, '')) ??
            cluster.info?.serverVersion ??
            cluster.serverVersion;
          if (!version) continue;
          versions.push([cluster.server, version]);
          if (cluster.name) versions.push([cluster.name, version]);
        }
        return { items: versions };
      },
    );
    return new Map(items);
  }

  #deployment(
    instance: string,
    app: Application,
    versions: Map<string, string>,
  ): Deployment {
    const labels = app.metadata.labels ?? {};
    const source = chartSource(app);
    const componentId =
      labels[LABEL_COMPONENT] && this.#registry.has(labels[LABEL_COMPONENT])
        ? labels[LABEL_COMPONENT]
        : this.#registry
            .list()
            .find(c => source?.chart && c.chart?.name === source.chart)?.id;
    const destination = destinationOf(instance, app);
    const clusterVersion =
      versions.get(app.spec.destination.server ?? '') ??
      versions.get(app.spec.destination.name ?? '');
    const seen = new Set<string>();
    const inventory = (app.status?.resources ?? []).flatMap(r => {
      const key = `${r.group ?? ''}/${r.version}/${r.kind}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [{ group: r.group ?? '', version: r.version, kind: r.kind }];
    });
    return {
      instance,
      application: app.metadata.name,
      ...(labels[LABEL_ENVIRONMENT] && {
        environment: labels[LABEL_ENVIRONMENT],
      }),
      cluster: destination,
      ...(clusterVersion && { clusterVersion }),
      ...(source?.chart && {
        chart: {
          repoURL: source.repoURL,
          name: source.chart,
          ...(source.targetRevision && { version: source.targetRevision }),
        },
      }),
      images: app.status?.summary?.images ?? [],
      inventory,
      ...(componentId && { componentId }),
      ...(labels[LABEL_PIPELINE] && { pipeline: labels[LABEL_PIPELINE] }),
      valueFiles: valueFilesOf(app, source),
      ...((source?.helm?.values || source?.helm?.valuesObject) && {
        inlineValues: {
          ...(source.helm.values && { values: source.helm.values }),
          ...(source.helm.valuesObject && {
            valuesObject: source.helm.valuesObject as Record<string, unknown>,
          }),
        },
      }),
    };
  }
}
