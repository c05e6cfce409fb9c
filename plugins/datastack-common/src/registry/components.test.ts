import semver from 'semver';
import { ComponentRegistry } from './ComponentRegistry';
import { defaultComponents } from './components';
import { defaultCompositionRules } from './rules';
import {
  instanceConstraints,
  instanceResources,
  isOperatorBased,
  operatorRangeFor,
} from './operators';
import {
  componentDefinitionSchema,
  kafkaInstanceParametersSchema,
} from './schema';

const EXPECTED_IDS = [
  'airbyte',
  'airflow',
  'dagster',
  'prefect',
  'dbt',
  'clickhouse',
  'trino',
  'spark',
  'kafka',
  'flink',
  'superset',
  'metabase',
  'observability',
];

describe('defaultComponents', () => {
  it('has exactly the 13 shipped components, each once', () => {
    const ids = defaultComponents.map(c => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...EXPECTED_IDS].sort());
  });

  it.each(defaultComponents.map(c => [c.id, c] as const))(
    '%s parses with componentDefinitionSchema',
    (_id, component) => {
      const result = componentDefinitionSchema.safeParse(component);
      expect(result.error?.issues ?? []).toEqual([]);
      expect(result.success).toBe(true);
    },
  );

  it('gives every helm component chart coordinates on an https:// or oci:// repository', () => {
    const helm = defaultComponents.filter(c => c.type === 'helm-chart');
    expect(helm).toHaveLength(12);
    for (const c of helm) {
      expect(c.chart).toBeDefined();
      expect(c.chart!.repository).toMatch(/^(https|oci):\/\//);
      expect(c.chart!.name.length).toBeGreaterThan(0);
      expect(semver.valid(c.chart!.version)).not.toBeNull();
      expect(c.chart!.appVersion.length).toBeGreaterThan(0);
    }
  });

  it('references only known components in requires and conflicts', () => {
    const ids = new Set(defaultComponents.map(c => c.id));
    for (const c of defaultComponents) {
      for (const constraint of [...c.requires, ...c.conflicts]) {
        expect(ids.has(constraint.componentId)).toBe(true);
        expect(constraint.componentId).not.toBe(c.id);
        expect(constraint.source.length).toBeGreaterThan(0);
        expect(constraint.reason.length).toBeGreaterThan(0);
      }
    }
  });

  it('has no requires cycle (sync waves must be orderable)', () => {
    const byId = new Map(defaultComponents.map(c => [c.id, c]));
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (id: string) => {
      if (done.has(id)) return;
      if (visiting.has(id)) throw new Error(`requires cycle through ${id}`);
      visiting.add(id);
      byId.get(id)!.requires.forEach(r => visit(r.componentId));
      visiting.delete(id);
      done.add(id);
    };
    expect(() => byId.forEach((_c, id) => visit(id))).not.toThrow();
  });

  it('gives dbt an adapter for each of clickhouse, trino and spark', () => {
    const dbt = defaultComponents.find(c => c.id === 'dbt');
    expect(dbt?.type).toBe('dbt-project');
    expect(dbt?.chart).toBeUndefined();
    const adapters = dbt!.dbt!.adapters;
    expect(adapters.clickhouse?.package).toBe('dbt-clickhouse');
    expect(adapters.trino?.package).toBe('dbt-trino');
    expect(adapters.spark?.package).toBe('dbt-spark');
    for (const adapter of Object.values(adapters)) {
      expect(semver.valid(adapter.version)).not.toBeNull();
    }
  });

  it('places each component in its layer', () => {
    const layer = Object.fromEntries(
      defaultComponents.map(c => [c.id, c.layer]),
    );
    expect(layer).toEqual({
      airbyte: 'ingest',
      dbt: 'transform',
      airflow: 'orchestrate',
      dagster: 'orchestrate',
      prefect: 'orchestrate',
      clickhouse: 'store',
      trino: 'store',
      spark: 'store',
      kafka: 'stream',
      flink: 'stream',
      superset: 'visualise',
      metabase: 'visualise',
      observability: 'observe',
    });
  });

  it('builds a ComponentRegistry with the default composition rules', () => {
    expect(
      () => new ComponentRegistry(defaultComponents, defaultCompositionRules),
    ).not.toThrow();
  });

  it('defines values for every environment size', () => {
    for (const c of defaultComponents) {
      expect(Object.keys(c.values).sort()).toEqual([
        'large',
        'medium',
        'small',
      ]);
    }
  });
});

describe('operator-based components: platform operator and tenant instance', () => {
  const registry = new ComponentRegistry(
    defaultComponents,
    defaultCompositionRules,
  );

  it('separates the operator from the instance for Kafka, Flink, ClickHouse, Spark and observability only', () => {
    expect(
      registry
        .list()
        .filter(isOperatorBased)
        .map(c => c.id)
        .sort(),
    ).toEqual(['clickhouse', 'flink', 'kafka', 'observability', 'spark']);
    for (const c of registry.list().filter(isOperatorBased)) {
      // The platform release is named after the component, so the operator
      // Deployment the health checks read is the platform's.
      expect(c.operator.releaseName).toBe(c.id);
      expect(c.operator.deployment).toBe(c.operatorDeployment);
      expect(c.operator.namespace).not.toBe(c.namespace);
      expect(Object.keys(c.operator.watchValues).length).toBeGreaterThan(0);
      // The default operator version serves every kind the instance renders.
      expect(() => instanceResources(c)).not.toThrow();
    }
  });

  it('renders Strimzi resources at v1 from operator 0.49 and at v1beta2 before, and names the operator range each needs', () => {
    const kafka = registry.get('kafka');
    if (!isOperatorBased(kafka)) throw new Error('kafka has no operator');
    const at = (version: string) =>
      instanceResources(kafka, version).map(r => r.apiVersion);
    expect(at('1.2.0')).toEqual([
      'kafka.strimzi.io/v1',
      'kafka.strimzi.io/v1',
      'kafka.strimzi.io/v1',
    ]);
    expect(at('0.49.1')[0]).toBe('kafka.strimzi.io/v1');
    expect(at('0.45.0')[0]).toBe('kafka.strimzi.io/v1beta2');
    expect(operatorRangeFor(instanceResources(kafka))).toBe('>=0.49.0');
    expect(operatorRangeFor(instanceResources(kafka, '0.45.0'))).toBe('<1.0.0');
    // The constraint the upgrade engine sees: v1beta2 needs an operator < 1.0.0.
    expect(instanceConstraints(kafka)).toContainEqual(
      expect.objectContaining({
        apiVersion: 'kafka.strimzi.io/v1beta2',
        kind: 'Kafka',
        operatorRange: '<1.0.0',
      }),
    );
  });

  it('says which operator version a kind needs when the deployed one serves none', () => {
    const clickhouse = registry.get('clickhouse');
    if (!isOperatorBased(clickhouse)) throw new Error('no operator');
    expect(() => instanceResources(clickhouse, '0.23.4')).toThrow(
      /altinity-clickhouse-operator 0\.23\.4 serves no API version of ClickHouseKeeperInstallation .*needs >=0\.24\.0/,
    );
  });

  it('sizes each instance per environment: more Kafka nodes and ClickHouse replicas as the size grows', () => {
    const kafka = registry.get('kafka').instance!;
    if (kafka.type !== 'strimzi-kafka') throw new Error(kafka.type);
    const brokers = (size: 'small' | 'medium' | 'large') =>
      kafka.sizes[size].nodePools
        .filter(p => p.roles.includes('broker'))
        .reduce((n, p) => n + p.replicas, 0);
    expect([brokers('small'), brokers('medium'), brokers('large')]).toEqual([
      1, 3, 5,
    ]);
    const ch = registry.get('clickhouse').instance!;
    if (ch.type !== 'clickhouse-installation') throw new Error(ch.type);
    expect(ch.sizes.small.replicas).toBe(1);
    expect(ch.sizes.large.replicas).toBeGreaterThan(1);
  });

  it('refuses Kafka parameters without a controller or with more topic replicas than brokers', () => {
    const small = (registry.get('kafka').instance as any).sizes.small;
    const noController = kafkaInstanceParametersSchema.safeParse({
      ...small,
      nodePools: [{ ...small.nodePools[0], roles: ['broker'] }],
    });
    expect(noController.success).toBe(false);
    expect(noController.error?.issues[0].message).toContain('controller');
    const tooMany = kafkaInstanceParametersSchema.safeParse({
      ...small,
      topics: { ...small.topics, replicas: 3 },
    });
    expect(tooMany.error?.issues[0]).toEqual(
      expect.objectContaining({
        path: ['topics', 'replicas'],
        message: 'is 3, more than the 1 brokers of the node pools',
      }),
    );
  });

  it('merges app-config overrides of instance sizes and operator watch values, and names a bad one', () => {
    const overridden = registry.withOverrides({
      kafka: {
        instance: { sizes: { small: { topics: { partitions: 1 } } } },
        operator: { watchValues: { watchNamespaces: ['a'] } },
      },
    });
    const kafka = overridden.get('kafka');
    expect((kafka.instance as any).sizes.small.topics).toEqual({
      partitions: 1,
      replicas: 1,
      config: {},
    });
    expect(kafka.operator?.watchValues).toEqual({
      watchAnyNamespace: true,
      watchNamespaces: ['a'],
    });
    expect(() =>
      registry.withOverrides({
        clickhouse: { instance: { sizes: { medium: { replicas: 0 } } } },
      }),
    ).toThrow(
      expect.objectContaining({
        key: 'datastack.components.clickhouse.instance.sizes.medium.replicas',
      }),
    );
  });

  it('requires an instance with an operator', () => {
    const kafka = defaultComponents.find(c => c.id === 'kafka')!;
    const { instance: _instance, ...withoutInstance } = kafka;
    expect(() => new ComponentRegistry([withoutInstance], [])).toThrow(
      'datastack.components.kafka.instance: is required with the other',
    );
  });
});
