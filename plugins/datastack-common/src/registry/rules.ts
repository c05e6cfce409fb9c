import type { CompositionRule } from './schema';

/**
 * The rules between the layers and components of one pipeline. Data, checked
 * by {@link ComponentRegistry.checkComposition}, which the scaffolder actions
 * and the template's render step both call.
 *
 * @public
 */
export const defaultCompositionRules: CompositionRule[] = [
  {
    id: 'visualise-needs-warehouse',
    when: { layer: 'visualise' },
    requiresAny: ['clickhouse', 'trino', 'spark'],
    message:
      'A BI tool needs a warehouse to point at: add ClickHouse, Trino or Spark.',
  },
  {
    id: 'dbt-needs-warehouse',
    when: { component: 'dbt' },
    requiresAny: ['clickhouse', 'trino', 'spark'],
    message:
      'dbt transforms data in a warehouse: add ClickHouse, Trino or Spark for its adapter.',
  },
  {
    id: 'dbt-needs-orchestrator',
    when: { component: 'dbt' },
    requiresAny: ['airflow', 'dagster', 'prefect'],
    message:
      'dbt runs on a schedule: add Airflow, Dagster or Prefect to orchestrate it.',
  },
  {
    id: 'flink-needs-stream',
    when: { component: 'flink' },
    requiresAny: ['kafka'],
    message:
      'The Flink jobs Datastack renders read from Kafka: add Kafka (Strimzi) to the pipeline.',
  },
];
