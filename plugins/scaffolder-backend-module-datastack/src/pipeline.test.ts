import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleScaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { ArgoCdSandbox, startArgoCdSandbox } from '@datastack/argocd-sandbox';
import {
  datastackUrlReaderFactory,
  runGit,
} from '@datastack/plugin-datastack-node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import yaml from 'yaml';
import { scaffolderModuleDatastack } from './module';
import { seedPlatformLayer } from './__testUtils__/platform';

// "Create new data pipeline" through the real scaffolder engine: the
// dry-run endpoint, then a real task that renders, pushes to a bare
// repository, applies to Argo CD (the sandbox, over HTTP) and registers the
// entities in the real catalog.

const templatePath = path.resolve(
  __dirname,
  '../../../templates/data-pipeline/template.yaml',
);
const auth = { authorization: mockCredentials.user.header() };

const values = {
  name: 'orders',
  description: 'Orders analytics',
  owner: 'group:default/data-engineering',
  ingest: 'airbyte',
  transform: true,
  orchestrate: 'airflow',
  store: ['trino'],
  stream: [],
  visualise: 'superset',
  observe: true,
  environments: [
    {
      name: 'dev',
      argocdInstance: 'dev',
      cluster: 'in-cluster',
      size: 'small',
    },
    {
      name: 'prod',
      argocdInstance: 'prod',
      cluster: 'https://prod.k8s.example.com',
      size: 'large',
    },
  ],
  repoLocation: 'local',
};

describe('Create new data pipeline (real scaffolder engine)', () => {
  let root: string;
  let sandboxes: ArgoCdSandbox[];
  let server: any;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'datastack-pipeline-'));
    sandboxes = await Promise.all(
      ['dev', 'prod'].map(name =>
        startArgoCdSandbox({
          name,
          token: `sandbox-${name}`,
          syncDurationMs: 0,
          // "Applications in any namespace", enabled for the teams' namespaces.
          applicationNamespaces: ['argocd-apps-*'],
          // Like a real Argo CD, the sandbox refuses destinations it does not know.
          clusters: [
            {
              name: 'prod',
              server: 'https://prod.k8s.example.com',
              serverVersion: 'v1.30.4',
            },
          ],
        }),
      ),
    );
    // The platform team's operators on every cluster the pipeline targets.
    await Promise.all(
      sandboxes.map(s =>
        seedPlatformLayer({
          instance: s.name,
          url: s.url,
          token: `sandbox-${s.name}`,
          clusters: [
            { name: 'in-cluster' },
            { server: 'https://prod.k8s.example.com' },
          ],
        }),
      ),
    );
    ({ server } = await startTestBackend({
      features: [
        scaffolderPlugin,
        catalogPlugin,
        catalogModuleScaffolderEntityModel,
        scaffolderModuleDatastack,
        datastackUrlReaderFactory,
        // The signed-in user's token claims: a member of data-engineering.
        createServiceFactory({
          service: coreServices.userInfo,
          deps: {},
          factory: () =>
            mockServices.userInfo({
              ownershipEntityRefs: [
                'user:default/mock',
                'group:default/data-engineering',
              ],
            }),
        }),
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: 'http://localhost:7007',
              workingDirectory: root,
            },
            catalog: {
              processingInterval: { seconds: 1 },
              rules: [
                { allow: ['Component', 'System', 'Template', 'Location'] },
              ],
              locations: [
                {
                  type: 'file',
                  target: templatePath,
                  rules: [{ allow: ['Template'] }],
                },
              ],
            },
            datastack: {
              gitops: { localRoot: path.join(root, 'gitops') },
              tenancy: { createProjects: true },
              argocd: {
                instances: sandboxes.map(s => ({
                  name: s.name,
                  url: s.url,
                  token: `sandbox-${s.name}`,
                })),
              },
            },
          },
        }),
      ],
    }));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(sandboxes.map(s => s.close()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('renders the whole pipeline in a dry run, pushing and applying nothing', async () => {
    const template = yaml.parse(fs.readFileSync(templatePath, 'utf8'));
    const res = await request(server)
      .post('/api/scaffolder/v2/dry-run')
      .set(auth)
      .send({ template, values, secrets: {}, directoryContents: [] });

    expect({ status: res.status, error: res.body.error }).toEqual({
      status: 200,
      error: undefined,
    });
    const files = res.body.directoryContents.map(
      (f: { path: string }) => f.path,
    );
    expect(files).toEqual(
      expect.arrayContaining([
        'catalog-info.yaml',
        'environments/dev/root.yaml',
        'environments/prod/applications/orders-trino-prod.yaml',
        'dbt/dbt_project.yml',
        'orchestration/airflow/dags/orders_dbt.py',
      ]),
    );
    expect(fs.existsSync(path.join(root, 'gitops'))).toBe(false);
    // Only the platform layer seeded before: the pipeline applied nothing.
    expect(
      sandboxes.every(s =>
        s
          .applications()
          .every(a => a.metadata.labels?.['datastack.io/platform-operator']),
      ),
    ).toBe(true);
  }, 60_000);

  it('runs as a task: pushes the repository, applies the Applications and registers the entities', async () => {
    // The catalog picks the template up from its file location first.
    for (let i = 0; i < 120; i++) {
      const res = await request(server)
        .get(
          '/api/catalog/entities/by-name/template/default/datastack-data-pipeline',
        )
        .set(auth);
      if (res.status === 200) break;
      await new Promise(r => setTimeout(r, 250));
    }
    const created = await request(server)
      .post('/api/scaffolder/v2/tasks')
      .set(auth)
      .send({
        templateRef: 'template:default/datastack-data-pipeline',
        values,
      });
    expect(created.status).toBe(201);

    let task: any;
    for (let i = 0; i < 240; i++) {
      task = (
        await request(server)
          .get(`/api/scaffolder/v2/tasks/${created.body.id}`)
          .set(auth)
      ).body;
      if (['completed', 'failed', 'cancelled'].includes(task.status)) break;
      await new Promise(r => setTimeout(r, 250));
    }
    if (task.status !== 'completed') {
      const events = await request(server)
        .get(`/api/scaffolder/v2/tasks/${created.body.id}/events`)
        .set(auth);
      throw new Error(
        `task ${task.status}: ${JSON.stringify(
          events.body.map((e: any) => e.body.message),
        ).slice(-3000)}`,
      );
    }

    // The pushed repository, cloned.
    const clone = path.join(root, 'clone');
    await runGit([
      'clone',
      '--quiet',
      path.join(root, 'gitops', 'orders.git'),
      clone,
    ]);
    const app = yaml.parse(
      fs.readFileSync(
        path.join(
          clone,
          'environments/prod/applications/orders-trino-prod.yaml',
        ),
        'utf8',
      ),
    );
    expect(app.spec.destination.server).toBe('https://prod.k8s.example.com');
    expect(app.spec.sources[1].repoURL).toBe(
      `file://${path.join(root, 'gitops', 'orders.git')}`,
    );
    const entities = yaml
      .parseAllDocuments(
        fs.readFileSync(path.join(clone, 'catalog-info.yaml'), 'utf8'),
      )
      .map(d => d.toJS());
    expect(entities.map(e => e.metadata.name)).toEqual([
      'orders',
      'orders-airbyte',
      'orders-dbt',
      'orders-airflow',
      'orders-trino',
      'orders-superset',
      'orders-observability',
    ]);

    // Argo CD (the sandbox) received every Application of its environment and the app of apps.
    const [dev, prod] = sandboxes.map(s =>
      s
        .applications()
        .filter(a => a.metadata.labels?.['datastack.io/pipeline'] === 'orders')
        .map(a => a.metadata.name)
        .sort(),
    );
    // In the team's Application namespace and project, created by apply.
    const trinoDev = sandboxes[0]
      .applications()
      .find(a => a.metadata.name === 'orders-trino-dev')!;
    expect(trinoDev.metadata.namespace).toBe('argocd-apps-data-engineering');
    expect(trinoDev.spec.project).toBe('team-data-engineering');
    expect(dev).toEqual([
      'orders-airbyte-dev',
      'orders-airflow-dev',
      'orders-dev',
      'orders-observability-dev',
      'orders-superset-dev',
      'orders-trino-dev',
    ]);
    expect(prod).toContain('orders-trino-prod');
    expect(prod).not.toContain('orders-trino-dev');

    // The catalog read catalog-info.yaml from the local repository.
    let names: string[] = [];
    for (let i = 0; i < 120 && names.length < 7; i++) {
      const res = await request(server)
        .get('/api/catalog/entities/by-query')
        .query({ filter: 'metadata.annotations.datastack.io/pipeline=orders' })
        .set(auth);
      names = res.body.items.map((e: any) => e.metadata.name).sort();
      if (names.length < 7) await new Promise(r => setTimeout(r, 250));
    }
    expect(names).toEqual([
      'orders',
      'orders-airbyte',
      'orders-airflow',
      'orders-dbt',
      'orders-observability',
      'orders-superset',
      'orders-trino',
    ]);
  }, 120_000);
});
