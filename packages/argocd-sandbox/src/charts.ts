/**
 * What a synced Application "deploys" in the sandbox: a small table of
 * plausible Kubernetes resources and container images per Helm chart of the
 * data stack, so that status.resources, status.summary.images and the
 * resource tree look like the real thing.
 */

import { isClusterScoped } from './projectRules';

/** One Kubernetes resource an Application manages. */
export interface InventoryItem {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  /** Container images of a workload. */
  images?: string[];
  /** Pods of a workload. */
  replicas?: number;
  /** Host of an Ingress. */
  host?: string;
  /** The manifest, for resources read from a Git repository. */
  manifest?: Record<string, unknown>;
  /** A custom resource's operator: its version (the chart's). */
  operatorVersion?: string;
  /** The API versions its CRD serves, when more than `version`. */
  servedVersions?: string[];
}

/** What the inventory of one Application depends on. */
export interface InventoryContext {
  /** Helm release name: `spec.source.helm.releaseName` or the Application name. */
  release: string;
  /** Destination namespace. */
  namespace: string;
  /** Image tag: the chart version the Application targets. */
  tag: string;
  /** Add resources of API versions removed from Kubernetes (for demos). */
  legacyApis: boolean;
}

type Item = Omit<InventoryItem, 'namespace'>;

const deployment = (name: string, images: string[], replicas = 1): Item => ({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  name,
  images,
  replicas,
});
const statefulSet = (name: string, images: string[], replicas = 1): Item => ({
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  name,
  images,
  replicas,
});
const service = (name: string): Item => ({
  group: '',
  version: 'v1',
  kind: 'Service',
  name,
});
const serviceAccount = (name: string): Item => ({
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  name,
});
const configMap = (name: string): Item => ({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  name,
});
const cronJob = (name: string, images: string[]): Item => ({
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  name,
  images,
});
const ingress = (name: string, host: string): Item => ({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  name,
  host,
});
const pdb = (name: string): Item => ({
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  name,
});
const custom = (
  group: string,
  version: string,
  kind: string,
  name: string,
): Item => ({ group, version, kind, name });

/** A data-stack custom resource, with the version of the operator reconciling it. */
const resource = (
  group: string,
  version: string,
  kind: string,
  name: string,
  operatorVersion: string,
  servedVersions?: string[],
): Item => ({
  ...custom(group, version, kind, name),
  operatorVersion,
  ...(servedVersions ? { servedVersions } : {}),
});

/** What an operator chart installs cluster-wide: RBAC to watch every namespace. */
const clusterRbac = (name: string): Item[] => [
  custom('rbac.authorization.k8s.io', 'v1', 'ClusterRole', name),
  custom('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', name),
];

const POSTGRES = 'docker.io/bitnami/postgresql:16.4.0-debian-12-r14';
const REDIS = 'docker.io/bitnami/redis:7.4.1-debian-12-r2';

function hostFor(c: InventoryContext, name: string): string {
  return `${name}.${c.namespace}.sandbox.datastack.local`;
}

/** Strimzi served `kafka.strimzi.io/v1beta2` until 0.49 and `v1` since. */
function strimziApiVersion(tag: string): string {
  const [major, minor] = tag.split('.').map(part => Number.parseInt(part, 10));
  if (Number.isNaN(major) || Number.isNaN(minor)) return 'v1';
  return major === 0 && minor < 49 ? 'v1beta2' : 'v1';
}

/**
 * The kafka.strimzi.io versions Strimzi's CRDs serve: v1beta2 until 0.49,
 * both from 0.49 (v1beta2 still stored), v1 alone from 1.0.
 */
function strimziServedVersions(tag: string): string[] {
  const [major, minor] = tag.split('.').map(part => Number.parseInt(part, 10));
  if (Number.isNaN(major) || Number.isNaN(minor) || major >= 1) return ['v1'];
  return minor < 49 ? ['v1beta2'] : ['v1beta2', 'v1'];
}

/** kube-prometheus-stack's fullname as its chart truncates it (26 characters). */
function promFullname(release: string): string {
  return `${release}-kube-prometheus-stack`.slice(0, 26).replace(/-+$/, '');
}

const CHARTS: Record<string, (c: InventoryContext) => Item[]> = {
  'strimzi-kafka-operator': c => [
    serviceAccount('strimzi-cluster-operator'),
    ...clusterRbac('strimzi-cluster-operator-namespaced'),
    configMap('strimzi-cluster-operator'),
    deployment('strimzi-cluster-operator', [
      `quay.io/strimzi/operator:${c.tag}`,
    ]),
    resource(
      'kafka.strimzi.io',
      strimziApiVersion(c.tag),
      'Kafka',
      c.release,
      c.tag,
      strimziServedVersions(c.tag),
    ),
    resource(
      'kafka.strimzi.io',
      strimziApiVersion(c.tag),
      'KafkaNodePool',
      `${c.release}-dual-role`,
      c.tag,
      strimziServedVersions(c.tag),
    ),
  ],
  'flink-kubernetes-operator': c => [
    serviceAccount('flink-operator'),
    ...clusterRbac('flink-operator'),
    configMap('flink-operator-config'),
    deployment('flink-kubernetes-operator', [
      `ghcr.io/apache/flink-kubernetes-operator:${c.tag}`,
    ]),
    service('flink-operator-webhook-service'),
    resource(
      'flink.apache.org',
      'v1beta1',
      'FlinkDeployment',
      c.release,
      c.tag,
    ),
  ],
  'spark-operator': c => [
    serviceAccount(`${c.release}-spark-operator-controller`),
    ...clusterRbac(`${c.release}-spark-operator-controller`),
    deployment(`${c.release}-spark-operator-controller`, [
      `ghcr.io/kubeflow/spark-operator/controller:${c.tag}`,
    ]),
    deployment(`${c.release}-spark-operator-webhook`, [
      `ghcr.io/kubeflow/spark-operator/controller:${c.tag}`,
    ]),
    service(`${c.release}-spark-operator-webhook-svc`),
    resource(
      'sparkoperator.k8s.io',
      'v1beta2',
      'SparkApplication',
      `${c.release}-spark-pi`,
      c.tag,
    ),
  ],
  'altinity-clickhouse-operator': c => [
    serviceAccount(`${c.release}-altinity-clickhouse-operator`),
    ...clusterRbac(`${c.release}-altinity-clickhouse-operator`),
    configMap(`${c.release}-altinity-clickhouse-operator-files`),
    deployment(`${c.release}-altinity-clickhouse-operator`, [
      `altinity/clickhouse-operator:${c.tag}`,
      `altinity/metrics-exporter:${c.tag}`,
    ]),
    service(`${c.release}-altinity-clickhouse-operator-metrics`),
    resource(
      'clickhouse.altinity.com',
      'v1',
      'ClickHouseInstallation',
      c.release,
      c.tag,
    ),
  ],
  airflow: c => [
    serviceAccount(`${c.release}-airflow-scheduler`),
    configMap(`${c.release}-config`),
    deployment(`${c.release}-scheduler`, [`apache/airflow:${c.tag}`]),
    deployment(`${c.release}-webserver`, [`apache/airflow:${c.tag}`]),
    deployment(`${c.release}-statsd`, [
      'quay.io/prometheus/statsd-exporter:v0.28.0',
    ]),
    statefulSet(`${c.release}-triggerer`, [`apache/airflow:${c.tag}`]),
    statefulSet(`${c.release}-postgresql`, [POSTGRES]),
    service(`${c.release}-webserver`),
    service(`${c.release}-postgresql`),
    cronJob(`${c.release}-cleanup`, [`apache/airflow:${c.tag}`]),
    ingress(`${c.release}-ingress`, hostFor(c, `${c.release}-airflow`)),
    pdb(`${c.release}-scheduler-pdb`),
  ],
  dagster: c => [
    serviceAccount(c.release),
    configMap(`${c.release}-dagster-instance`),
    deployment(`${c.release}-dagster-webserver`, [
      `docker.io/dagster/dagster-celery-k8s:${c.tag}`,
    ]),
    deployment(`${c.release}-daemon`, [
      `docker.io/dagster/dagster-celery-k8s:${c.tag}`,
    ]),
    deployment(
      `${c.release}-dagster-user-deployments-k8s-example-user-code-1`,
      [`docker.io/dagster/user-code-example:${c.tag}`],
    ),
    statefulSet(`${c.release}-postgresql`, ['docker.io/library/postgres:14.6']),
    service(`${c.release}-dagster-webserver`),
    service(`${c.release}-postgresql`),
    cronJob(`${c.release}-run-monitoring`, [
      `docker.io/dagster/dagster-celery-k8s:${c.tag}`,
    ]),
    ingress(`${c.release}-ingress`, hostFor(c, `${c.release}-dagster`)),
    pdb(`${c.release}-dagster-webserver`),
  ],
  superset: c => [
    configMap(`${c.release}-config`),
    deployment(c.release, [
      `apachesuperset.docker.scarf.sh/apache/superset:${c.tag}`,
    ]),
    deployment(`${c.release}-worker`, [
      `apachesuperset.docker.scarf.sh/apache/superset:${c.tag}`,
    ]),
    statefulSet(`${c.release}-postgresql`, [POSTGRES]),
    statefulSet(`${c.release}-redis-master`, [REDIS]),
    service(c.release),
    service(`${c.release}-postgresql`),
    service(`${c.release}-redis-headless`),
    cronJob(`${c.release}-cache-warmup`, [
      `apachesuperset.docker.scarf.sh/apache/superset:${c.tag}`,
    ]),
    ingress(c.release, hostFor(c, `${c.release}-superset`)),
    pdb(`${c.release}-worker`),
  ],
  trino: c => [
    configMap(`${c.release}-trino-coordinator`),
    configMap(`${c.release}-trino-worker`),
    deployment(`${c.release}-trino-coordinator`, [`trinodb/trino:${c.tag}`]),
    deployment(`${c.release}-trino-worker`, [`trinodb/trino:${c.tag}`], 2),
    service(`${c.release}-trino`),
    service(`${c.release}-trino-worker`),
    cronJob(`${c.release}-trino-catalog-refresh`, [`trinodb/trino:${c.tag}`]),
    ingress(`${c.release}-trino`, hostFor(c, `${c.release}-trino`)),
    pdb(`${c.release}-trino-worker`),
  ],
  airbyte: c => [
    serviceAccount(`${c.release}-admin`),
    configMap(`${c.release}-airbyte-env`),
    deployment(`${c.release}-server`, [`airbyte/server:${c.tag}`]),
    deployment(`${c.release}-webapp`, [`airbyte/webapp:${c.tag}`]),
    deployment(`${c.release}-worker`, [`airbyte/worker:${c.tag}`]),
    deployment(`${c.release}-workload-launcher`, [
      `airbyte/workload-launcher:${c.tag}`,
    ]),
    deployment(`${c.release}-temporal`, ['temporalio/auto-setup:1.27.2']),
    statefulSet(`${c.release}-db`, [`airbyte/db:${c.tag}`]),
    statefulSet(`${c.release}-minio`, [
      'minio/minio:RELEASE.2023-11-20T22-40-07Z',
    ]),
    service(`${c.release}-airbyte-server-svc`),
    service(`${c.release}-airbyte-webapp-svc`),
    cronJob(`${c.release}-cron`, [`airbyte/cron:${c.tag}`]),
    ingress(`${c.release}-webapp`, hostFor(c, `${c.release}-airbyte`)),
    pdb(`${c.release}-server`),
  ],
  'prefect-server': c => [
    serviceAccount(`${c.release}-prefect-server`),
    deployment(`${c.release}-prefect-server`, [
      `prefecthq/prefect:${c.tag}-python3.11`,
    ]),
    statefulSet(`${c.release}-postgresql`, [POSTGRES]),
    service(`${c.release}-prefect-server`),
    ingress(`${c.release}-prefect-server`, hostFor(c, `${c.release}-prefect`)),
    pdb(`${c.release}-prefect-server`),
  ],
  // The chart names its operator "<fullname | trunc 26 | trimSuffix "-">-operator"
  // (templates/_helpers.tpl kube-prometheus-stack.operator.fullname).
  'kube-prometheus-stack': c => [
    ...clusterRbac(`${promFullname(c.release)}-operator`),
    deployment(`${promFullname(c.release)}-operator`, [
      'quay.io/prometheus-operator/prometheus-operator:v0.81.0',
    ]),
    deployment(`${c.release}-grafana`, ['docker.io/grafana/grafana:11.6.0']),
    deployment(`${c.release}-kube-state-metrics`, [
      'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.15.0',
    ]),
    {
      group: 'apps',
      version: 'v1',
      kind: 'DaemonSet',
      name: `${c.release}-prometheus-node-exporter`,
      images: ['quay.io/prometheus/node-exporter:v1.9.1'],
      replicas: 3,
    },
    service(`${c.release}-grafana`),
    custom(
      'monitoring.coreos.com',
      'v1',
      'Prometheus',
      `${c.release}-prometheus`,
    ),
    custom(
      'monitoring.coreos.com',
      'v1',
      'Alertmanager',
      `${c.release}-alertmanager`,
    ),
    ingress(`${c.release}-grafana`, hostFor(c, `${c.release}-grafana`)),
  ],
};

const ALIASES: Record<string, string> = {
  kafka: 'strimzi-kafka-operator',
  strimzi: 'strimzi-kafka-operator',
  flink: 'flink-kubernetes-operator',
  spark: 'spark-operator',
  'spark-operator-chart': 'spark-operator',
  clickhouse: 'altinity-clickhouse-operator',
  'clickhouse-operator': 'altinity-clickhouse-operator',
  prefect: 'prefect-server',
  observability: 'kube-prometheus-stack',
};

/** Canonical chart name for a chart name or a chart directory's name. */
export function canonicalChart(name: string): string {
  const lower = name.toLowerCase();
  return ALIASES[lower] ?? lower;
}

/** Charts with a specific inventory (the others get a Deployment and a Service). */
export function knownCharts(): string[] {
  return Object.keys(CHARTS);
}

/**
 * The resources an Application of `chart` manages, in a stable order.
 * Unknown charts get a Deployment and a Service named after the release.
 */
export function inventoryFor(
  chart: string,
  c: InventoryContext,
): InventoryItem[] {
  const template =
    CHARTS[canonicalChart(chart)] ??
    ((ctx: InventoryContext) => [
      deployment(ctx.release, [`${chart || ctx.release}:${ctx.tag}`]),
      service(ctx.release),
    ]);
  const items = template(c);
  if (c.legacyApis) {
    items.push(
      {
        group: 'batch',
        version: 'v1beta1',
        kind: 'CronJob',
        name: `${c.release}-legacy-cleanup`,
        images: ['docker.io/library/busybox:1.36'],
      },
      {
        group: 'policy',
        version: 'v1beta1',
        kind: 'PodDisruptionBudget',
        name: `${c.release}-legacy-pdb`,
      },
    );
  }
  return items.map(item => ({
    ...item,
    namespace: isClusterScoped(item.group, item.kind) ? '' : c.namespace,
  }));
}

const WITHOUT_HEALTH = new Set([
  'ServiceAccount',
  'ConfigMap',
  'Secret',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

/** Whether Argo CD assesses the health of this kind. */
export function hasHealth(kind: string): boolean {
  return !WITHOUT_HEALTH.has(kind);
}

/** Whether this kind runs Pods. */
export function isWorkload(kind: string): boolean {
  return (
    kind === 'Deployment' || kind === 'StatefulSet' || kind === 'DaemonSet'
  );
}
