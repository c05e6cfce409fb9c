import type { Config } from '@backstage/config';
import {
  DatastackConfigError,
  readTimeout,
} from '@datastack/plugin-datastack-node';

/** How to reach one chart repository, from `datastack.upgrades.chartRepositories`. */
export interface ChartRepositoryConfig {
  /** The repository URL exactly as the registry names it. */
  url: string;
  /** Where to fetch from instead (a mirror or a proxy cache). */
  mirror?: string;
  /** Talk to an oci:// repository over http (as `helm --plain-http`). */
  plainHttp: boolean;
  auth?:
    | { type: 'bearer'; token: string }
    | { type: 'basic'; username: string; password: string };
}

export interface UpgradesConfig {
  /** Minutes between two refreshes of every chart repository. */
  refreshMinutes: number;
  requestTimeoutMs: number;
  /** An index.yaml or archive larger than this is refused, not parsed. */
  maxIndexBytes: number;
  maxArchiveBytes: number;
  /**
   * Bytes of `values.yaml` (and of `values.schema.json`) inflated out of an
   * archive; the whole archive inflates to at most 16 × `maxArchiveBytes`.
   */
  maxValuesBytes: number;
  /** Alias expansions allowed in one YAML document (values, indexes). */
  maxYamlAliases: number;
  /** Requests to chart repositories and OCI registries in flight at once. */
  concurrency: number;
  /** Newest versions of an OCI chart whose metadata is read. */
  ociMaxVersions: number;
  /** Newest candidate versions listed per component. */
  maxCandidates: number;
  /** Milliseconds an upgrade answer is reused. */
  cacheTtlMs: number;
  repositories: ChartRepositoryConfig[];
}

function readPositive(
  config: Config,
  key: string,
  fallback: number,
  max: number,
): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new DatastackConfigError(
      key,
      `must be a whole number between 1 and ${max}`,
    );
  }
  return value;
}

function readRepositoryUrl(raw: string, key: string, oci: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DatastackConfigError(key, `"${raw}" is not a URL`);
  }
  const allowed = oci ? ['oci:'] : ['http:', 'https:'];
  if (!allowed.includes(url.protocol)) {
    throw new DatastackConfigError(
      key,
      oci
        ? 'must be an oci:// URL, as the repository it mirrors'
        : 'must be an http(s):// URL',
    );
  }
  return raw.replace(/\/+$/, '');
}

/**
 * Reads and validates `datastack.upgrades`, throwing
 * {@link DatastackConfigError} naming the key at fault.
 */
export function readUpgradesConfig(root: Config): UpgradesConfig {
  const prefix = 'datastack.upgrades';
  const repositories = (
    root.getOptionalConfigArray(`${prefix}.chartRepositories`) ?? []
  ).map((c, i): ChartRepositoryConfig => {
    const at = `${prefix}.chartRepositories[${i}]`;
    const rawUrl = c.getString('url');
    const oci = rawUrl.startsWith('oci://');
    const url = readRepositoryUrl(rawUrl, `${at}.url`, oci);
    const mirror = c.has('mirror')
      ? readRepositoryUrl(c.getString('mirror'), `${at}.mirror`, oci)
      : undefined;
    const token = c.getOptionalString('token');
    const username = c.getOptionalString('username');
    const password = c.getOptionalString('password');
    if (token && (username || password)) {
      throw new DatastackConfigError(
        at,
        'set either token or username and password, not both',
      );
    }
    if (Boolean(username) !== Boolean(password)) {
      throw new DatastackConfigError(at, 'username and password go together');
    }
    let auth: ChartRepositoryConfig['auth'];
    if (token) auth = { type: 'bearer', token };
    else if (username && password) auth = { type: 'basic', username, password };
    return {
      url,
      mirror,
      plainHttp: c.getOptionalBoolean('plainHttp') ?? false,
      auth,
    };
  });
  return {
    refreshMinutes: readPositive(
      root,
      `${prefix}.refreshIntervalMinutes`,
      60,
      7 * 24 * 60,
    ),
    requestTimeoutMs: readTimeout(root, `${prefix}.requestTimeoutMs`, 15_000),
    maxIndexBytes: readPositive(
      root,
      `${prefix}.maxIndexBytes`,
      64 * 1024 * 1024,
      512 * 1024 * 1024,
    ),
    maxArchiveBytes: readPositive(
      root,
      `${prefix}.maxArchiveBytes`,
      16 * 1024 * 1024,
      256 * 1024 * 1024,
    ),
    maxValuesBytes: readPositive(
      root,
      `${prefix}.maxValuesBytes`,
      8 * 1024 * 1024,
      128 * 1024 * 1024,
    ),
    maxYamlAliases: readPositive(root, `${prefix}.maxYamlAliases`, 100, 10_000),
    concurrency: readPositive(root, `${prefix}.concurrency`, 4, 64),
    ociMaxVersions: readPositive(root, `${prefix}.ociMaxVersions`, 20, 200),
    maxCandidates: readPositive(root, `${prefix}.maxCandidates`, 20, 200),
    cacheTtlMs: readTimeout(root, `${prefix}.cacheTtlMs`, 60_000),
    repositories,
  };
}
