import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import type {
  AuthService,
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type {
  ClusterHealth,
  ClusterWorkloadsRow,
} from '@datastack/plugin-datastack-common';
import { CachedLoader } from '../CachedLoader';
import { CatalogClusterLocator } from './CatalogClusterLocator';
import { readKubernetesOptions } from './config';
import {
  ClusterError,
  KubernetesClusterClient,
} from './KubernetesClusterClient';
import {
  readClusterLocators,
  type ClusterLocators,
  type KubernetesCluster,
} from './KubernetesClusters';

/** A locator that could not list its clusters: one row says so. */
interface LocatorFailure {
  failed: true;
  name: string;
  error: string;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function keyOf(cluster: KubernetesCluster, extra = ''): string {
  const hash = createHash('sha256')
    .update(`${cluster.url}\n${extra}`)
    .digest('hex')
    .slice(0, 16);
  return `${cluster.name}:${hash}`;
}

/**
 * Reachability, Kubernetes version and node readiness of every cluster of
 * Backstage's `kubernetes.clusterLocatorMethods` (config, localKubectlProxy,
 * catalog), and the workloads of a label selector, reached through
 * @kubernetes/client-node with each cluster's CA, TLS setting and token.
 * Clusters are asked in parallel, each call with a deadline; a cluster that is
 * slow, down, refusing or unusable is its own row. Successful answers are
 * kept in the cache service for the health TTL (replicas share them), and
 * when any replica last reached a cluster is kept there too.
 */
export class ClusterHealthService {
  readonly #fixed: KubernetesCluster[];
  readonly #catalogLocators: CatalogClusterLocator[];
  readonly #cache: CacheService;
  readonly #logger: LoggerService;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #cacheTtlMs: number;
  readonly #rows: CachedLoader<ClusterHealth>;
  readonly #workloads: CachedLoader<ClusterWorkloadsRow>;
  readonly #clients = new Map<string, KubernetesClusterClient>();
  #catalogClusters?: {
    at: number;
    value: Promise<Array<KubernetesCluster | LocatorFailure>>;
  };
  #localProxy?: Promise<string>;

  /**
   * Reads the locators and `datastack.kubernetes`; throws naming the key at
   * fault, so bad cluster configuration fails start-up.
   */
  static create(options: {
    config: Config;
    catalog: CatalogService;
    auth: AuthService;
    cache: CacheService;
    logger: LoggerService;
    cacheTtlMs: number;
  }): ClusterHealthService {
    const { timeoutMs, maxResponseBytes } = readKubernetesOptions(
      options.config,
    );
    return new ClusterHealthService({
      locators: readClusterLocators(options.config),
      catalog: options.catalog,
      auth: options.auth,
      cache: options.cache,
      logger: options.logger,
      timeoutMs,
      maxBytes: maxResponseBytes,
      cacheTtlMs: options.cacheTtlMs,
    });
  }

  constructor(options: {
    locators: ClusterLocators;
    catalog?: CatalogService;
    auth?: AuthService;
    cache: CacheService;
    logger: LoggerService;
    timeoutMs: number;
    maxBytes: number;
    cacheTtlMs: number;
  }) {
    const { catalog, auth } = options;
    this.#fixed = options.locators.fixed;
    this.#catalogLocators =
      catalog && auth
        ? options.locators.catalog.map(
            locator =>
              new CatalogClusterLocator({
                catalog,
                auth,
                logger: options.logger,
                locator,
              }),
          )
        : [];
    this.#cache = options.cache;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
    this.#maxBytes = options.maxBytes;
    this.#cacheTtlMs = options.cacheTtlMs;
    this.#rows = new CachedLoader({
      cache: options.cache,
      ttlMs: options.cacheTtlMs,
      shouldCache: row => row.status === 'ok',
    });
    this.#workloads = new CachedLoader({
      cache: options.cache,
      ttlMs: options.cacheTtlMs,
      shouldCache: row => row.status === 'ok',
    });
  }

  /** One row per cluster: version and node readiness, or why not. */
  async list(signal?: AbortSignal): Promise<ClusterHealth[]> {
    const clusters = await this.#clusters();
    return Promise.all(
      clusters.map(c =>
        'failed' in c
          ? Promise.resolve<ClusterHealth>({
              name: c.name,
              url: '',
              status: 'error',
              error: c.error,
              fetchedAt: new Date().toISOString(),
            })
          : this.#rows.load(`cluster-health:v2:${keyOf(c)}`, () =>
              this.#health(c, signal),
            ),
      ),
    );
  }

  /**
   * The Deployments and StatefulSets matching a label selector in every
   * cluster, for entities that Argo CD does not deploy. One row per cluster.
   */
  async workloads(
    labelSelector: string,
    signal?: AbortSignal,
  ): Promise<ClusterWorkloadsRow[]> {
    const clusters = await this.#clusters();
    return Promise.all(
      clusters.map(c =>
        'failed' in c
          ? Promise.resolve<ClusterWorkloadsRow>({
              cluster: c.name,
              status: 'error',
              error: c.error,
              workloads: [],
              fetchedAt: new Date().toISOString(),
            })
          : this.#workloads.load(
              `cluster-workloads:v2:${keyOf(c, labelSelector)}`,
              () => this.#workloadsOf(c, labelSelector, signal),
            ),
      ),
    );
  }

  async #health(
    cluster: KubernetesCluster,
    signal?: AbortSignal,
  ): Promise<ClusterHealth> {
    const fetchedAt = new Date().toISOString();
    const lastSeenKey = `cluster-last-seen:v2:${keyOf(cluster)}`;
    try {
      const client = this.#client(cluster);
      const [version, nodes] = await Promise.all([
        client.version(signal),
        client.nodes(signal),
      ]);
      await this.#cache.set(lastSeenKey, fetchedAt).catch(() => {});
      return {
        name: cluster.name,
        url: cluster.url,
        status: 'ok',
        version,
        nodesReady: nodes.ready,
        nodesTotal: nodes.total,
        lastSeenAt: fetchedAt,
        fetchedAt,
      };
    } catch (error) {
      const message = errorMessage(error);
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

  async #workloadsOf(
    cluster: KubernetesCluster,
    labelSelector: string,
    signal?: AbortSignal,
  ): Promise<ClusterWorkloadsRow> {
    const fetchedAt = new Date().toISOString();
    try {
      const workloads = await this.#client(cluster).workloads(
        labelSelector,
        signal,
      );
      return { cluster: cluster.name, status: 'ok', workloads, fetchedAt };
    } catch (error) {
      const message = errorMessage(error);
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
  }

  /** A client for a usable cluster; throws the reason for an unusable one. */
  #client(cluster: KubernetesCluster): KubernetesClusterClient {
    if (cluster.unusable) throw new ClusterError(cluster.unusable, false);
    const key = [
      cluster.name,
      cluster.url,
      cluster.token ?? '',
      cluster.caData ?? '',
      cluster.skipTLSVerify,
    ].join('\n');
    let client = this.#clients.get(key);
    if (!client) {
      client = new KubernetesClusterClient({
        cluster,
        timeoutMs: this.#timeoutMs,
        maxBytes: this.#maxBytes,
      });
      this.#clients.set(key, client);
    }
    return client;
  }

  async #clusters(): Promise<Array<KubernetesCluster | LocatorFailure>> {
    const fixed = await Promise.all(
      this.#fixed.map(async c =>
        c.authProvider === 'localKubectlProxy' &&
        c.url === 'http://localhost:8001'
          ? { ...c, url: await this.#localProxyUrl() }
          : c,
      ),
    );
    return [...fixed, ...(await this.#fromCatalog())];
  }

  /**
   * `kubectl proxy` listens on 127.0.0.1, while localhost may resolve to ::1
   * first: IPv4 first, as the kubernetes-backend's locator does.
   */
  #localProxyUrl(): Promise<string> {
    this.#localProxy ??= lookup('localhost', { verbatim: false })
      .then(({ address, family }) =>
        family === 6 ? `http://[${address}]:8001` : `http://${address}:8001`,
      )
      .catch(() => 'http://127.0.0.1:8001');
    return this.#localProxy;
  }

  /** Clusters of the catalog locators, asked again after the health TTL. */
  #fromCatalog(): Promise<Array<KubernetesCluster | LocatorFailure>> {
    if (!this.#catalogLocators.length) return Promise.resolve([]);
    const now = Date.now();
    if (
      !this.#catalogClusters ||
      now - this.#catalogClusters.at > this.#cacheTtlMs
    ) {
      this.#catalogClusters = {
        at: now,
        value: Promise.all(
          this.#catalogLocators.map(async locator => {
            try {
              return await locator.clusters();
            } catch (error) {
              this.#logger.warn(
                'Catalog cluster locator could not list Resource entities',
                { locator: locator.key, error: errorMessage(error) },
              );
              // Ask again next time rather than keep the failure for a TTL.
              this.#catalogClusters = undefined;
              return [
                {
                  failed: true as const,
                  name: `catalog (${locator.key})`,
                  error: `The catalog cluster locator ${
                    locator.key
                  } could not list kubernetes-cluster Resources: ${errorMessage(
                    error,
                  )}`,
                },
              ];
            }
          }),
        ).then(lists => lists.flat()),
      };
    }
    return this.#catalogClusters.value;
  }
}
