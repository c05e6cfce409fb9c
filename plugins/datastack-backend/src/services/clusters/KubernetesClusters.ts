import { readFileSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import type { Config } from '@backstage/config';
import { DatastackConfigError } from '@datastack/plugin-datastack-node';

/** The annotation (and authMetadata key) naming a cluster's auth provider. */
export const AUTH_PROVIDER_KEY = 'kubernetes.io/auth-provider';

/** A CA file larger than this is refused at start-up: a bundle is a few KiB. */
export const MAX_CA_FILE_BYTES = 1024 * 1024;

/**
 * A Kubernetes cluster Datastack reads, found by one of the locators of
 * Backstage's own `kubernetes.clusterLocatorMethods`.
 */
export interface KubernetesCluster {
  name: string;
  /** API server URL, without a trailing slash. */
  url: string;
  /** Where the cluster was found, for messages (a config key or a catalog entity). */
  source: string;
  authProvider: string;
  /** Bearer token of a service account (`serviceAccountToken`). */
  token?: string;
  /** Base64 of the PEM certificates to trust (`caData`, or the content of `caFile`). */
  caData?: string;
  skipTLSVerify: boolean;
  /**
   * Set when the cluster cannot be read (an unsupported auth provider, a
   * catalog entity Datastack cannot use): its row says this, nothing is called.
   */
  unusable?: string;
}

/** A `catalog` locator: clusters from Resource entities, read at request time. */
export interface CatalogLocatorConfig {
  key: string;
  dangerouslyAllowClusterUrls: string[];
  dangerouslyAllowSkipTLSVerify: boolean;
}

/** The clusters of `kubernetes.clusterLocatorMethods`, by locator kind. */
export interface ClusterLocators {
  /** Clusters of `config` and `localKubectlProxy` locators, in config order. */
  fixed: KubernetesCluster[];
  catalog: CatalogLocatorConfig[];
}

/**
 * Why Datastack cannot call a cluster with these credentials, or undefined
 * when it can: `serviceAccount` with a token, or `localKubectlProxy`.
 */
export function unsupportedAuth(cluster: {
  name: string;
  authProvider: string;
  token?: string;
}): string | undefined {
  if (cluster.authProvider === 'localKubectlProxy') return undefined;
  if (cluster.authProvider === 'serviceAccount') {
    return cluster.token
      ? undefined
      : `Cluster "${cluster.name}" uses auth provider "serviceAccount" without a serviceAccountToken; Datastack does not read the pod's own service account: set serviceAccountToken`;
  }
  return `Cluster "${cluster.name}" uses an unsupported auth provider "${cluster.authProvider}": Datastack reads clusters with serviceAccount (a serviceAccountToken) or localKubectlProxy`;
}

/**
 * Checks that `base64` decodes to one or more PEM certificates, as
 * `caData` and the `kubernetes.io/api-server-certificate-authority`
 * annotation hold. Returns why not, or undefined.
 */
export function invalidCaData(base64: string): string | undefined {
  const text = Buffer.from(base64, 'base64').toString('utf8');
  return invalidPem(text, 'is not base64 of PEM certificates');
}

function invalidPem(text: string, what: string): string | undefined {
  const blocks = text.match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
  );
  if (!blocks) return what;
  for (const block of blocks) {
    try {
      new X509Certificate(block); // eslint-disable-line no-new
    } catch (error) {
      return `${what}: ${(error as Error).message}`;
    }
  }
  return undefined;
}

function readCaFile(key: string, path: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new DatastackConfigError(
      key,
      `cannot read "${path}": ${(error as NodeJS.ErrnoException).code}`,
    );
  }
  if (size > MAX_CA_FILE_BYTES) {
    throw new DatastackConfigError(
      key,
      `"${path}" is ${size} bytes, more than the ${MAX_CA_FILE_BYTES} a CA bundle may have`,
    );
  }
  const text = readFileSync(path, 'utf8');
  const invalid = invalidPem(text, `"${path}" holds no PEM certificate`);
  if (invalid) throw new DatastackConfigError(key, invalid);
  return Buffer.from(text, 'utf8').toString('base64');
}

function readUrl(key: string, raw: string): string {
  try {
    const parsed = new URL(raw);
    if (!['http:', 'https:'].includes(parsed.protocol)) throw new Error();
    if (parsed.username || parsed.password) {
      throw new DatastackConfigError(key, 'must not contain credentials');
    }
  } catch (error) {
    if (error instanceof DatastackConfigError) throw error;
    throw new DatastackConfigError(key, `"${raw}" is not an http(s) URL`);
  }
  return raw.replace(/\/+$/, '');
}

function readBoolean(c: Config, key: string, at: string): boolean {
  const value = c.getOptional(key);
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw new DatastackConfigError(`${at}.${key}`, 'must be true or false');
  }
  return value;
}

function readConfigCluster(c: Config, at: string): KubernetesCluster {
  const name = c.getString('name');
  if (!name.trim()) throw new DatastackConfigError(`${at}.name`, 'is empty');
  const url = readUrl(`${at}.url`, c.getString('url'));
  const authMetadata = c.getOptionalConfig('authMetadata');
  const authProvider =
    authMetadata?.getOptionalString(AUTH_PROVIDER_KEY) ??
    c.getOptionalString('authProvider') ??
    'serviceAccount';
  const token =
    c.getOptionalString('serviceAccountToken') ??
    authMetadata?.getOptionalString('serviceAccountToken');
  const skipTLSVerify = readBoolean(c, 'skipTLSVerify', at);
  readBoolean(c, 'skipMetricsLookup', at);

  let caData: string | undefined;
  const caFile = c.getOptionalString('caFile');
  const rawCaData = c.getOptionalString('caData');
  if (rawCaData !== undefined) {
    const invalid = invalidCaData(rawCaData);
    if (invalid) throw new DatastackConfigError(`${at}.caData`, invalid);
    caData = rawCaData;
  }
  // As @kubernetes/client-node: a caFile wins over caData.
  if (caFile !== undefined) caData = readCaFile(`${at}.caFile`, caFile);

  const cluster: KubernetesCluster = {
    name,
    url,
    source: at,
    authProvider,
    token,
    caData,
    skipTLSVerify,
  };
  return { ...cluster, unusable: unsupportedAuth(cluster) };
}

/**
 * Reads Backstage's `kubernetes.clusterLocatorMethods` as the
 * kubernetes-backend does, so Datastack keeps no second cluster list:
 * `config` (name, url, authProvider or authMetadata, serviceAccountToken,
 * caData, caFile, skipTLSVerify, skipMetricsLookup), `localKubectlProxy`
 * (`http://localhost:8001`, no credentials) and `catalog` (Resource entities
 * of type kubernetes-cluster, read when asked). `gke` is not read. A bad
 * value throws {@link DatastackConfigError} naming the key.
 */
export function readClusterLocators(config: Config): ClusterLocators {
  const methods =
    config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  const fixed: KubernetesCluster[] = [];
  const catalog: CatalogLocatorConfig[] = [];
  const names = new Map<string, string>();
  const add = (cluster: KubernetesCluster, key: string) => {
    const earlier = names.get(cluster.name);
    if (earlier) {
      throw new DatastackConfigError(
        key,
        `duplicate cluster name "${cluster.name}" (also at ${earlier})`,
      );
    }
    names.set(cluster.name, key);
    fixed.push(cluster);
  };
  methods.forEach((method, i) => {
    const at = `kubernetes.clusterLocatorMethods[${i}]`;
    const type = method.getString('type');
    switch (type) {
      case 'config':
        (method.getOptionalConfigArray('clusters') ?? []).forEach((c, j) => {
          const key = `${at}.clusters[${j}]`;
          add(readConfigCluster(c, key), `${key}.name`);
        });
        break;
      case 'localKubectlProxy':
        add(
          {
            name: 'local',
            url: 'http://localhost:8001',
            source: at,
            authProvider: 'localKubectlProxy',
            skipTLSVerify: false,
          },
          at,
        );
        break;
      case 'catalog': {
        const allowed = method.getOptional('dangerouslyAllowClusterUrls');
        if (
          allowed !== undefined &&
          (!Array.isArray(allowed) || allowed.some(h => typeof h !== 'string'))
        ) {
          throw new DatastackConfigError(
            `${at}.dangerouslyAllowClusterUrls`,
            'must be a list of host names',
          );
        }
        catalog.push({
          key: at,
          dangerouslyAllowClusterUrls: (allowed as string[] | undefined) ?? [],
          dangerouslyAllowSkipTLSVerify: readBoolean(
            method,
            'dangerouslyAllowSkipTLSVerify',
            at,
          ),
        });
        break;
      }
      case 'gke':
        // Needs Google credentials Datastack does not hold; the Kubernetes plugin reads them.
        break;
      default:
        throw new DatastackConfigError(
          `${at}.type`,
          `"${type}" is not a cluster locator (config, localKubectlProxy, catalog, gke)`,
        );
    }
  });
  return { fixed, catalog };
}
