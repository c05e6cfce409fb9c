import {
  TestDatabases,
  mockCredentials,
  mockServices,
  registerMswTestHooks,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { urlReaderServiceFactory } from '@backstage/backend-defaults/urlReader';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type {
  ComponentUpgrade,
  UpgradePlan,
} from '@datastack/plugin-datastack-common';
import {
  datastackUrlReaderFactory,
  runGit,
} from '@datastack/plugin-datastack-node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpResponse, delay, http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import request from 'supertest';
import {
  chartArchive,
  chartIndex,
  TestChart,
} from './services/upgrades/__testUtils__/charts';
import { datastackPlugin } from './plugin';
import { datastackPermissions } from './services/__testUtils__/permissions';

const CANARY = 'canary-argocd-token-9f3e';
const CHART_CANARY = 'canary-chart-password-41d0';
const DEV = 'https://argocd-dev.example.com';
const PROD = 'https://argocd-prod.example.com';
const TRINO_MIRROR = 'https://charts.example.com/trino';
const KAFKA_REGISTRY = 'https://quay.io';

// Real PostgreSQL where the test setup started one (CI), SQLite always.
if (process.env.DATASTACK_TEST_POSTGRES_URL) {
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING =
    process.env.DATASTACK_TEST_POSTGRES_URL;
}
const databases = TestDatabases.create({
  ids: process.env.DATASTACK_TEST_POSTGRES_URL
    ? ['POSTGRES_15', 'SQLITE_3']
    : ['SQLITE_3'],
});

const trinoCharts: TestChart[] = [
  {
    name: 'trino',
    version: '1.42.2',
    appVersion: '480',
    kubeVersion: '>=1.30.0-0',
    values: {
      server: { workers: 3, node: { environment: 'production' } },
      coordinator: { annotations: {} },
    },
  },
  {
    name: 'trino',
    version: '1.41.0',
    appVersion: '476',
    kubeVersion: '>=1.25.0-0',
    values: {
      server: {
        workers: 3,
        exchangeLegacy: true,
        node: { environment: 'production' },
      },
      coordinator: { annotations: {} },
    },
    schema: { type: 'object', properties: { server: { type: 'object' } } },
    changes: [
      { kind: 'removed', description: 'server.legacyExchange was removed' },
    ],
  },
  {
    name: 'trino',
    version: '1.40.0',
    appVersion: '475',
    kubeVersion: '>=1.25.0-0',
    values: {
      server: {
        workers: 2,
        legacyExchange: true,
        node: { environment: 'production' },
      },
    },
  },
];

function app(
  name: string,
  component: string,
  environment: string,
  version: string,
  extra: {
    repoURL?: string;
    resources?: object[];
    chart?: string;
    chartRepo?: string;
    cluster?: string;
  } = {},
) {
  return {
    metadata: {
      name,
      namespace: 'argocd',
      labels: {
        'datastack.io/pipeline': 'orders',
        'datastack.io/component': component,
        'datastack.io/environment': environment,
      },
    },
    spec: {
      project: 'default',
      destination: {
        server: extra.cluster ?? `https://${environment}.k8s.example.com`,
        namespace: component,
      },
      sources: [
        {
          repoURL: extra.chartRepo ?? 'https://trinodb.github.io/charts',
          chart: extra.chart ?? 'trino',
          targetRevision: version,
          helm: {
            releaseName: component,
            valueFiles: [
              `$values/components/${component}/values.yaml`,
              `$values/environments/${environment}/values/${component}.yaml`,
            ],
          },
        },
        { repoURL: extra.repoURL ?? '', targetRevision: 'main', ref: 'values' },
      ],
    },
    status: {
      sync: { status: 'Synced', revisions: [version, 'abc123'] },
      health: { status: 'Healthy' },
      summary: { images: ['trinodb/trino:475'] },
      resources: extra.resources ?? [
        {
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          namespace: component,
          name: `${component}-coordinator`,
          status: 'Synced',
        },
        {
          group: 'policy',
          version: 'v1beta1',
          kind: 'PodDisruptionBudget',
          namespace: component,
          name: `${component}-worker`,
          status: 'Synced',
        },
      ],
    },
  };
}

function entity(
  name: string,
  annotations: Record<string, string>,
  kind = 'Component',
  spec: { owner?: string; system?: string } = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name, namespace: 'default', annotations },
    spec: {
      type: 'data-stack-component',
      owner: spec.owner ?? 'team-a',
      lifecycle: 'production',
      ...(spec.system ? { system: spec.system } : {}),
    },
  };
}

const entities = [
  entity(
    'orders-trino',
    {
      'datastack.io/component': 'trino',
      'datastack.io/pipeline': 'orders',
    },
    'Component',
    { system: 'orders' },
  ),
  entity(
    'orders-kafka',
    {
      'datastack.io/component': 'kafka',
      'datastack.io/pipeline': 'orders',
    },
    'Component',
    { system: 'orders' },
  ),
  entity(
    'orders',
    {
      'datastack.io/pipeline': 'orders',
      'datastack.io/gitops-repo': 'GITOPS_REPO',
    },
    'System',
  ),
  entity('plain-system', {}, 'System'),
  entity('mystery', { 'datastack.io/component': 'nope' }),
  // Team B's pipeline, and Components of team B aimed at team A's pipeline.
  entity(
    'payments',
    {
      'datastack.io/pipeline': 'payments',
      'datastack.io/gitops-repo': 'payments',
    },
    'System',
    { owner: 'team-b' },
  ),
  entity(
    'payments-trino',
    {
      'datastack.io/component': 'trino',
      'datastack.io/pipeline': 'orders',
    },
    'Component',
    { owner: 'team-b', system: 'payments' },
  ),
  entity(
    'sneaky-trino',
    {
      'datastack.io/component': 'trino',
      'datastack.io/pipeline': 'orders',
    },
    'Component',
    { owner: 'team-b', system: 'orders' },
  ),
  entity(
    'detached-trino',
    {
      'datastack.io/component': 'trino',
      'datastack.io/pipeline': 'orders',
    },
    'Component',
    { owner: 'team-b' },
  ),
  // A pipeline whose repository is on a host without an integration.
  entity(
    'elsewhere',
    {
      'datastack.io/pipeline': 'elsewhere',
      'datastack.io/gitops-repo': 'https://git.evil.example.com/a/b.git',
    },
    'System',
  ),
  entity(
    'elsewhere-trino',
    {
      'datastack.io/component': 'trino',
      'datastack.io/pipeline': 'elsewhere',
    },
    'Component',
    { system: 'elsewhere' },
  ),
];

async function request2(
  post: (url: string, body: object) => request.Test,
  url: string,
  body: object,
) {
  const res = await post(url, body);
  return { status: res.status, name: res.body.error?.name };
}

const server = setupServer();
registerMswTestHooks(server);

describe.each(databases.eachSupportedId())(
  'upgrade routes on %s',
  databaseId => {
    let root: string;
    let repoURL: string;
    let indexRequests: number;
    let chartsDown: boolean;

    beforeAll(async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'datastack-upgrades-'));
      const work = path.join(root, 'work');
      fs.mkdirSync(path.join(work, 'components', 'trino'), { recursive: true });
      fs.mkdirSync(path.join(work, 'environments', 'dev', 'values'), {
        recursive: true,
      });
      fs.writeFileSync(
        path.join(work, 'components', 'trino', 'values.yaml'),
        '# Helm values of Trino\nserver:\n  workers: 4\n  legacyExchange: false\n',
      );
      fs.mkdirSync(path.join(work, 'environments', 'dev', 'applications'), {
        recursive: true,
      });
      fs.writeFileSync(
        path.join(
          work,
          'environments',
          'dev',
          'applications',
          'orders-trino-dev.yaml',
        ),
        [
          '# Argo CD Application of Trino in dev.',
          'apiVersion: argoproj.io/v1alpha1',
          'kind: Application',
          'metadata:',
          '  name: orders-trino-dev',
          'spec:',
          '  project: default',
          '  sources:',
          '    - repoURL: https://trinodb.github.io/charts',
          '      chart: trino',
          '      targetRevision: 1.40.0 # pinned by Datastack',
          '    - repoURL: GITOPS',
          '      targetRevision: main',
          '      ref: values',
          '  destination:',
          '    server: https://dev.k8s.example.com',
          '    namespace: trino',
          '',
        ].join('\n'),
      );
      fs.writeFileSync(
        path.join(work, 'environments', 'dev', 'values', 'trino.yaml'),
        'coordinator:\n  resources:\n    limits:\n      memory: 4Gi\n',
      );
      const bare = path.join(root, 'gitops', 'orders.git');
      await runGit(['init', '--bare', '--initial-branch=main', bare]);
      await runGit(['init', '--initial-branch=main', work]);
      await runGit(['-C', work, 'add', '.']);
      await runGit([
        '-C',
        work,
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@example.com',
        'commit',
        '-m',
        'init',
      ]);
      await runGit(['-C', work, 'push', bare, 'main']);
      repoURL = `file://${bare}`;
      entities[2].metadata.annotations!['datastack.io/gitops-repo'] = repoURL;
    });

    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    beforeEach(() => {
      indexRequests = 0;
      chartsDown = false;
      const archives = new Map(
        trinoCharts.map(c => [`${c.name}-${c.version}.tgz`, chartArchive(c)]),
      );
      const index = chartIndex(trinoCharts);
      server.use(
        http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
        http.get(`${DEV}/api/v1/applications`, ({ request: req }) => {
          const selector = new URL(req.url).searchParams.get('selector');
          const items = [
            app('orders-trino-dev', 'trino', 'dev', '1.40.0', { repoURL }),
            app('orders-kafka-dev', 'kafka', 'dev', '0.48.0', {
              repoURL,
              chart: 'strimzi-kafka-operator',
              chartRepo: 'quay.io/strimzi-helm',
              resources: [
                {
                  group: 'kafka.strimzi.io',
                  version: 'v1beta2',
                  kind: 'Kafka',
                  namespace: 'kafka',
                  name: 'orders',
                  status: 'Synced',
                },
              ],
            }),
          ].filter(
            a =>
              selector === 'datastack.io/component' ||
              selector ===
                `datastack.io/pipeline=orders,datastack.io/component=${a.metadata.labels['datastack.io/component']}`,
          );
          return HttpResponse.json({ metadata: {}, items });
        }),
        http.get(`${DEV}/api/v1/clusters`, () =>
          HttpResponse.json({
            metadata: {},
            items: [
              {
                server: 'https://dev.k8s.example.com',
                name: 'dev-eu',
                serverVersion: '1.29',
                info: {
                  serverVersion: '1.29',
                  connectionState: { status: 'Successful' },
                },
              },
            ],
          }),
        ),
        // The prod instance is down: its row says so, the answer stays 200.
        http.get(`${PROD}/api/v1/*`, () =>
          HttpResponse.json(
            {
              error: 'internal',
              code: 13,
              message: 'redis: connection refused',
            },
            { status: 500 },
          ),
        ),
        http.get(`${TRINO_MIRROR}/index.yaml`, async ({ request: req }) => {
          indexRequests++;
          if (chartsDown) {
            await delay(1_000);
          }
          if (
            req.headers.get('authorization') !==
            `Basic ${Buffer.from(`reader:${CHART_CANARY}`).toString('base64')}`
          ) {
            return new HttpResponse('unauthorized', { status: 401 });
          }
          return new HttpResponse(index, { headers: { etag: '"idx-1"' } });
        }),
        http.get(`${TRINO_MIRROR}/:file`, ({ params }) => {
          const archive = archives.get(String(params.file));
          return archive
            ? HttpResponse.arrayBuffer(
                archive.buffer.slice(
                  archive.byteOffset,
                  archive.byteOffset + archive.length,
                ) as ArrayBuffer,
              )
            : new HttpResponse(null, { status: 404 });
        }),
        // Strimzi's OCI registry answers garbage: only Kafka's answer degrades.
        http.get(`${KAFKA_REGISTRY}/v2/*`, () =>
          HttpResponse.text('<html>oops</html>', { status: 200 }),
        ),
      );
    });

    async function start(
      options: {
        permissions?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
        features?: any[];
      } = {},
    ) {
      const knex = await databases.init(databaseId);
      const { server: backend } = await startTestBackend({
        features: [
          datastackPlugin,
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              datastack: {
                // The direct path to Argo CD; the live inventory has its own tests.
                inventory: { enabled: false },
                gitops: { localRoot: path.join(root, 'gitops') },
                argocd: {
                  requestTimeoutMs: 300,
                  instances: [
                    { name: 'dev', url: DEV, token: CANARY },
                    { name: 'prod', url: PROD, token: CANARY },
                  ],
                },
                upgrades: {
                  requestTimeoutMs: 300,
                  chartRepositories: [
                    {
                      url: 'https://trinodb.github.io/charts',
                      mirror: TRINO_MIRROR,
                      username: 'reader',
                      password: CHART_CANARY,
                    },
                  ],
                },
              },
            },
          }),
          catalogServiceMock.factory({ entities }),
          urlReaderServiceFactory,
          datastackUrlReaderFactory,
          ...(options.permissions
            ? [datastackPermissions(options.permissions)]
            : []),
          ...(options.features ?? []),
        ],
      });
      const get = (url: string) =>
        request(backend)
          .get(`/api/datastack${url}`)
          .set('authorization', mockCredentials.user.header());
      const post = (url: string, body: object) =>
        request(backend)
          .post(`/api/datastack${url}`)
          .set('authorization', mockCredentials.user.header())
          .send(body);
      return { get, post };
    }

    it('answers the deployed versions, candidates checked per cluster, the recommended one and its values changes', async () => {
      const { get } = await start();
      const res = await get('/upgrades/entity/default/component/orders-trino');
      expect(res.status).toBe(200);
      const body: ComponentUpgrade = res.body;
      expect(body).toMatchObject({
        entityRef: 'component:default/orders-trino',
        componentId: 'trino',
        pipeline: 'orders',
        versions: { status: 'ok', versionCount: 3, latest: '1.42.2' },
        recommended: '1.41.0',
      });
      expect(body.deployed).toEqual([
        expect.objectContaining({
          instance: 'dev',
          application: 'orders-trino-dev',
          environment: 'dev',
          cluster: 'https://dev.k8s.example.com',
          clusterVersion: '1.29',
          appVersion: '475',
          chart: {
            repoURL: 'https://trinodb.github.io/charts',
            name: 'trino',
            version: '1.40.0',
          },
          inventory: expect.arrayContaining([
            {
              group: 'policy',
              version: 'v1beta1',
              kind: 'PodDisruptionBudget',
            },
          ]),
        }),
      ]);
      expect(body.failures).toEqual([
        {
          instance: 'prod',
          status: 'error',
          error: expect.stringContaining('redis: connection refused'),
        },
      ]);
      const [newest, recommended] = body.candidates;
      expect(newest).toMatchObject({
        chartVersion: '1.42.2',
        risk: 'blocking',
      });
      expect(newest.kubeFit).toEqual([
        expect.objectContaining({
          cluster: 'https://dev.k8s.example.com',
          fits: 'no',
          reason: "1.29 is outside the chart's kubeVersion >=1.30.0-0",
        }),
      ]);
      expect(recommended).toMatchObject({
        chartVersion: '1.41.0',
        risk: 'warn',
        breakingNotes: ['removed: server.legacyExchange was removed'],
      });
      // policy/v1beta1 PodDisruptionBudget is gone since 1.25: found on the cluster now.
      expect(
        recommended.apiFindings[0].current.map(
          f => `${f.group}/${f.version} ${f.kind} ${f.status}`,
        ),
      ).toEqual(['policy/v1beta1 PodDisruptionBudget removed']);
      expect(body.valuesDiff).toMatchObject({
        from: '1.40.0',
        to: '1.41.0',
        status: 'ok',
        schemaChanged: true,
        affectedOverrides: ['server.legacyExchange', 'server.workers'],
      });
      expect(body.valuesDiff!.changes).toEqual([
        {
          key: 'coordinator.annotations',
          change: 'added',
          to: {},
          overriddenIn: [],
        },
        {
          key: 'server.exchangeLegacy',
          change: 'added',
          to: true,
          overriddenIn: [],
          movedFrom: 'server.legacyExchange',
        },
        // Beside it, with its default: renamed, so its overrides can move.
        {
          key: 'server.legacyExchange',
          change: 'removed',
          from: true,
          overriddenIn: ['components/trino/values.yaml'],
          movedTo: 'server.exchangeLegacy',
        },
        {
          key: 'server.workers',
          change: 'default-changed',
          from: 2,
          to: 3,
          overriddenIn: ['components/trino/values.yaml'],
        },
      ]);
      // The second answer is served from the database: the index is fetched once.
      await get('/upgrades/entity/default/component/orders-trino').expect(200);
      expect(indexRequests).toBe(1);
      expect(JSON.stringify(body)).not.toContain(CANARY);
      expect(JSON.stringify(body)).not.toContain(CHART_CANARY);
    });

    it('degrades only the component whose repository answers garbage', async () => {
      const { get } = await start();
      const res = await get('/upgrades/entity/default/component/orders-kafka');
      expect(res.status).toBe(200);
      expect(res.body.versions).toMatchObject({
        componentId: 'kafka',
        status: 'unknown',
        versionCount: 0,
      });
      expect(res.body.versions.error).toMatch(/not JSON/);
      expect(res.body.candidates).toEqual([]);
      expect(res.body.deployed[0].inventory).toEqual([
        { group: 'kafka.strimzi.io', version: 'v1beta2', kind: 'Kafka' },
      ]);
      const charts = await get('/upgrades/charts');
      expect(charts.status).toBe(200);
      const byId = Object.fromEntries(
        charts.body.items.map((s: { componentId: string }) => [
          s.componentId,
          s,
        ]),
      );
      expect(byId.trino.status).toBe('unknown'); // not fetched yet by this backend
      expect(byId.kafka).toMatchObject({
        status: 'unknown',
        repository: 'oci://quay.io/strimzi-helm',
      });
    });

    it('refreshes one chart repository now, and names a component it cannot', async () => {
      const { get, post } = await start();
      const before = await get('/upgrades/charts');
      expect(
        before.body.items.find((i: any) => i.componentId === 'trino').status,
      ).toBe('unknown');
      const res = await post('/upgrades/charts/trino/refresh', {});
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        componentId: 'trino',
        status: 'ok',
        versionCount: 3,
        latest: '1.42.2',
      });
      expect(indexRequests).toBe(1);
      // A failing repository says so at once, with its reason.
      const kafka = await post('/upgrades/charts/kafka/refresh', {});
      expect(kafka.status).toBe(200);
      expect(kafka.body).toMatchObject({
        componentId: 'kafka',
        status: 'unknown',
      });
      expect(kafka.body.error).toMatch(/not JSON/);

      const unknown = await post('/upgrades/charts/nope/refresh', {});
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.message).toBe(
        'No registry component "nope" with a chart repository',
      );
      const bad = await post('/upgrades/charts/Not_A_Label/refresh', {});
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/^path parameter componentId:/);
      expect(indexRequests).toBe(1);
    });

    it('answers any two versions on demand, and names the bad field or the unknown version', async () => {
      const { get } = await start();
      const ok = await get(
        '/upgrades/entity/default/component/orders-trino/values?from=1.40.0&to=1.42.2',
      );
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({
        from: '1.40.0',
        to: '1.42.2',
        status: 'ok',
      });
      const bad = await get(
        '/upgrades/entity/default/component/orders-trino/values?to=latest',
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({
        name: 'InputError',
        message: expect.stringContaining(
          'query parameter to: must be a SemVer 2 version',
        ),
      });
      const extra = await get(
        '/upgrades/entity/default/component/orders-trino/values?to=1.41.0&evil=1',
      );
      expect(extra.status).toBe(400);
      const unknown = await get(
        '/upgrades/entity/default/component/orders-trino/values?to=9.9.9',
      );
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.message).toContain(
        'trino 9.9.9 is not in https://trinodb.github.io/charts',
      );
      const mystery = await get('/upgrades/entity/default/component/mystery');
      expect(mystery.status).toBe(400);
      expect(mystery.body.error.message).toContain(
        'datastack.io/component "nope"',
      );
      expect(
        (await get('/upgrades/entity/default/component/absent')).status,
      ).toBe(404);
      expect(
        (await get('/upgrades/entity/default/component/bad%20name')).status,
      ).toBe(400);
    });

    it('orders the pipeline plan and tells what the next Kubernetes minor would break', async () => {
      const { get } = await start();
      const res = await get('/upgrades/pipeline/default/orders');
      expect(res.status).toBe(200);
      const plan: UpgradePlan = res.body;
      expect(plan).toMatchObject({
        scope: 'pipeline',
        pipeline: 'orders',
        cycles: [],
      });
      expect(plan.steps).toEqual([
        expect.objectContaining({
          order: 1,
          componentId: 'trino',
          environment: 'dev',
          from: '1.40.0',
          to: '1.41.0',
          risk: 'warn',
          blockers: [],
        }),
      ]);
      expect(plan.failures.map(f => f.instance)).toEqual(['prod']);
      expect(plan.versions.map(v => [v.componentId, v.status]).sort()).toEqual([
        ['kafka', 'unknown'],
        ['trino', 'ok'],
      ]);
      expect(plan.clusters).toEqual([
        expect.objectContaining({
          cluster: 'https://dev.k8s.example.com',
          kubeVersion: '1.29',
          nextMinor: '1.30',
        }),
      ]);
      const notPipeline = await get('/upgrades/pipeline/default/plain-system');
      expect(notPipeline.status).toBe(400);
      expect(notPipeline.body.error.message).toContain(
        'is not a Datastack pipeline',
      );
      const fleet = await get('/upgrades/fleet');
      expect(fleet.status).toBe(200);
      expect(fleet.body.scope).toBe('fleet');
      expect(fleet.body.steps).toHaveLength(1);
      expect((await get('/upgrades/fleet?x=1')).status).toBe(400);
    });

    it('proposes an upgrade as a branch of the GitOps repository, and validates it first', async () => {
      const { get, post } = await start();
      const url = '/upgrades/entity/default/component/orders-trino/propose';
      const bad = await post(url, { version: '1.41' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain(
        'body version: must be a SemVer 2 version',
      );
      expect(
        (await post(url, { version: '1.41.0', environments: ['Dev!'] })).status,
      ).toBe(400);
      expect((await post(url, { version: '1.41.0', force: true })).status).toBe(
        400,
      );
      await get('/upgrades/entity/default/component/orders-trino').expect(200);
      const unpublished = await post(url, { version: '1.99.0' });
      expect(unpublished.status).toBe(400);
      expect(unpublished.body.error.message).toContain(
        '1.99.0 is not a published version of trino',
      );
      const noPipeline = await post(
        '/upgrades/entity/default/component/mystery/propose',
        { version: '1.41.0' },
      );
      expect(noPipeline.status).toBe(400);
      // Nothing was pushed by the refused calls.
      const bare = new URL(repoURL).pathname;
      expect(
        await runGit(['--git-dir', bare, 'branch', '--list']),
      ).not.toContain('datastack/');

      // The renamed override sits in a file every environment reads: with
      // one environment named, it cannot move without breaking the others.
      const shared = await post(url, {
        version: '1.41.0',
        environments: ['dev'],
      });
      expect(shared.status).toBe(409);
      expect(shared.body.error.message).toBe(
        'Upgrading trino to 1.41.0 would silently drop overrides: server.legacyExchange in components/trino/values.yaml, which the environments that stay on the old chart read too. Move or remove them by hand first; nothing was pushed.',
      );
      expect(
        await runGit(['--git-dir', bare, 'branch', '--list']),
      ).not.toContain('datastack/');

      // Every environment at once: the override moves with the version.
      const res = await post(url, { version: '1.41.0' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        branch: 'datastack/upgrade-trino-1.41.0',
        files: [
          'environments/dev/applications/orders-trino-dev.yaml',
          'components/trino/values.yaml',
        ],
        commitHash: expect.stringMatching(/^[0-9a-f]{40}$/),
      });
      expect(
        await runGit([
          '--git-dir',
          bare,
          'show',
          'datastack/upgrade-trino-1.41.0:components/trino/values.yaml',
        ]),
      ).toBe(
        '# Helm values of Trino\nserver:\n  workers: 4\n  exchangeLegacy: false\n',
      );
      expect(res.body.pullRequestUrl).toBeUndefined();
      const file = await runGit([
        '--git-dir',
        bare,
        'show',
        'datastack/upgrade-trino-1.41.0:environments/dev/applications/orders-trino-dev.yaml',
      ]);
      expect(file).toContain(
        '      targetRevision: 1.41.0 # pinned by Datastack',
      );
      expect(file).toContain('# Argo CD Application of Trino in dev.');
      // The same proposal again is a conflict, not a second branch.
      expect((await post(url, { version: '1.41.0' })).status).toBe(409);
    });

    describe('writes only to the repository of a System the caller may propose on', () => {
      const url = (name: string) =>
        `/upgrades/entity/default/component/${name}/propose`;
      const branches = async () =>
        runGit(['--git-dir', new URL(repoURL).pathname, 'branch', '--list']);

      it("refuses a Component whose datastack.io/pipeline names another team's pipeline, pushing nothing", async () => {
        const { post } = await start();
        const res = await post(url('payments-trino'), { version: '1.42.2' });
        expect(res.status).toBe(403);
        expect(res.body.error.name).toBe('NotAllowedError');
        expect(res.body.error.message).toContain(
          'component:default/payments-trino says it belongs to pipeline "orders" (datastack.io/pipeline), but its System system:default/payments is pipeline "payments"',
        );
        const detached = await post(url('detached-trino'), {
          version: '1.42.2',
        });
        expect(detached.status).toBe(400);
        expect(detached.body.error.message).toContain('has no spec.system');
        expect(await branches()).not.toContain(
          'datastack/upgrade-trino-1.42.2',
        );
      });

      it("refuses a Component placed in another team's System when the policy denies proposing on that System", async () => {
        const asked: string[] = [];
        const permissions = mockServices.permissions.mock({
          authorize: async requests =>
            requests.map(r => {
              const ref = 'resourceRef' in r ? String(r.resourceRef) : '';
              asked.push(`${r.permission.name} ${ref}`);
              // Team B's user owns neither team A's System nor its pipeline.
              return {
                result:
                  ref === 'system:default/orders'
                    ? AuthorizeResult.DENY
                    : AuthorizeResult.ALLOW,
              };
            }),
          // Every signed-in user reads the catalog.
          authorizeConditional: async requests =>
            requests.map(() => ({ result: AuthorizeResult.ALLOW })),
        });
        const { post } = await start({ features: [permissions.factory] });
        const res = await post(url('sneaky-trino'), { version: '1.42.2' });
        expect(res.status).toBe(403);
        expect(res.body.error.message).toBe(
          'Not allowed to propose upgrades of system:default/orders, the System of component:default/sneaky-trino',
        );
        expect(asked).toEqual(
          expect.arrayContaining([
            'datastack.upgrade.propose component:default/sneaky-trino',
            'datastack.upgrade.propose system:default/orders',
          ]),
        );
        expect(await branches()).not.toContain(
          'datastack/upgrade-trino-1.42.2',
        );
      });

      it('refuses a System repository on a host without an integration before any git call', async () => {
        const hosts: string[] = [];
        server.use(
          http.all('https://git.evil.example.com/*', ({ request: req }) => {
            hosts.push(req.url);
            return new HttpResponse(null, { status: 404 });
          }),
        );
        const { post } = await start();
        const res = await post(url('elsewhere-trino'), { version: '1.42.2' });
        expect(res.status).toBe(400);
        expect(res.body.error.message).toContain(
          'git.evil.example.com has no Backstage integration',
        );
        expect(hosts).toEqual([]);
      });
    });

    it('refuses every upgrade route without the permission', async () => {
      const { get, post } = await start({ permissions: AuthorizeResult.DENY });
      const proposal = await request2(
        post,
        '/upgrades/entity/default/component/orders-trino/propose',
        { version: '1.41.0' },
      );
      expect(proposal).toEqual({ status: 403, name: 'NotAllowedError' });
      expect(
        await request2(post, '/upgrades/charts/trino/refresh', {}),
      ).toEqual({ status: 403, name: 'NotAllowedError' });
      for (const url of [
        '/upgrades/entity/default/component/orders-trino',
        '/upgrades/entity/default/component/orders-trino/values?to=1.41.0',
        '/upgrades/pipeline/default/orders',
        '/upgrades/fleet',
        '/upgrades/charts',
      ]) {
        const res = await get(url);
        expect({ url, status: res.status, name: res.body.error?.name }).toEqual(
          { url, status: 403, name: 'NotAllowedError' },
        );
      }
      expect(indexRequests).toBe(0);
    });
  },
);
