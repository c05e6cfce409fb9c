import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
import type { WorkloadHealth } from '@datastack/plugin-datastack-common';
import { BoundedHttpLibrary, TransportError } from './boundedHttp';
import type { KubernetesCluster } from './KubernetesClusters';

/** A cluster call that failed; the message names the cluster and never holds its token. */
export class ClusterError extends Error {
  constructor(message: string, readonly unreachable: boolean) {
    super(message);
    this.name = 'ClusterError';
  }
}

/** Node readiness of a cluster. */
export interface NodeCounts {
  ready: number;
  total: number;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** What a failed connection means, in words an operator can act on. */
function transportReason(
  cluster: KubernetesCluster,
  error: TransportError,
): string {
  const where = cluster.source.startsWith('catalog')
    ? `the kubernetes.io/api-server-certificate-authority annotation`
    : `caData or caFile`;
  if (error.code && UNTRUSTED.has(error.code)) {
    return `TLS: the API server's certificate is not signed by a trusted CA (${error.message}); give the cluster's CA in ${where}, or set skipTLSVerify`;
  }
  if (
    error.code === 'CERT_HAS_EXPIRED' ||
    error.code === 'CERT_NOT_YET_VALID'
  ) {
    return `TLS: the API server's certificate is not valid now (${error.message})`;
  }
  if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `TLS: the API server's certificate does not name this host (${error.message})`;
  }
  return error.code && !error.message.includes(error.code)
    ? `${error.message} (${error.code})`
    : error.message;
}

/** The `message` of a Kubernetes `Status` body, if the answer is one. */
function statusMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (value && typeof value === 'object') {
    const status = value as { message?: unknown; reason?: unknown };
    if (typeof status.message === 'string' && status.message) {
      return status.message;
    }
    if (typeof status.reason === 'string') return status.reason;
  }
  return undefined;
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/**
 * One cluster, reached through @kubernetes/client-node as the Kubernetes
 * plugin does: a KubeConfig of the cluster (server, caData, skipTLSVerify)
 * and its user (the service-account token, or none for localKubectlProxy),
 * VersionApi, CoreV1Api and AppsV1Api. Every call has a deadline covering
 * the answer, a byte limit and an optional abort signal; every error is
 * a {@link ClusterError} with the token redacted.
 */
export class KubernetesClusterClient {
  readonly #cluster: KubernetesCluster;
  readonly #kubeConfig: KubeConfig;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  constructor(options: {
    cluster: KubernetesCluster;
    timeoutMs: number;
    maxBytes: number;
  }) {
    const { cluster } = options;
    this.#cluster = cluster;
    this.#timeoutMs = options.timeoutMs;
    this.#maxBytes = options.maxBytes;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: cluster.name,
          server: cluster.url,
          caData: cluster.caData,
          // Plain http has no TLS to verify; the client refuses http otherwise.
          skipTLSVerify:
            cluster.skipTLSVerify || cluster.url.startsWith('http:'),
        },
      ],
      users: [
        cluster.token
          ? { name: 'datastack', token: cluster.token }
          : { name: 'datastack' },
      ],
      contexts: [
        { name: 'datastack', cluster: cluster.name, user: 'datastack' },
      ],
      currentContext: 'datastack',
    });
    this.#kubeConfig = kc;
  }

  /** `gitVersion` of GET /version. */
  async version(signal?: AbortSignal): Promise<string | undefined> {
    const info = await this.#call('/version', signal, config =>
      new VersionApi(config).getCode(),
    );
    return info.gitVersion;
  }

  /** Ready and total nodes of GET /api/v1/nodes. */
  async nodes(signal?: AbortSignal): Promise<NodeCounts> {
    const list = await this.#call('/api/v1/nodes', signal, config =>
      new CoreV1Api(config).listNode(),
    );
    const items = list.items ?? [];
    return {
      total: items.length,
      ready: items.filter(n =>
        n.status?.conditions?.some(
          c => c.type === 'Ready' && c.status === 'True',
        ),
      ).length,
    };
  }

  /** Deployments and StatefulSets of every namespace matching a label selector. */
  async workloads(
    labelSelector: string,
    signal?: AbortSignal,
  ): Promise<WorkloadHealth[]> {
    const [deployments, statefulSets] = await Promise.all([
      this.#call('/apis/apps/v1/deployments', signal, config =>
        new AppsV1Api(config).listDeploymentForAllNamespaces({
          labelSelector,
        }),
      ),
      this.#call('/apis/apps/v1/statefulsets', signal, config =>
        new AppsV1Api(config).listStatefulSetForAllNamespaces({
          labelSelector,
        }),
      ),
    ]);
    return [
      ...(deployments.items ?? []).map(d => workloadHealth('Deployment', d)),
      ...(statefulSets.items ?? []).map(s => workloadHealth('StatefulSet', s)),
    ];
  }

  async #call<T>(
    path: string,
    signal: AbortSignal | undefined,
    fn: (config: ReturnType<typeof createConfiguration>) => Promise<T>,
  ): Promise<T> {
    const name = this.#cluster.name;
    const config = createConfiguration({
      baseServer: new ServerConfiguration(this.#cluster.url, {}),
      authMethods: { default: this.#kubeConfig },
      httpApi: wrapHttpLibrary(
        new BoundedHttpLibrary({
          timeoutMs: this.#timeoutMs,
          maxBytes: this.#maxBytes,
          signal,
        }),
      ),
    });
    try {
      return await fn(config);
    } catch (error) {
      throw this.#redacted(this.#toClusterError(error, path, name));
    }
  }

  #toClusterError(error: unknown, path: string, name: string): ClusterError {
    if (error instanceof TransportError) {
      if (error.kind === 'timeout') {
        return new ClusterError(
          `Cluster "${name}" did not answer within ${
            this.#timeoutMs
          } ms (GET ${path})`,
          true,
        );
      }
      if (error.kind === 'tooLarge') {
        return new ClusterError(
          `Cluster "${name}" answered GET ${path} with ${error.message}`,
          false,
        );
      }
      return new ClusterError(
        `Cluster "${name}" is unreachable (GET ${path}): ${transportReason(
          this.#cluster,
          error,
        )}`,
        true,
      );
    }
    if (error instanceof ApiException) {
      const code = error.code;
      const why =
        statusMessage(error.body) ?? STATUS_TEXT[code] ?? 'unexpected answer';
      return new ClusterError(
        `Cluster "${name}" refused GET ${path}: ${code} ${why}`,
        false,
      );
    }
    // The client could not parse the answer (not JSON, no content type).
    return new ClusterError(
      `Cluster "${name}" answered a malformed response to GET ${path}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      false,
    );
  }

  #redacted(error: ClusterError): ClusterError {
    const token = this.#cluster.token;
    if (!token || !error.message.includes(token)) return error;
    return new ClusterError(
      error.message.split(token).join('[redacted]'),
      error.unreachable,
    );
  }
}

function workloadHealth(
  kind: WorkloadHealth['kind'],
  item: {
    metadata?: { name?: string; namespace?: string };
    spec?: { replicas?: number };
    status?: { readyReplicas?: number };
  },
): WorkloadHealth {
  const desired = item.spec?.replicas ?? 1;
  const ready = item.status?.readyReplicas ?? 0;
  let status: WorkloadHealth['status'] = 'progressing';
  if (ready >= desired) status = 'healthy';
  else if (ready === 0 && desired > 0) status = 'degraded';
  return {
    kind,
    namespace: item.metadata?.namespace ?? '',
    name: item.metadata?.name ?? '',
    ready,
    desired,
    status,
  };
}
