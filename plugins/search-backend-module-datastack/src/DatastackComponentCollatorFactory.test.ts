import {
  mockCredentials,
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  LunrSearchEngine,
  TestPipeline,
} from '@backstage/plugin-search-backend-node';
import type {
  FleetPage,
  FleetRow,
  RollupStatus,
} from '@datastack/plugin-datastack-common';
import { loadComponentRegistry } from '@datastack/plugin-datastack-node';
import { HttpResponse, delay, http } from 'msw';
import { setupServer } from 'msw/node';
import {
  DATASTACK_COMPONENT_DOCUMENT_TYPE,
  DatastackComponentCollatorFactory,
  DatastackComponentDocument,
} from './DatastackComponentCollatorFactory';
import { DatastackFleetReader } from './DatastackFleetReader';

// mockServices.discovery() places every plugin at http://localhost:0/api/<id>.
const FLEET_URL = 'http://localhost:0/api/datastack/health/fleet';
const auth = mockServices.auth({ pluginId: 'search' });
const pluginToken = mockCredentials.service.token({
  onBehalfOf: mockCredentials.service('plugin:search'),
  targetPluginId: 'datastack',
});

const registry = loadComponentRegistry(
  new ConfigReader({
    datastack: { components: { trino: { chart: { version: '1.42.2' } } } },
  }),
);

function row(
  component: string,
  pipeline: string,
  environment: string,
  version: string,
  extra: Partial<FleetRow> = {},
): FleetRow {
  const status: RollupStatus = 'healthy';
  return {
    component,
    pipeline,
    environment,
    instance: environment,
    application: `${pipeline}-${component}-${environment}`,
    url: `https://argocd-${environment}.example.com/applications/${pipeline}-${component}-${environment}`,
    status,
    sync: 'Synced',
    health: 'Healthy',
    version,
    lastDeployedAt: '2026-11-30T08:12:44Z',
    ...extra,
  };
}

// 520 rows, so the fleet takes two pages of 500; Trino only on the second.
const fleet: FleetRow[] = [
  ...Array.from({ length: 171 }, (_, i) => `p${String(i).padStart(3, '0')}`)
    .flatMap(p =>
      ['dev', 'staging', 'prod'].map(e => row('kafka', p, e, '1.2.0')),
    )
    .slice(0, 510),
  row('trino', 'orders', 'dev', '1.42.2', {
    entityRef: 'component:default/orders-trino',
    owner: 'group:default/orders-team',
  }),
  row('trino', 'orders', 'prod', '1.41.0', {
    entityRef: 'component:default/orders-trino',
    owner: 'group:default/orders-team',
  }),
  row('trino', 'billing', 'prod', '1.42.2', { owner: 'finance' }),
  ...Array.from({ length: 7 }, (_, i) =>
    row('flink', `s${i}`, 'staging', '1.15.0'),
  ),
];

/** GET /health/fleet as the datastack backend pages it. */
function fleetPage(
  offset: number,
  limit: number,
  instances: FleetPage['instances'] = [
    { instance: 'dev', status: 'ok', fetchedAt: '2026-12-01T10:00:00Z' },
    { instance: 'prod', status: 'ok', fetchedAt: '2026-12-01T10:00:00Z' },
  ],
): FleetPage {
  return {
    items: fleet.slice(offset, offset + limit),
    total: fleet.length,
    offset,
    limit,
    instances,
  };
}

/** The body the datastack backend's error middleware answers with. */
function backstageError(status: number, name: string, message: string) {
  return HttpResponse.json(
    {
      error: { name, message },
      request: { method: 'GET', url: '/api/datastack/health/fleet' },
      response: { statusCode: status },
    },
    { status },
  );
}

const pipelineEntities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'analytics-trino',
      annotations: {
        'datastack.io/component': 'trino',
        'datastack.io/pipeline': 'analytics',
        'datastack.io/environments': 'dev',
      },
    },
    spec: {
      type: 'data-stack-component',
      lifecycle: 'production',
      owner: 'analytics-team',
      system: 'analytics',
    },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'datastack-trino',
      annotations: { 'datastack.io/component': 'trino' },
    },
    spec: {
      type: 'datastack-offering',
      lifecycle: 'production',
      owner: 'group:default/platform-team',
      system: 'datastack-platform',
    },
  },
  // The platform layer's Strimzi, as the "Platform operators" template registers it.
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'cluster-addons-kafka',
      title: 'Strimzi operator',
      annotations: {
        'datastack.io/component': 'kafka',
        'datastack.io/platform': 'true',
        'argocd/app-selector': 'datastack.io/platform-operator=kafka',
      },
    },
    spec: {
      type: 'platform-operator',
      lifecycle: 'production',
      owner: 'group:default/platform',
      system: 'cluster-addons',
    },
  },
];

describe('DatastackComponentCollatorFactory', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  let offsets: number[];
  let logger: ReturnType<typeof mockServices.logger.mock>;

  beforeEach(() => {
    offsets = [];
    logger = mockServices.logger.mock();
  });

  function factory(
    options: { timeoutMs?: number; entities?: Entity[] } = {},
  ): DatastackComponentCollatorFactory {
    return DatastackComponentCollatorFactory.create({
      registry,
      fleet: new DatastackFleetReader({
        discovery: mockServices.discovery(),
        auth,
        timeoutMs: options.timeoutMs ?? 2000,
      }),
      catalog: catalogServiceMock({ entities: options.entities ?? [] }),
      auth,
      logger,
    });
  }

  async function collect(
    f: DatastackComponentCollatorFactory,
  ): Promise<DatastackComponentDocument[]> {
    const { documents, error } = await TestPipeline.fromCollator(
      await f.getCollator(),
    ).execute();
    expect(error).toBeUndefined();
    return documents as DatastackComponentDocument[];
  }

  function answerFleet() {
    server.use(
      http.get(FLEET_URL, ({ request }) => {
        if (request.headers.get('authorization') !== `Bearer ${pluginToken}`) {
          return backstageError(401, 'AuthenticationError', 'Missing token');
        }
        const url = new URL(request.url);
        const offset = Number(url.searchParams.get('offset'));
        offsets.push(offset);
        return HttpResponse.json(
          fleetPage(offset, Number(url.searchParams.get('limit'))),
        );
      }),
    );
  }

  function byId(docs: DatastackComponentDocument[], id: string) {
    const doc = docs.find(d => d.componentId === id);
    expect(doc).toBeDefined();
    return doc!;
  }

  it('reads both pages of the fleet with a plugin token and puts the deployments on the documents', async () => {
    answerFleet();

    const docs = await collect(factory());

    expect(offsets).toEqual([0, 500]);
    expect(docs.map(d => d.componentId).sort()).toEqual(
      registry
        .list()
        .map(c => c.id)
        .sort(),
    );
    expect(byId(docs, 'trino')).toEqual({
      title: 'Trino',
      text: expect.stringContaining(
        'Deployed versions: 1.41.0, 1.42.2. Environments: dev, prod. Pipelines: billing, orders. Owners: group:default/finance, group:default/orders-team.',
      ),
      location:
        '/catalog/default/component/datastack-trino#datastack-component',
      componentId: 'trino',
      entityRef: 'component:default/datastack-trino',
      layer: 'store',
      chart: 'trino',
      chartRepository: 'https://trinodb.github.io/charts',
      // The registry default, with the app-config override.
      chartVersion: '1.42.2',
      appVersion: expect.any(String),
      deployedVersions: ['1.41.0', '1.42.2'],
      environments: ['dev', 'prod'],
      owners: ['group:default/finance', 'group:default/orders-team'],
      pipelines: ['billing', 'orders'],
    });
    expect(byId(docs, 'kafka').pipelines).toHaveLength(170);
    expect(byId(docs, 'kafka').environments).toEqual([
      'dev',
      'prod',
      'staging',
    ]);
    expect(byId(docs, 'airflow')).toMatchObject({
      deployedVersions: [],
      environments: [],
      owners: [],
      pipelines: [],
    });
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('gives every document the same fields, the dbt project included', async () => {
    answerFleet();

    const docs = await collect(factory());

    const keys = Object.keys(docs[0]).sort();
    for (const doc of docs) expect(Object.keys(doc).sort()).toEqual(keys);
    const dbt = registry.get('dbt');
    expect(byId(docs, 'dbt')).toMatchObject({
      chart: '',
      chartVersion: '',
      appVersion: dbt.dbt!.coreVersion,
      text: expect.stringContaining(
        `dbt project on dbt-core ${dbt.dbt!.coreVersion}`,
      ),
    });
  });

  it('adds the pipelines and owners of catalog entities that run a component, not the offering', async () => {
    server.use(
      http.get(FLEET_URL, () =>
        HttpResponse.json({
          items: [],
          total: 0,
          offset: 0,
          limit: 500,
          instances: [],
        }),
      ),
    );

    const docs = await collect(factory({ entities: pipelineEntities }));

    expect(byId(docs, 'trino')).toMatchObject({
      owners: ['group:default/analytics-team'],
      pipelines: ['analytics'],
      deployedVersions: [],
    });
    // The platform team installs the operator; it does not run a Kafka.
    expect(byId(docs, 'kafka')).toMatchObject({ owners: [], pipelines: [] });
  });

  it.each([
    [
      'a 500 on the first page',
      () =>
        backstageError(
          500,
          'Error',
          'connect ECONNREFUSED argocd-dev.example.com:443',
        ),
      /refused GET \/health\/fleet\?offset=0: .*500/,
    ],
    [
      'a 500 on the second page',
      (offset: number, limit: number) =>
        offset === 0
          ? HttpResponse.json(fleetPage(offset, limit))
          : backstageError(503, 'ServiceUnavailableError', 'Shutting down'),
      /refused GET \/health\/fleet\?offset=500: .*503/,
    ],
    [
      'a body that is not JSON',
      () =>
        new HttpResponse('{"items": [{"component": "trino",', {
          headers: { 'content-type': 'application/json' },
        }),
      /answered GET \/health\/fleet\?offset=0 with a body that is not JSON/,
    ],
    [
      'JSON that is not a fleet page',
      () => HttpResponse.json({ items: [{ component: 'trino' }], total: 1 }),
      /not a fleet page: items\.0\.instance/,
    ],
  ])(
    'answers registry and catalog facts alone and warns after %s',
    async (_name, answer, reason) => {
      server.use(
        http.get(FLEET_URL, ({ request }) => {
          const url = new URL(request.url);
          return answer(
            Number(url.searchParams.get('offset')),
            Number(url.searchParams.get('limit')),
          );
        }),
      );

      const docs = await collect(factory({ entities: pipelineEntities }));

      expect(docs).toHaveLength(registry.list().length);
      // No half fleet: a failed page drops the pages before it too.
      expect(byId(docs, 'kafka').deployedVersions).toEqual([]);
      expect(byId(docs, 'trino')).toMatchObject({
        chartVersion: '1.42.2',
        deployedVersions: [],
        environments: [],
        owners: ['group:default/analytics-team'],
      });
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringContaining('did not answer the fleet'),
        { error: expect.stringMatching(reason) },
      );
    },
  );

  it('gives up on a fleet page that hangs past the timeout', async () => {
    server.use(
      http.get(FLEET_URL, async () => {
        await delay('infinite');
        return HttpResponse.json(fleetPage(0, 500));
      }),
    );

    const started = Date.now();
    const docs = await collect(factory({ timeoutMs: 150 }));

    expect(Date.now() - started).toBeLessThan(2000);
    expect(docs).toHaveLength(registry.list().length);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('did not answer the fleet'),
      {
        error:
          'The datastack backend did not answer GET /health/fleet?offset=0 within 150 ms',
      },
    );
  });

  it('warns about Argo CD instances the fleet could not read, and keeps the rest', async () => {
    server.use(
      http.get(FLEET_URL, ({ request }) => {
        const url = new URL(request.url);
        const offset = Number(url.searchParams.get('offset'));
        return HttpResponse.json(
          fleetPage(offset, 500, [
            { instance: 'dev', status: 'ok', fetchedAt: '2026-12-01T10:00Z' },
            {
              instance: 'prod',
              status: 'unreachable',
              error: 'Argo CD instance "prod" did not answer within 10000 ms',
              fetchedAt: '2026-12-01T10:00Z',
            },
          ]),
        );
      }),
    );

    const docs = await collect(factory());

    expect(byId(docs, 'trino').deployedVersions).toEqual(['1.41.0', '1.42.2']);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('Argo CD instances did not answer the fleet'),
      { instances: 'prod' },
    );
  });

  it('keeps apart in Lunr from the catalog document of the same offering entity', async () => {
    answerFleet();
    const docs = await collect(factory());
    const engine = new LunrSearchEngine({ logger: mockServices.logger.mock() });
    const catalogIndexer = await engine.getIndexer('software-catalog');
    const catalogDone = new Promise(r => catalogIndexer.on('close', r));
    catalogIndexer.end(
      // What the catalog collator makes of the offering entity.
      {
        title: 'Trino',
        text: 'Distributed SQL query engine',
        location: '/catalog/default/component/datastack-trino',
        kind: 'Component',
        type: 'datastack-offering',
      },
    );
    await catalogDone;
    const indexer = await engine.getIndexer(DATASTACK_COMPONENT_DOCUMENT_TYPE);
    const done = new Promise(r => indexer.on('close', r));
    for (const doc of docs) indexer.write(doc);
    indexer.end();
    await done;

    const { results } = await engine.query({ term: 'trino' });

    // Each result shows its own document: Lunr keys documents by location,
    // so a shared location would show one document under both types.
    const trino = results.filter(r => r.document.title === 'Trino');
    expect(trino).toHaveLength(2);
    expect(trino.find(r => r.type === 'software-catalog')?.document).toEqual(
      expect.objectContaining({
        kind: 'Component',
        type: 'datastack-offering',
      }),
    );
    expect(trino.find(r => r.type === 'datastack-component')?.document).toEqual(
      expect.objectContaining({ componentId: 'trino', chart: 'trino' }),
    );
  });
});
