import type { ComponentDefinition } from '@datastack/plugin-datastack-common';
import { stringify } from 'yaml';
import type { Pipeline } from './input';

const WAREHOUSES = ['clickhouse', 'trino', 'spark'] as const;
const ORCHESTRATORS = ['airflow', 'dagster', 'prefect'] as const;

type Warehouse = (typeof WAREHOUSES)[number];
type Orchestrator = (typeof ORCHESTRATORS)[number];

function first<T extends string>(
  ids: string[],
  among: readonly T[],
): T | undefined {
  return ids.find((id): id is T => (among as readonly string[]).includes(id));
}

/** How dbt reaches the warehouse, from inside the cluster. */
function profileOutput(
  warehouse: Warehouse,
  pipeline: Pipeline,
  env: Pipeline['environments'][number],
): Record<string, unknown> {
  const ns = `${env.namespacePrefix}-${warehouse}`;
  const schema = pipeline.name.replace(/-/g, '_');
  switch (warehouse) {
    case 'clickhouse':
      return {
        type: 'clickhouse',
        host: `{{ env_var('DBT_CLICKHOUSE_HOST', 'clickhouse-${pipeline.name}.${ns}.svc') }}`,
        port: 8123,
        user: "{{ env_var('DBT_CLICKHOUSE_USER', 'default') }}",
        password: "{{ env_var('DBT_CLICKHOUSE_PASSWORD', '') }}",
        schema,
        threads: 4,
      };
    case 'trino':
      return {
        type: 'trino',
        method: 'none',
        host: `{{ env_var('DBT_TRINO_HOST', 'trino.${ns}.svc') }}`,
        port: 8080,
        user: "{{ env_var('DBT_TRINO_USER', 'dbt') }}",
        database: "{{ env_var('DBT_TRINO_CATALOG', 'hive') }}",
        schema,
        threads: 4,
      };
    case 'spark':
    default:
      return {
        type: 'spark',
        method: 'thrift',
        host: `{{ env_var('DBT_SPARK_HOST', 'spark-thrift.${ns}.svc') }}`,
        port: 10000,
        schema,
        threads: 4,
      };
  }
}

function dagFile(pipeline: Pipeline, projectDir: string): string {
  const id = pipeline.name.replace(/-/g, '_');
  return `"""dbt build for the ${pipeline.name} pipeline, rendered by Datastack."""
import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="${id}_dbt",
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["datastack", "dbt", "${pipeline.name}"],
) as dag:
    BashOperator(
        task_id="dbt_build",
        bash_command="dbt build --project-dir /opt/airflow/dags/repo/${projectDir} --profiles-dir /opt/airflow/dags/repo/${projectDir} --target {{ var.value.get('datastack_environment', 'dev') }}",
    )
`;
}

function dagsterFile(pipeline: Pipeline, projectDir: string): string {
  return `"""Dagster definitions that run the ${
    pipeline.name
  } dbt project, rendered by Datastack."""
from pathlib import Path

from dagster import AssetExecutionContext, Definitions, ScheduleDefinition, define_asset_job
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

project = DbtProject(project_dir=Path(__file__).parents[3] / "${projectDir}")
project.prepare_if_dev()


@dbt_assets(manifest=project.manifest_path)
def ${pipeline.name.replace(
    /-/g,
    '_',
  )}_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


dbt_job = define_asset_job("${pipeline.name.replace(/-/g, '_')}_dbt_job")

defs = Definitions(
    assets=[${pipeline.name.replace(/-/g, '_')}_dbt_assets],
    jobs=[dbt_job],
    schedules=[ScheduleDefinition(job=dbt_job, cron_schedule="0 * * * *")],
    resources={"dbt": DbtCliResource(project_dir=project)},
)
`;
}

function prefectFile(pipeline: Pipeline, projectDir: string): string {
  return `"""Prefect flow that runs the ${pipeline.name} dbt project, rendered by Datastack."""
import subprocess
from pathlib import Path

from prefect import flow, task

PROJECT_DIR = Path(__file__).parents[3] / "${projectDir}"


@task(retries=2)
def dbt_build(target: str) -> None:
    subprocess.run(
        ["dbt", "build", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--target", target],
        check=True,
    )


@flow(name="${pipeline.name}-dbt")
def run(target: str = "dev") -> None:
    dbt_build(target)


if __name__ == "__main__":
    run.serve(name="${pipeline.name}-dbt-hourly", cron="0 * * * *")
`;
}

/**
 * The dbt project of a pipeline, wired to its warehouse through the adapter
 * the registry names, and scheduled by its orchestrator. Returns the files
 * and the Helm values the orchestrator needs to load the schedule.
 */
export function renderDbt(
  pipeline: Pipeline,
  dbt: ComponentDefinition,
): {
  files: Record<string, string>;
  orchestrator: Orchestrator;
  warehouse: Warehouse;
  orchestratorValues: Record<string, unknown>;
} {
  const ids = pipeline.components.map(c => c.id);
  const warehouse = first(ids, WAREHOUSES);
  const orchestrator = first(ids, ORCHESTRATORS);
  if (!warehouse || !orchestrator || !dbt.dbt) {
    // validateRenderInput enforces the composition rules; this is a programming error.
    throw new Error('dbt needs a warehouse and an orchestrator');
  }
  const adapter = dbt.dbt.adapters[warehouse];
  const projectName = pipeline.name.replace(/-/g, '_');
  const projectDir = 'dbt';
  const version =
    pipeline.components.find(c => c.id === 'dbt')?.version ??
    dbt.dbt.coreVersion;

  const files: Record<string, string> = {
    [`${projectDir}/dbt_project.yml`]: stringify({
      name: projectName,
      version: '1.0.0',
      'config-version': 2,
      profile: projectName,
      'model-paths': ['models'],
      'test-paths': ['tests'],
      models: { [projectName]: { staging: { '+materialized': 'view' } } },
    }),
    [`${projectDir}/profiles.yml`]: stringify({
      [projectName]: {
        target: pipeline.environments[0].name,
        outputs: Object.fromEntries(
          pipeline.environments.map(env => [
            env.name,
            profileOutput(warehouse, pipeline, env),
          ]),
        ),
      },
    }),
    [`${projectDir}/requirements.txt`]: `dbt-core==${version}\n${
      adapter ? `${adapter.package}==${adapter.version}\n` : ''
    }`,
    [`${projectDir}/models/staging/stg_example.sql`]:
      '-- A first model: replace with your sources.\nselect 1 as id\n',
    [`${projectDir}/models/staging/schema.yml`]: stringify({
      version: 2,
      models: [
        {
          name: 'stg_example',
          columns: [{ name: 'id', data_tests: ['not_null', 'unique'] }],
        },
      ],
    }),
  };

  let orchestratorValues: Record<string, unknown> = {};
  if (orchestrator === 'airflow') {
    files[`orchestration/airflow/dags/${projectName}_dbt.py`] = dagFile(
      pipeline,
      projectDir,
    );
    orchestratorValues = {
      dags: {
        gitSync: {
          enabled: true,
          repo: pipeline.repoUrl,
          branch:
            pipeline.repoRevision === 'HEAD' ? 'main' : pipeline.repoRevision,
          subPath: '',
        },
      },
    };
  } else if (orchestrator === 'dagster') {
    files[`orchestration/dagster/${projectName}/definitions.py`] = dagsterFile(
      pipeline,
      projectDir,
    );
  } else {
    files[`orchestration/prefect/${projectName}/flows.py`] = prefectFile(
      pipeline,
      projectDir,
    );
  }
  return { files, orchestrator, warehouse, orchestratorValues };
}
