/**
 * Synthetic Applications for benchmarks and demos: a rotation over the data
 * stack's charts with plausible repositories, versions and labels.
 */

import type { ApplicationSpec, ObjectMeta } from './types';

/** How {@link buildSeedApplication} shapes the Applications it makes. */
export interface SeedTemplate {
  /** Name prefix: Applications are named `PREFIX-00001`, … (default `seed`). */
  namePrefix?: string;
  /** Namespace of the Application objects (default `argocd`). */
  namespace?: string;
  /** AppProject (default `default`). */
  project?: string;
  /** Destination cluster URL (default `https://kubernetes.default.svc`). */
  server?: string;
  /** Extra labels on every Application. */
  labels?: Record<string, string>;
  /** Extra annotations on every Application. */
  annotations?: Record<string, string>;
  /** Charts to rotate over (default: the whole data stack). */
  charts?: string[];
  /** Number of distinct teams in the `datastack.io/team` label (default 20). */
  teams?: number;
  /** Start out already synced and healthy (default true). */
  deployed?: boolean;
  /** Give the Applications an automated sync policy (default true). */
  automated?: boolean;
}

interface ChartSource {
  repoURL: string;
  version: string;
}

/** Where the data stack's charts are published, and a recent version. */
export const CHART_SOURCES: Record<string, ChartSource> = {
  airflow: { repoURL: 'https://airflow.apache.org', version: '1.16.0' },
  dagster: { repoURL: 'https://dagster-io.github.io/helm', version: '1.11.2' },
  superset: { repoURL: 'https://apache.github.io/superset', version: '0.15.0' },
  trino: { repoURL: 'https://trinodb.github.io/charts', version: '1.42.0' },
  'strimzi-kafka-operator': {
    repoURL: 'quay.io/strimzi-helm',
    version: '0.48.0',
  },
  'spark-operator': {
    repoURL: 'https://kubeflow.github.io/spark-operator',
    version: '2.5.0',
  },
  'altinity-clickhouse-operator': {
    repoURL: 'https://docs.altinity.com/clickhouse-operator',
    version: '0.25.2',
  },
  'flink-kubernetes-operator': {
    repoURL:
      'https://downloads.apache.org/flink/flink-kubernetes-operator-1.15.0',
    version: '1.15.0',
  },
  'prefect-server': {
    repoURL: 'https://prefecthq.github.io/prefect-helm',
    version: '2026.8.1',
  },
  airbyte: { repoURL: 'https://airbytehq.github.io/charts', version: '1.6.0' },
};

/** The metadata and spec of the `index`-th synthetic Application. */
export function buildSeedApplication(
  index: number,
  template: SeedTemplate,
  instance: string,
): { metadata: ObjectMeta; spec: ApplicationSpec } {
  const charts = template.charts?.length
    ? template.charts
    : Object.keys(CHART_SOURCES);
  const chart = charts[index % charts.length];
  const source = CHART_SOURCES[chart] ?? {
    repoURL: 'https://charts.sandbox.datastack.local',
    version: '1.0.0',
  };
  const team = `team-${index % (template.teams ?? 20)}`;
  const name = `${template.namePrefix ?? 'seed'}-${String(index).padStart(
    5,
    '0',
  )}`;
  const spec: ApplicationSpec = {
    project: template.project ?? 'default',
    source: {
      repoURL: source.repoURL,
      chart,
      targetRevision: source.version,
      helm: { releaseName: name },
    },
    destination: {
      server: template.server ?? 'https://kubernetes.default.svc',
      namespace: `${team}-${chart}`.slice(0, 63),
    },
  };
  if (template.automated ?? true) {
    spec.syncPolicy = {
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=true'],
    };
  }
  return {
    metadata: {
      name,
      namespace: template.namespace ?? 'argocd',
      labels: {
        'sandbox.datastack.io/seed': 'true',
        'datastack.io/component': chart,
        'datastack.io/team': team,
        'datastack.io/environment': instance,
        ...template.labels,
      },
      ...(template.annotations ? { annotations: template.annotations } : {}),
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec,
  };
}
