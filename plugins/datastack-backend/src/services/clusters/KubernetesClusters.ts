import type { Config } from '@backstage/config';
import { DatastackConfigError } from '@datastack/plugin-datastack-node';

/** A cluster of Backstage's `kubernetes` configuration that Datastack can read. */
export interface KubernetesClusterConfig {
  name: string;
  url: string;
  /** Bearer token of a service account; undefined when the auth provider needs the user's token. */
  token?: string;
  authProvider: string;
}

/**
 * The clusters of Backstage's own `kubernetes` configuration
 * (`clusterLocatorMethods` of type `config`): Datastack keeps no second
 * cluster list. Clusters found by other locators (catalog, GKE…) are not read.
 */
export function readKubernetesClusters(
  config: Config,
): KubernetesClusterConfig[] {
  const methods =
    config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  return methods
    .filter(m => m.getString('type') === 'config')
    .flatMap((m, i) =>
      (m.getOptionalConfigArray('clusters') ?? []).map((c, j) => {
        const at = `kubernetes.clusterLocatorMethods[${i}].clusters[${j}]`;
        const url = c.getString('url');
        try {
          const parsed = new URL(url);
          if (!['http:', 'https:'].includes(parsed.protocol)) throw new Error();
        } catch {
          throw new DatastackConfigError(
            `${at}.url`,
            `"${url}" is not an http(s) URL`,
          );
        }
        return {
          name: c.getString('name'),
          url: url.replace(/\/+$/, ''),
          authProvider: c.getOptionalString('authProvider') ?? 'serviceAccount',
          token: c.getOptionalString('serviceAccountToken'),
        };
      }),
    );
}
