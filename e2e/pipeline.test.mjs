// "Create new data pipeline" in the running portal's backend, as the Create
// page would run it: a scaffolder task from the catalog's template, pushed to
// a local bare repository, applied to the Argo CD sandbox, registered in the
// catalog.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  runTemplateTask,
  startBackend,
  startSandbox,
} from './lib.mjs';

describe('Create new data pipeline through the running backend', () => {
  let sandbox;
  let backend;

  before(async () => {
    sandbox = await startSandbox(['dev', 'staging', 'prod']);
    backend = await startBackend({
      config: {
        datastack: { argocd: { instances: sandbox.instances } },
      },
    });
  });
  after(async () => {
    await backend?.stop();
    await sandbox?.stop();
  });

  it('creates the repository, the Applications and the entities', async () => {
    await eventually(
      async () =>
        (
          await backend.api(
            '/api/catalog/entities/by-name/template/default/datastack-data-pipeline',
          )
        ).ok,
      { what: 'the template in the catalog' },
    );
    const { task, log } = await runTemplateTask(
      backend,
      'template:default/datastack-data-pipeline',
      {
        name: 'sales',
        owner: 'group:default/data-engineering',
        ingest: 'airbyte',
        transform: true,
        orchestrate: 'dagster',
        store: ['clickhouse'],
        stream: [],
        visualise: 'metabase',
        observe: true,
        environments: [
          {
            name: 'dev',
            argocdInstance: 'dev',
            cluster: 'in-cluster',
            size: 'small',
          },
          {
            name: 'staging',
            argocdInstance: 'staging',
            cluster: 'in-cluster',
            size: 'medium',
          },
          {
            name: 'prod',
            argocdInstance: 'prod',
            cluster: 'in-cluster',
            size: 'large',
          },
        ],
        repoLocation: 'local',
      },
    );
    assert.equal(task.status, 'completed', log.join('\n'));

    const bare = path.join(backend.dir, 'gitops', 'sales.git');
    const files = execFileSync(
      'git',
      ['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'main'],
      { encoding: 'utf8' },
    );
    assert.match(
      files,
      /^environments\/prod\/applications\/sales-clickhouse-prod\.yaml$/m,
    );
    assert.match(files, /^orchestration\/dagster\/sales\/definitions\.py$/m);

    const apps = await (
      await fetch(
        `${sandbox.instances[2].url}/api/v1/applications?selector=datastack.io/pipeline=sales`,
        {
          headers: { authorization: `Bearer ${sandbox.instances[2].token}` },
        },
      )
    ).json();
    assert.deepEqual(apps.items.map(a => a.metadata.name).sort(), [
      'sales-airbyte-prod',
      'sales-clickhouse-prod',
      'sales-dagster-prod',
      'sales-metabase-prod',
      'sales-observability-prod',
      'sales-prod',
    ]);

    const entities = await eventually(
      async () => {
        const body = await (
          await backend.api(
            '/api/catalog/entities/by-query?filter=metadata.annotations.datastack.io/pipeline=sales',
          )
        ).json();
        return body.items.length === 7 ? body.items : undefined;
      },
      { what: 'the pipeline entities in the catalog' },
    );
    const clickhouse = entities.find(
      e => e.metadata.name === 'sales-clickhouse',
    );
    assert.equal(
      clickhouse.metadata.annotations['argocd/app-selector'],
      'datastack.io/pipeline=sales,datastack.io/component=clickhouse',
    );
  });
});
