import semver from 'semver';
import { ComponentRegistry } from './ComponentRegistry';
import { defaultComponents } from './components';
import { defaultCompositionRules } from './rules';
import { componentDefinitionSchema } from './schema';

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
