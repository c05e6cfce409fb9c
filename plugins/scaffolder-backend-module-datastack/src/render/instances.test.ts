import { InputError } from '@backstage/errors';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import yaml from 'yaml';
import { instanceFileText, renderInstance } from './instances';

const registry = createDefaultRegistry();
const metadata = {
  labels: {
    'datastack.io/pipeline': 'orders',
    'datastack.io/component': 'x',
    'datastack.io/environment': 'dev',
    'datastack.io/team': 'data-engineering',
  },
  annotations: { 'datastack.io/owner': 'group:default/data-engineering' },
};
const dev = { name: 'dev', size: 'small' as const };
const prod = { name: 'prod', size: 'large' as const };

function render(
  id: string,
  extra: Partial<Parameters<typeof renderInstance>[0]> = {},
) {
  return renderInstance({
    definition: registry.get(id),
    pipeline: 'orders',
    environment: dev,
    namespace: `orders-dev-${id}`,
    metadata,
    ...extra,
  });
}

/** Every manifest of a render, as YAML would give them back. */
function manifests(files: Record<string, unknown[]>): any[] {
  return Object.values(files).flatMap(list =>
    yaml.parseAllDocuments(instanceFileText(list)).map(d => d.toJS()),
  );
}

describe('renderInstance', () => {
  it('gives Kafka a KRaft Strimzi cluster with one dual-role node pool in a small environment, and a KafkaTopic per topic', () => {
    const out = render('kafka', { topics: ['orders', 'payments'] })!;
    expect(Object.keys(out.files).sort()).toEqual([
      'kafka.yaml',
      'topics.yaml',
    ]);
    const [kafka, pool, metricsConfig] = out.files['kafka.yaml'] as any[];
    expect(kafka).toEqual(
      expect.objectContaining({
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'Kafka',
        metadata: expect.objectContaining({
          name: 'orders',
          namespace: 'orders-dev-kafka',
          annotations: expect.objectContaining({
            'strimzi.io/node-pools': 'enabled',
            'strimzi.io/kraft': 'enabled',
            'datastack.io/owner': 'group:default/data-engineering',
          }),
        }),
      }),
    );
    expect(kafka.spec.kafka.listeners).toEqual([
      { name: 'plain', port: 9092, type: 'internal', tls: false },
      { name: 'tls', port: 9093, type: 'internal', tls: true },
    ]);
    expect(kafka.spec.kafka.replicas).toBeUndefined();
    expect(kafka.spec.entityOperator).toEqual({
      topicOperator: {},
      userOperator: {},
    });
    expect(kafka.spec.kafka.config['offsets.topic.replication.factor']).toBe(1);
    expect(pool).toEqual(
      expect.objectContaining({
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'KafkaNodePool',
        spec: expect.objectContaining({
          replicas: 1,
          roles: ['controller', 'broker'],
        }),
      }),
    );
    expect(pool.metadata.labels['strimzi.io/cluster']).toBe('orders');
    expect(pool.spec.storage.volumes[0]).toEqual(
      expect.objectContaining({ size: '10Gi', kraftMetadata: 'shared' }),
    );
    expect(metricsConfig.kind).toBe('ConfigMap');
    expect(kafka.spec.kafka.metricsConfig.valueFrom.configMapKeyRef.name).toBe(
      metricsConfig.metadata.name,
    );

    const topics = out.files['topics.yaml'] as any[];
    expect(topics.map(t => [t.kind, t.metadata.name])).toEqual([
      ['KafkaTopic', 'orders'],
      ['KafkaTopic', 'payments'],
    ]);
    for (const t of topics) {
      expect(t.metadata.labels['strimzi.io/cluster']).toBe('orders');
      expect(t.spec).toEqual({ partitions: 3, replicas: 1 });
    }
    // Every manifest carries the renderer's labels and annotations and lives in the namespace.
    for (const m of manifests(out.files)) {
      expect(m.metadata.namespace).toBe('orders-dev-kafka');
      expect(m.metadata.labels).toEqual(
        expect.objectContaining(metadata.labels),
      );
      expect(m.metadata.annotations).toEqual(
        expect.objectContaining(metadata.annotations),
      );
    }
  });

  it('separates controllers from brokers in a large environment and replicates topics three times', () => {
    const out = render('kafka', { environment: prod, topics: ['orders'] })!;
    const pools = (out.files['kafka.yaml'] as any[]).filter(
      m => m.kind === 'KafkaNodePool',
    );
    expect(
      pools.map(p => [p.metadata.name, p.spec.roles, p.spec.replicas]),
    ).toEqual([
      ['controllers', ['controller'], 3],
      ['brokers', ['broker'], 5],
    ]);
    expect((out.files['topics.yaml'][0] as any).spec).toEqual({
      partitions: 12,
      replicas: 3,
      config: { 'min.insync.replicas': 2 },
    });
  });

  it('renders Strimzi v1beta2 for an operator before 0.49 on the cluster', () => {
    const out = render('kafka', { operatorVersion: '0.45.0', topics: ['a'] })!;
    expect(manifests(out.files).map(m => m.apiVersion)).toEqual([
      'kafka.strimzi.io/v1beta2',
      'kafka.strimzi.io/v1beta2',
      'v1',
      'kafka.strimzi.io/v1beta2',
    ]);
  });

  it("merges the user's values over the size defaults and names a value that does not fit", () => {
    const out = render('kafka', {
      values: {
        topics: { partitions: 1 },
        config: { 'log.retention.hours': 24 },
      },
      topics: ['a'],
    })!;
    expect((out.files['topics.yaml'][0] as any).spec.partitions).toBe(1);
    expect((out.files['kafka.yaml'][0] as any).spec.kafka.config).toEqual(
      expect.objectContaining({ 'log.retention.hours': 24 }),
    );

    const bad = () =>
      render('kafka', {
        values: { topics: { replicas: 3 } },
        field: 'environments[0].values.kafka',
      });
    expect(bad).toThrow(InputError);
    expect(bad).toThrow(
      'environments[0].values.kafka.topics.replicas is 3, more than the 1 brokers of the node pools (Apache Kafka (Strimzi) in dev)',
    );
  });

  it('refuses a topic that is not a DNS-1123 label, naming it', () => {
    expect(() => render('kafka', { topics: ['ok', 'Not_OK'] })).toThrow(
      'topics[1] "Not_OK" must be a DNS-1123 label',
    );
  });

  it('refuses an operator version that serves no apiVersion it renders, saying which it needs', () => {
    expect(() => render('clickhouse', { operatorVersion: '0.23.0' })).toThrow(
      /serves no API version of ClickHouseKeeperInstallation .*needs >=0\.24\.0/,
    );
  });

  it('gives Flink a session cluster (no job) and the service account its pods run as', () => {
    const out = render('flink')!;
    const [sa, role, binding] = out.files['rbac.yaml'] as any[];
    expect([sa.kind, role.kind, binding.kind]).toEqual([
      'ServiceAccount',
      'Role',
      'RoleBinding',
    ]);
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'flink', namespace: 'orders-dev-flink' },
    ]);
    expect(role.rules[1].resources).toEqual([
      'deployments',
      'deployments/finalizers',
    ]);
    const [deployment] = out.files['flink.yaml'] as any[];
    expect(deployment.apiVersion).toBe('flink.apache.org/v1beta1');
    expect(deployment.kind).toBe('FlinkDeployment');
    expect(deployment.spec.job).toBeUndefined();
    expect(deployment.spec.serviceAccount).toBe('flink');
    expect(deployment.spec.jobManager.resource).toEqual({
      cpu: 0.5,
      memory: '1024m',
    });
    expect(deployment.spec.flinkConfiguration).toEqual(
      expect.objectContaining({
        'taskmanager.numberOfTaskSlots': '2',
        'metrics.reporter.prom.port': '9249',
      }),
    );
  });

  it('gives ClickHouse a Keeper only when replicated, and points the installation at its Service', () => {
    const small = render('clickhouse')!;
    expect(Object.keys(small.files)).toEqual(['clickhouse.yaml']);
    const single = small.files['clickhouse.yaml'][0] as any;
    expect(single.spec.configuration.zookeeper).toBeUndefined();
    expect(single.spec.configuration.clusters[0].layout).toEqual({
      shardsCount: 1,
      replicasCount: 1,
    });

    const large = render('clickhouse', { environment: prod })!;
    expect(Object.keys(large.files)).toEqual([
      'keeper.yaml',
      'clickhouse.yaml',
    ]);
    const keeper = large.files['keeper.yaml'][0] as any;
    expect(keeper.apiVersion).toBe('clickhouse-keeper.altinity.com/v1');
    expect(keeper.kind).toBe('ClickHouseKeeperInstallation');
    expect(keeper.spec.configuration.clusters[0].layout.replicasCount).toBe(3);
    const chi = large.files['clickhouse.yaml'][0] as any;
    expect(chi.apiVersion).toBe('clickhouse.altinity.com/v1');
    expect(chi.spec.configuration.zookeeper.nodes).toEqual([
      { host: `keeper-${keeper.metadata.name}`, port: 2181 },
    ]);
    expect(chi.spec.configuration.clusters[0].layout).toEqual({
      shardsCount: 3,
      replicasCount: 2,
    });
  });

  it("wires Spark's driver service account into the namespace and gives the orchestrator an example SparkApplication", () => {
    const out = render('spark')!;
    expect((out.files['rbac.yaml'] as any[]).map(m => m.kind)).toEqual([
      'ServiceAccount',
      'Role',
      'RoleBinding',
    ]);
    const [app] = out.jobs!['orders-spark-pi.yaml'] as any[];
    expect(app.apiVersion).toBe('sparkoperator.k8s.io/v1beta2');
    expect(app.kind).toBe('SparkApplication');
    expect(app.metadata.namespace).toBe('orders-dev-spark');
    expect(app.spec.driver.serviceAccount).toBe('spark');
    expect(app.spec.mainClass).toBe('org.apache.spark.examples.SparkPi');
  });

  it("monitors the pipeline's components that expose metrics and gives it a Grafana dashboard folder", () => {
    const out = render('observability', {
      namespace: 'orders-dev-observability',
      monitored: ['trino', 'kafka', 'flink', 'clickhouse'].map(id => ({
        definition: registry.get(id),
        namespace: `orders-dev-${id}`,
      })),
    })!;
    const monitors = out.files['monitors.yaml'] as any[];
    expect(monitors.map(m => [m.kind, m.metadata.name])).toEqual([
      ['PodMonitor', 'orders-flink'],
      ['PodMonitor', 'orders-kafka'],
    ]);
    expect(monitors[1].apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitors[1].spec.namespaceSelector).toEqual({
      matchNames: ['orders-dev-kafka'],
    });
    expect(monitors[1].spec.podMetricsEndpoints).toEqual([
      { port: 'tcp-prometheus', path: '/metrics', interval: '60s' },
    ]);
    const [dashboards] = out.files['dashboards.yaml'] as any[];
    expect(dashboards.metadata.labels.grafana_dashboard).toBe('1');
    expect(dashboards.metadata.annotations.grafana_folder).toBe('orders');
    const json = JSON.parse(dashboards.data['orders-dev.json']);
    expect(json.panels.map((p: any) => p.targets[0].expr)).toEqual([
      'sum(up{namespace="orders-dev-flink"})',
      'sum(up{namespace="orders-dev-kafka"})',
    ]);
  });

  it('renders nothing for a component without an instance', () => {
    expect(render('trino')).toBeUndefined();
    expect(render('dbt')).toBeUndefined();
  });

  it('is deterministic', () => {
    const text = () =>
      Object.entries(
        render('kafka', { environment: prod, topics: ['b', 'a'] })!.files,
      )
        .map(([f, m]) => `${f}\n${instanceFileText(m)}`)
        .join('\n');
    expect(text()).toBe(text());
  });
});
