import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type {
  ClusterHealth,
  ClusterWorkloadsRow,
  WorkloadHealth,
} from '@datastack/plugin-datastack-common';
import type { KubernetesClusterConfig } from './KubernetesClusters';

interface NodeList {
  items?: Array<{
    status?: { conditions?: Array<{ type: string; status: string }> };
  }>;
}

interface WorkloadList {
  items?: Array<{
    metadata: { name: string; namespace: string };
    spec?: { replicas?: number };
    status?: { readyReplicas?: number; availableReplicas?: number };
  }>;
}

function workloadHealth(
  kind: WorkloadHealth['kind'],
  item: NonNullable<WorkloadList['items']>[number],
): WorkloadHealth {
  const desired = item.spec?.replicas ?? 1;
  const ready = item.status?.readyReplicas ?? 0;
  let status: WorkloadHealth['status'] = 'progressing';
  if (ready >= desired) status = 'healthy';
  else if (ready === 0 && desired > 0) status = 'degraded';
  return {
    kind,
    namespace: item.metadata.namespace,
    name: item.metadata.name,
    ready,
    desired,
    status,
  };
}

/** A Kubernetes Status error body: `{kind: 'Status', message, reason, code}`. */
interface Status {
  kind?: string;
  message?: string;
  reason?: string;
}

class ClusterError extends Error {
  constructor(message: string, readonly unreachable: boolean) {
    super(message);
  }
}

/**
 * Reachability, Kubernetes version and node readiness of every configured
 * cluster, asked in parallel with a timeout each. A cluster that is down
 * or refuses is its own row; when any replica last reached a cluster is kept
 * in the cache service.
 */
export class ClusterHealthService {
  readonly #clusters: KubernetesClusterConfig[];
  readonly #cache: CacheService;
  readonly #logger: LoggerService;
  readonly #timeoutMs: number;

  constructor(options: {
    clusters: KubernetesClusterConfig[];
    cache: CacheService;
    logger: LoggerService;
    timeoutMs: number;
  }) {
    this.#clusters = options.clusters;
    this.#cache = options.cache;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
  }

  async list(): Promise<ClusterHealth[]> {
    return Promise.all(this.#clusters.map(c => this.#one(c)));
  }

  /**
   * The Deployments and StatefulSets matching a label selector in every
   * cluster, for entities that Argo CD does not deploy. One row per cluster.
   */
  async workloads(labelSelector: string): Promise<ClusterWorkloadsRow[]> {
    const query = `?labelSelector=${encodeURIComponent(labelSelector)}`;
    return Promise.all(
      this.#clusters.map(async (cluster): Promise<ClusterWorkloadsRow> => {
        const fetchedAt = new Date().toISOString();
        try {
          if (!cluster.token) {
            throw new ClusterError(
              `Cluster "${cluster.name}" uses auth provider "${cluster.authProvider}", which needs the user's credentials`,
              false,
            );
          }
          const lists = await Promise.all(
            (['deployments', 'statefulsets'] as const).map(resource =>
              this.#get<WorkloadList>(
                cluster,
                `/apis/apps/v1/${resource}${query}`,
              ),
            ),
          );
          const workloads = lists.flatMap((list, i) =>
            (list.items ?? []).map(item =>
              workloadHealth(i === 0 ? 'Deployment' : 'StatefulSet', item),
            ),
          );
          return { cluster: cluster.name, status: 'ok', workloads, fetchedAt };
        } catch (error) {
          const message =
            error instanceof Error ? error.message : String(error);
          this.#logger.warn('Kubernetes cluster could not list workloads', {
            cluster: cluster.name,
            error: message,
          });
          return {
            cluster: cluster.name,
            status:
              error instanceof ClusterError && error.unreachable
                ? 'unreachable'
                : 'error',
            error: message,
            workloads: [],
            fetchedAt,
          };
        }
      }),
    );
  }

  async #one(cluster: KubernetesClusterConfig): Promise<ClusterHealth> {
    const fetchedAt = new Date().toISOString();
    const lastSeenKey = `cluster-last-seen:v1:${cluster.name}`;
    try {
      if (!cluster.token) {
        throw new ClusterError(
          `Cluster "${cluster.name}" uses auth provider "${cluster.authProvider}", which needs the user's credentials; Datastack reads clusters with a serviceAccountToken`,
          false,
        );
      }
      const [version, nodes] = await Promise.all([
        this.#get<{ gitVersion?: string }>(cluster, '/version'),
        this.#get<NodeList>(cluster, '/api/v1/nodes'),
      ]);
      const items = nodes.items ?? [];
      const ready = items.filter(n =>
        n.status?.conditions?.some(
          c => c.type === 'Ready' && c.status === 'True',
        ),
      ).length;
      await this.#cache.set(lastSeenKey, fetchedAt).catch(() => {});
      return {
        name: cluster.name,
        url: cluster.url,
        status: 'ok',
        version: version.gitVersion,
        nodesReady: ready,
        nodesTotal: items.length,
        lastSeenAt: fetchedAt,
        fetchedAt,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#logger.warn('Kubernetes cluster could not be read', {
        cluster: cluster.name,
        error: message,
      });
      const lastSeenAt = (await this.#cache
        .get(lastSeenKey)
        .catch(() => undefined)) as string | undefined;
      return {
        name: cluster.name,
        url: cluster.url,
        status:
          error instanceof ClusterError && error.unreachable
            ? 'unreachable'
            : 'error',
        error: message,
        lastSeenAt,
        fetchedAt,
      };
    }
  }

  async #get<T>(cluster: KubernetesClusterConfig, path: string): Promise<T> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${cluster.url}${path}`, {
        headers: {
          authorization: `Bearer ${cluster.token}`,
          accept: 'application/json',
        },
        signal: timeout,
      });
      text = await response.text();
    } catch (error) {
      throw new ClusterError(
        timeout.aborted
          ? `Cluster "${cluster.name}" did not answer within ${
              this.#timeoutMs
            } ms (GET ${path})`
          : `Cluster "${cluster.name}" is unreachable (GET ${path}): ${
              (error as Error).message
            }`,
        true,
      );
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ClusterError(
        response.ok
          ? `Cluster "${cluster.name}" answered a malformed response to GET ${path}`
          : `Cluster "${cluster.name}" refused GET ${path}: ${response.status} ${response.statusText}`,
        false,
      );
    }
    if (!response.ok) {
      const status = (body ?? {}) as Status;
      throw new ClusterError(
        `Cluster "${cluster.name}" refused GET ${path}: ${response.status} ${
          status.message ?? status.reason ?? response.statusText
        }`,
        false,
      );
    }
    return body as T;
  }
}
