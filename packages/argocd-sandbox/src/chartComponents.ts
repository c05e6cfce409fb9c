import { defaultComponents } from '@datastack/plugin-datastack-common';

/**
 * The charts the chart repository stand-in publishes, one per data-stack
 * component of the Datastack registry (its chart coordinates, Kubernetes
 * range, CRDs and `small` default values); callers may pass other components
 * to `startChartRepository({ components })`.
 *
 * Per component, a curated "flavour" adds what the registry does not hold:
 * chart metadata, subchart dependencies, a values schema, which releases are
 * deprecated or need a newer Kubernetes, and the release notes and values
 * changes that really happened (Strimzi's v1 API, Superset's deprecation,
 * Airflow dropping its bundled PostgreSQL).
 */

/** A group/version/kind, as the registry lists CRDs. */
export interface ChartCrd {
  group: string;
  version: string;
  kind: string;
}

/**
 * A data-stack component as far as its chart repository is concerned: the
 * fields of the registry's `ComponentDefinition` the stand-in reads, so a
 * registry component can be passed as it is.
 */
export interface ChartComponent {
  /** Registry id, e.g. `airflow`: the repository is served at `/charts/<id>`. */
  id: string;
  /** Title, used in release notes. */
  title?: string;
  /** Components without a chart (dbt) are skipped. */
  chart?: {
    /** https index URL, or `oci://host/path` (the chart is `<path>/<name>`). */
    repository: string;
    name: string;
    /** The version a new pipeline pins: releases are generated around it. */
    version: string;
    appVersion?: string;
  };
  /** Chart.yaml `kubeVersion` of the pinned release and later (unless the flavour says otherwise). */
  kubeVersion?: string;
  crds?: readonly ChartCrd[];
  /** Default values per environment size: the keys they set are the ones releases change. */
  values?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A Chart.yaml dependency. */
export interface ChartDependency {
  name: string;
  version: string;
  repository: string;
  condition?: string;
  alias?: string;
}

/** An `artifacthub.io/changes` entry. */
export interface ChartChange {
  kind: 'added' | 'changed' | 'deprecated' | 'removed' | 'fixed' | 'security';
  description: string;
}

/** A values operation of a milestone: a path set to a value, or removed. */
export type ValuesOp =
  | { set: string; value: unknown }
  | {
      unset: string;
    };

/**
 * A release that changed something. Its `ops` describe the values from
 * `from` on when `from` is newer than the pinned release, and the values
 * before `from` when it is not (the pinned release's values are the
 * reference both ways).
 */
export interface Milestone {
  from: string;
  changes: ChartChange[];
  ops?: ValuesOp[];
  /** Replaces the dependencies from `from` on (newer milestones only). */
  dependencies?: ChartDependency[];
}

/** The generated releases that matter, as versions (absent when not generated). */
export interface ReleaseSteps {
  pinned: string;
  /** `M.m.0` of the pinned version (it may not be a release). */
  minorFloor: string;
  /** The first newer patch, minor and major releases. */
  patch?: string;
  minor?: string;
  major?: string;
  /** The oldest release. */
  oldest: string;
}

/** A CRD version as `spec.versions[]` lists it. */
export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
}

/** What the registry does not say about a chart. */
export interface ChartFlavour {
  description: string;
  home: string;
  sources: string[];
  keywords: string[];
  maintainers: Array<{ name: string; email?: string; url?: string }>;
  icon?: string;
  /** Dependencies of the pinned release (and older). */
  dependencies?: ChartDependency[];
  /** Ship a `values.schema.json`. */
  schema?: boolean;
  /** Versions besides the generated ones (older lines a deployment may still run). */
  extraVersions?: string[];
  /** Replaces the generated versions (calendar-versioned charts). */
  versions?: string[];
  /** appVersion per chart version where the generic derivation is wrong. */
  appVersions?: Record<string, string>;
  /** Releases from this version on are `deprecated: true`. */
  deprecatedFrom?: (s: ReleaseSteps) => string | undefined;
  /** Chart.yaml kubeVersion by release: the last entry whose `from` <= version applies. */
  kubeVersions?: (
    s: ReleaseSteps,
    registryRange: string | undefined,
  ) => Array<{ from: string; range?: string }>;
  /** Releases before this version template APIs that Kubernetes removed. */
  legacyApisBefore?: (s: ReleaseSteps) => string | undefined;
  /** CRD versions served by a release (default: the registry's version only). */
  crdVersions?: (version: string, crd: ChartCrd) => CrdVersion[];
  /** Curated milestones, besides the generic ones. */
  milestones?: (s: ReleaseSteps) => Milestone[];
  /** The chart templates its own custom resources (kube-prometheus-stack's Prometheus). */
  templatesCustomResources?: boolean;
  /** Archives are linked by absolute URL under this path (GitHub release downloads). */
  releaseDownloads?: boolean;
}

const BITNAMI = 'https://charts.bitnami.com/bitnami';
const BITNAMI_OCI = 'oci://registry-1.docker.io/bitnamicharts';
const PROMETHEUS_COMMUNITY =
  'https://prometheus-community.github.io/helm-charts';

/**
 * The registry's chart components with their `small` default values (the keys
 * the generated releases change), taken from the registry itself so the
 * stand-in publishes exactly the charts the backend expects.
 */
export const DEFAULT_CHART_COMPONENTS: readonly ChartComponent[] =
  defaultComponents
    .filter(c => c.chart)
    .map(c => ({
      id: c.id,
      title: c.title,
      chart: c.chart,
      ...(c.kubeVersion && { kubeVersion: c.kubeVersion }),
      crds: c.crds,
      values: { small: c.values.small },
    }));

const apacheMaintainers = [
  { name: 'Apache Software Foundation', email: 'dev@apache.org' },
];

/** Curated chart facts per registry component id. */
export const CHART_FLAVOURS: Readonly<Record<string, ChartFlavour>> = {
  airbyte: {
    description: 'Helm chart to deploy airbyte',
    home: 'https://airbyte.com',
    sources: ['https://github.com/airbytehq/airbyte-platform'],
    keywords: ['airbyte', 'elt', 'data-integration'],
    maintainers: [{ name: 'Airbyte', email: 'support@airbyte.io' }],
    icon: 'https://avatars.githubusercontent.com/u/59758427?s=200&v=4',
    extraVersions: ['1.6.0', '1.8.5', '2.0.0'],
    milestones: () => [
      {
        from: '2.0.0',
        changes: [
          {
            kind: 'removed',
            description:
              'The v1 umbrella chart and its 14 subcharts are gone: airbyte 2.x is a single chart (see the v2 migration guide)',
          },
        ],
      },
    ],
  },
  airflow: {
    description:
      'The official Helm chart to deploy Apache Airflow, a platform to programmatically author, schedule, and monitor workflows',
    home: 'https://airflow.apache.org/',
    sources: ['https://github.com/apache/airflow'],
    keywords: ['apache', 'airflow', 'workflow', 'scheduler'],
    maintainers: [
      {
        name: 'Apache Airflow PMC',
        email: 'dev@airflow.apache.org',
      },
    ],
    icon: 'https://airflow.apache.org/images/airflow_dark_bg.png',
    schema: true,
    extraVersions: ['1.16.0'],
    dependencies: [
      {
        name: 'postgresql',
        version: '13.2.24',
        repository: BITNAMI,
        condition: 'postgresql.enabled',
      },
    ],
    appVersions: { '1.16.0': '2.10.5' },
    legacyApisBefore: s => s.minorFloor,
    milestones: (s): Milestone[] => [
      {
        // Airflow 3 replaced the webserver by the API server.
        from: '1.17.0',
        changes: [
          {
            kind: 'added',
            description:
              '`apiServer` for Airflow 3; `webserver` is only used with Airflow 2',
          },
        ],
        ops: [{ unset: 'apiServer' }, { set: 'webserver.replicas', value: 1 }],
      },
      ...(s.major
        ? ([
            {
              from: s.major,
              changes: [
                {
                  kind: 'removed',
                  description:
                    'The bundled PostgreSQL subchart (Bitnami) is removed: set `data.metadataConnection` to an external database',
                },
              ],
              ops: [
                { unset: 'postgresql' },
                {
                  set: 'data.metadataConnection',
                  value: { host: '', port: 5432, db: 'airflow', user: '' },
                },
              ],
              dependencies: [],
            },
          ] satisfies Milestone[])
        : []),
    ],
  },
  dagster: {
    description: 'The Helm chart for Dagster',
    home: 'https://dagster.io',
    sources: ['https://github.com/dagster-io/dagster/tree/master/helm/dagster'],
    keywords: ['dagster', 'orchestration', 'data'],
    maintainers: [{ name: 'Dagster Labs', email: 'support@dagsterlabs.com' }],
    icon: 'https://dagster.io/images/brand/logos/dagster-primary-mark.png',
    schema: true,
    extraVersions: ['1.11.2'],
    dependencies: [
      {
        name: 'dagster-user-deployments',
        version: '0.0.1-dev',
        repository: '',
        condition: 'dagster-user-deployments.enableSubchart',
      },
      {
        name: 'postgresql',
        version: '8.1.0',
        repository: BITNAMI,
        condition: 'postgresql.enabled',
      },
      {
        name: 'rabbitmq',
        version: '6.16.3',
        repository: BITNAMI,
        condition: 'rabbitmq.enabled',
      },
      {
        name: 'redis',
        version: '12.7.4',
        repository: BITNAMI,
        condition: 'redis.internal',
      },
    ],
  },
  prefect: {
    description: 'Prefect server application bundle',
    home: 'https://www.prefect.io',
    sources: ['https://github.com/PrefectHQ/prefect-helm'],
    keywords: ['prefect', 'workflow', 'orchestration'],
    maintainers: [{ name: 'jamiezieziula', email: 'jamie@prefect.io' }],
    icon: 'https://www.prefect.io/hubfs/prefect-logo.svg',
    versions: [
      '2025.7.2213341',
      '2025.8.1518390',
      '2025.9.5190948',
      '2025.9.5231614',
      '2025.11.1309211',
      '2025.12.0410317',
      '2026.3.1716452',
      '2026.6.1154549',
      '2026.8.1',
    ],
    appVersions: {
      '2025.7.2213341': '3.4.10',
      '2025.8.1518390': '3.4.13',
      '2025.9.5190948': '3.4.17',
      '2025.9.5231614': '3.4.18',
      '2025.11.1309211': '3.5.2',
      '2025.12.0410317': '3.5.4',
      '2026.3.1716452': '3.7.0',
      '2026.6.1154549': '3.8.1',
      '2026.8.1': '3.8.4',
    },
    dependencies: [
      { name: 'common', version: '2.31.3', repository: BITNAMI_OCI },
      {
        name: 'postgresql',
        version: '12.12.10',
        repository: BITNAMI_OCI,
        condition: 'postgresql.enabled',
      },
    ],
  },
  clickhouse: {
    description:
      'Helm chart to deploy altinity-clickhouse-operator. The ClickHouse Operator creates, configures and manages ClickHouse clusters running on Kubernetes.',
    home: 'https://github.com/Altinity/clickhouse-operator',
    sources: [
      'https://github.com/Altinity/clickhouse-operator/tree/master/deploy/helm/clickhouse-operator',
    ],
    keywords: ['clickhouse', 'operator', 'olap'],
    maintainers: [{ name: 'altinity', email: 'support@altinity.com' }],
    icon: 'https://logosandtypes.com/wp-content/uploads/2020/12/altinity.svg',
    extraVersions: ['0.25.2'],
  },
  trino: {
    description: 'Fast distributed SQL query engine for big data analytics',
    home: 'https://trino.io/',
    sources: ['https://github.com/trinodb/charts'],
    keywords: ['trino', 'sql', 'query-engine'],
    maintainers: [{ name: 'Trino community', url: 'https://trino.io' }],
    icon: 'https://trino.io/assets/trino.png',
    schema: true,
    extraVersions: ['1.42.0'],
    kubeVersions: s =>
      s.minor
        ? [
            { from: '0.0.0', range: undefined },
            { from: s.minor, range: '>=1.30.0-0' },
          ]
        : [],
    milestones: s =>
      s.minor
        ? [
            {
              from: s.minor,
              changes: [
                {
                  kind: 'changed',
                  description:
                    'Require Kubernetes 1.30 or newer (native sidecar containers for the JMX exporter)',
                },
              ],
            },
          ]
        : [],
  },
  spark: {
    description: 'A Helm chart for Spark on Kubernetes operator.',
    home: 'https://github.com/kubeflow/spark-operator',
    sources: ['https://github.com/kubeflow/spark-operator'],
    keywords: ['apache spark', 'kubernetes', 'operator'],
    maintainers: [{ name: 'ChenYi015', email: 'github@chenyicn.net' }],
    extraVersions: ['2.5.0'],
    releaseDownloads: true,
  },
  kafka: {
    description: 'Strimzi: Apache Kafka running on Kubernetes',
    home: 'https://strimzi.io/',
    sources: ['https://github.com/strimzi/strimzi-kafka-operator'],
    keywords: ['kafka', 'queue', 'stream', 'event', 'messaging', 'datastore'],
    maintainers: [{ name: 'Strimzi', email: 'cncf-strimzi-dev@lists.cncf.io' }],
    icon: 'https://raw.githubusercontent.com/strimzi/strimzi-kafka-operator/main/documentation/logo/strimzi_logo.png',
    extraVersions: [
      '0.45.0',
      '0.46.1',
      '0.47.0',
      '0.48.0',
      '0.49.0',
      '0.49.1',
      '0.50.0',
      '0.51.0',
    ],
    // Strimzi documents Kubernetes >= 1.30 from 0.51 on; the registry
    // carries it as the chart's range.
    kubeVersions: (_s, registryRange) => [
      { from: '0.0.0', range: undefined },
      { from: '0.51.0', range: registryRange ?? '>=1.30.0-0' },
    ],
    crdVersions: (version, crd) => {
      if (!crd.group.endsWith('strimzi.io')) {
        return [{ name: crd.version, served: true, storage: true }];
      }
      if (compareVersions(version, '1.0.0') >= 0) {
        return [{ name: 'v1', served: true, storage: true }];
      }
      const v1beta2 = { name: 'v1beta2', served: true, storage: true };
      return compareVersions(version, '0.49.0') >= 0
        ? [v1beta2, { name: 'v1', served: true, storage: false }]
        : [v1beta2];
    },
    milestones: () => [
      {
        from: '0.49.0',
        changes: [
          {
            kind: 'added',
            description:
              'The kafka.strimzi.io/v1 and core.strimzi.io/v1 APIs for every Strimzi resource, and the v1 API conversion tool',
          },
          {
            kind: 'deprecated',
            description:
              'The v1beta2 API: convert every Strimzi resource to v1 before upgrading to Strimzi 1.0',
          },
        ],
      },
      {
        from: '0.51.0',
        changes: [
          {
            kind: 'changed',
            description: 'Kubernetes 1.30 or newer is required',
          },
        ],
      },
      {
        from: '1.0.0',
        changes: [
          {
            kind: 'removed',
            description:
              'The v1beta2 API is no longer served: resources still stored at kafka.strimzi.io/v1beta2 must be converted before upgrading',
          },
        ],
      },
    ],
  },
  flink: {
    description: 'A Helm chart for the Apache Flink Kubernetes Operator',
    home: 'https://flink.apache.org/',
    sources: ['https://github.com/apache/flink-kubernetes-operator'],
    keywords: ['flink', 'operator', 'streaming'],
    maintainers: apacheMaintainers,
    icon: 'https://flink.apache.org/img/logo/png/50/color_50.png',
  },
  superset: {
    description:
      'Apache Superset is a modern, enterprise-ready business intelligence web application',
    home: 'https://superset.apache.org/',
    sources: ['https://github.com/apache/superset'],
    keywords: ['superset', 'bi', 'dashboards'],
    maintainers: [
      { name: 'craig-rueda', email: 'craig@craigrueda.com' },
      { name: 'dpgaspar', email: 'danielvazgaspar@gmail.com' },
    ],
    icon: 'https://artifacthub.io/image/68c1d717-0e97-491f-b046-754e46f46922@2x',
    extraVersions: ['0.15.0'],
    deprecatedFrom: s => s.pinned,
    dependencies: [
      {
        name: 'postgresql',
        version: '13.4.4',
        repository: BITNAMI_OCI,
        condition: 'postgresql.enabled',
      },
      {
        name: 'redis',
        version: '17.9.4',
        repository: BITNAMI_OCI,
        condition: 'redis.enabled',
      },
    ],
    milestones: s => [
      {
        from: s.pinned,
        changes: [
          {
            kind: 'deprecated',
            description:
              'This chart is deprecated: Superset 7.0 is deployed by the Superset Kubernetes operator',
          },
        ],
      },
    ],
  },
  metabase: {
    description:
      'The easy, open source way for everyone in your company to ask questions and learn from data.',
    home: 'https://www.metabase.com/',
    sources: [
      'https://github.com/metabase/metabase',
      'https://github.com/pmint93/helm-charts',
    ],
    keywords: ['metabase', 'analytics', 'bi'],
    maintainers: [{ name: 'pmint93', email: 'phamminhthanh69@gmail.com' }],
    icon: 'https://www.metabase.com/images/logo.svg',
  },
  observability: {
    description:
      'kube-prometheus-stack collects Kubernetes manifests, Grafana dashboards, and Prometheus rules combined with documentation and scripts to provide easy to operate end-to-end Kubernetes cluster monitoring with Prometheus using the Prometheus Operator.',
    home: 'https://github.com/prometheus-operator/kube-prometheus',
    sources: [
      'https://github.com/prometheus-community/helm-charts',
      'https://github.com/prometheus-operator/kube-prometheus',
    ],
    keywords: ['operator', 'prometheus', 'kube-prometheus'],
    maintainers: [
      { name: 'andrewgkew', email: 'andrew@quadcorps.co.uk' },
      { name: 'jkroepke', email: 'github@jkroepke.de' },
    ],
    icon: 'https://raw.githubusercontent.com/prometheus/prometheus.github.io/master/assets/prometheus_logo-cb55bb5c346.png',
    templatesCustomResources: true,
    dependencies: [
      {
        name: 'crds',
        version: '0.0.0',
        repository: '',
        condition: 'crds.enabled',
      },
      {
        name: 'kube-state-metrics',
        version: '6.1.*',
        repository: PROMETHEUS_COMMUNITY,
        condition: 'kubeStateMetrics.enabled',
      },
      {
        name: 'prometheus-node-exporter',
        version: '4.47.*',
        repository: PROMETHEUS_COMMUNITY,
        condition: 'nodeExporter.enabled',
      },
      {
        name: 'grafana',
        version: '10.1.*',
        repository: 'https://grafana.github.io/helm-charts',
        condition: 'grafana.enabled',
      },
    ],
    // One newer release that the sandbox's clusters (Kubernetes 1.30) cannot run.
    kubeVersions: (s, registryRange) => [
      { from: '0.0.0', range: registryRange ?? '>=1.19.0-0' },
      ...(s.major ? [{ from: s.major, range: '>=1.31.0-0' }] : []),
    ],
    milestones: s =>
      s.major
        ? [
            {
              from: s.major,
              changes: [
                {
                  kind: 'changed',
                  description:
                    'Require Kubernetes 1.31 or newer: the Prometheus operator uses ValidatingAdmissionPolicy and native sidecars',
                },
              ],
              dependencies: [
                {
                  name: 'crds',
                  version: '0.0.0',
                  repository: '',
                  condition: 'crds.enabled',
                },
                {
                  name: 'kube-state-metrics',
                  version: '7.0.*',
                  repository: PROMETHEUS_COMMUNITY,
                  condition: 'kubeStateMetrics.enabled',
                },
                {
                  name: 'prometheus-node-exporter',
                  version: '4.49.*',
                  repository: PROMETHEUS_COMMUNITY,
                  condition: 'nodeExporter.enabled',
                },
                {
                  name: 'grafana',
                  version: '11.0.*',
                  repository: 'https://grafana.github.io/helm-charts',
                  condition: 'grafana.enabled',
                },
              ],
            },
          ]
        : [],
  },
};

interface ParsedVersion {
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
}

/** A SemVer 2 version (optional `v`), or undefined. */
export function parseVersion(version: string): ParsedVersion | undefined {
  const match =
    /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(
      version,
    );
  if (!match) return undefined;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    prerelease: match[4] ? match[4].split('.') : [],
  };
}

/** SemVer 2 precedence; versions that do not parse sort first, by text. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) {
    if (x) return 1;
    if (y) return -1;
    return a < b ? -1 : Number(a > b);
  }
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (x[key] !== y[key]) return x[key] < y[key] ? -1 : 1;
  }
  if (!x.prerelease.length || !y.prerelease.length) {
    return y.prerelease.length - x.prerelease.length;
  }
  for (let i = 0; i < Math.max(x.prerelease.length, y.prerelease.length); i++) {
    const p = x.prerelease[i];
    const q = y.prerelease[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) < Number(q) ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}
