import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { refuseClusterUrl } from './clusterUrlPolicy';
import {
  AUTH_PROVIDER_KEY,
  invalidCaData,
  unsupportedAuth,
  type CatalogLocatorConfig,
  type KubernetesCluster,
} from './KubernetesClusters';

/** Annotations of a kubernetes-cluster Resource, as @backstage/plugin-kubernetes-common names them. */
export const API_SERVER = 'kubernetes.io/api-server';
export const API_SERVER_CA = 'kubernetes.io/api-server-certificate-authority';
export const SKIP_TLS_VERIFY = 'kubernetes.io/skip-tls-verify';

/**
 * The `catalog` cluster locator of the kubernetes-backend: Resource entities
 * of `spec.type: kubernetes-cluster` carrying the API server, CA and auth
 * provider annotations, read with the plugin's own credentials. A URL the
 * kubernetes-backend would refuse (http, private addresses) is skipped with a
 * warning, as there; `kubernetes.io/skip-tls-verify` counts only with
 * `dangerouslyAllowSkipTLSVerify`.
 */
export class CatalogClusterLocator {
  readonly #catalog: CatalogService;
  readonly #auth: AuthService;
  readonly #logger: LoggerService;
  readonly #options: CatalogLocatorConfig;

  constructor(options: {
    catalog: CatalogService;
    auth: AuthService;
    logger: LoggerService;
    locator: CatalogLocatorConfig;
  }) {
    this.#catalog = options.catalog;
    this.#auth = options.auth;
    this.#logger = options.logger;
    this.#options = options.locator;
  }

  get key(): string {
    return this.#options.key;
  }

  async clusters(): Promise<KubernetesCluster[]> {
    const { items } = await this.#catalog.getEntities(
      {
        filter: [
          {
            kind: 'Resource',
            'spec.type': 'kubernetes-cluster',
            [`metadata.annotations.${API_SERVER}`]: CATALOG_FILTER_EXISTS,
            [`metadata.annotations.${API_SERVER_CA}`]: CATALOG_FILTER_EXISTS,
            [`metadata.annotations.${AUTH_PROVIDER_KEY}`]:
              CATALOG_FILTER_EXISTS,
          },
        ],
      },
      { credentials: await this.#auth.getOwnServiceCredentials() },
    );
    const clusters: KubernetesCluster[] = [];
    for (const entity of items) {
      const cluster = await this.#toCluster(entity);
      if (cluster) clusters.push(cluster);
    }
    return clusters;
  }

  async #toCluster(entity: Entity): Promise<KubernetesCluster | undefined> {
    const annotations = entity.metadata.annotations ?? {};
    const ref = stringifyEntityRef(entity);
    const name = entity.metadata.name;
    const url = annotations[API_SERVER] ?? '';
    const refused = await refuseClusterUrl(
      url,
      this.#options.dangerouslyAllowClusterUrls,
    );
    if (refused) {
      this.#logger.warn(
        `Ignoring kubernetes-cluster Resource "${name}": ${refused}`,
        { entity: ref },
      );
      return undefined;
    }
    const authProvider = annotations[AUTH_PROVIDER_KEY];
    const caData = annotations[API_SERVER_CA] || undefined;
    const cluster: KubernetesCluster = {
      name,
      url: url.replace(/\/+$/, ''),
      source: `catalog entity ${ref}`,
      authProvider,
      caData,
      skipTLSVerify:
        this.#options.dangerouslyAllowSkipTLSVerify &&
        annotations[SKIP_TLS_VERIFY] === 'true',
    };
    const badCa = caData ? invalidCaData(caData) : undefined;
    let unusable: string | undefined;
    if (authProvider === 'serviceAccount') {
      // No token can come from the catalog; the kubernetes-backend skips these too.
      unusable = `Cluster "${name}" (${ref}) uses auth provider "serviceAccount", which the catalog locator does not support: a token cannot come from the catalog`;
    } else if (badCa) {
      unusable = `Cluster "${name}" (${ref}): annotation ${API_SERVER_CA} ${badCa}`;
    } else {
      unusable = unsupportedAuth(cluster);
    }
    return { ...cluster, unusable };
  }
}
