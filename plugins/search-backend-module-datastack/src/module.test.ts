import {
  SchedulerServiceTaskFunction,
  SchedulerServiceTaskScheduleDefinition,
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import searchPlugin from '@backstage/plugin-search-backend';
import searchModuleCatalogCollator from '@backstage/plugin-search-backend-module-catalog';
import type { FleetPage } from '@datastack/plugin-datastack-common';
import request from 'supertest';
import { searchModuleDatastackCollator } from './module';

/** The id the search backend gives the collator's scheduled task. */
const TASK_ID = 'search_index_datastack_component';

const fleet: FleetPage = {
  items: [
    {
      component: 'trino',
      pipeline: 'orders',
      entityRef: 'component:default/orders-trino',
      owner: 'group:default/orders-team',
      environment: 'prod',
      instance: 'prod',
      application: 'orders-trino-prod',
      url: 'https://argocd-prod.example.com/applications/orders-trino-prod',
      status: 'healthy',
      sync: 'Synced',
      health: 'Healthy',
      version: '1.41.0',
      lastDeployedAt: '2026-11-30T08:12:44Z',
    },
  ],
  total: 1,
  offset: 0,
  limit: 500,
  instances: [
    { instance: 'prod', status: 'ok', fetchedAt: '2026-12-01T10:00:00Z' },
  ],
};

/**
 * Stands in for the datastack backend plugin: its GET /health/fleet, which
 * only other backend plugins' tokens may call here.
 */
const datastackStandIn = createBackendPlugin({
  pluginId: 'datastack',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
      },
      async init({ httpRouter, httpAuth }) {
        httpRouter.use(async (req, res, next) => {
          if (req.method !== 'GET' || req.path !== '/health/fleet') {
            next();
            return;
          }
          try {
            await httpAuth.credentials(req, { allow: ['service'] });
            res.json(fleet);
          } catch (error) {
            next(error);
          }
        });
      },
    });
  },
});

/** A scheduler that keeps the tasks it is given, for the test to run. */
function recordingScheduler() {
  const tasks = new Map<
    string,
    {
      schedule: SchedulerServiceTaskScheduleDefinition;
      fn: SchedulerServiceTaskFunction;
    }
  >();
  const mock = mockServices.scheduler.mock({
    createScheduledTaskRunner: schedule => ({
      run: async task => {
        tasks.set(task.id, { schedule, fn: task.fn });
      },
    }),
  });
  return {
    factory: mock.factory,
    schedule: (id: string) => tasks.get(id)?.schedule,
    run: async (id: string) => {
      const task = tasks.get(id);
      if (!task) throw new Error(`No task ${id} was scheduled`);
      await task.fn(new AbortController().signal);
    },
  };
}

describe('searchModuleDatastackCollator', () => {
  it('indexes the registry components in the search backend: a query for "trino" finds the datastack-component document', async () => {
    const scheduler = recordingScheduler();
    const { server } = await startTestBackend({
      features: [
        searchPlugin,
        searchModuleDatastackCollator,
        datastackStandIn,
        scheduler.factory,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            datastack: {
              components: { trino: { chart: { version: '1.42.2' } } },
            },
          },
        }),
      ],
    });

    await scheduler.run(TASK_ID);
    const res = await request(server)
      .get('/api/search/query')
      .query({ term: 'trino', types: ['datastack-component'] })
      .set('authorization', mockCredentials.user.header());

    expect(res.status).toBe(200);
    expect(res.body.results[0]).toMatchObject({
      type: 'datastack-component',
      document: {
        title: 'Trino',
        location:
          '/catalog/default/component/datastack-trino#datastack-component',
        componentId: 'trino',
        chartVersion: '1.42.2',
        deployedVersions: ['1.41.0'],
        environments: ['prod'],
        owners: ['group:default/orders-team'],
        pipelines: ['orders'],
      },
    });
    expect(res.body.results[0].highlight.fields.title).toContain('Trino');
  });

  it('finds components by environment (a filter) and by owner (the text)', async () => {
    const scheduler = recordingScheduler();
    const { server } = await startTestBackend({
      features: [
        searchPlugin,
        searchModuleDatastackCollator,
        datastackStandIn,
        scheduler.factory,
        catalogServiceMock.factory({ entities: [] }),
      ],
    });
    await scheduler.run(TASK_ID);
    const ids = async (query: object) => {
      const res = await request(server)
        .get('/api/search/query')
        .query({ types: ['datastack-component'], ...query })
        .set('authorization', mockCredentials.user.header());
      expect(res.status).toBe(200);
      return res.body.results.map(
        (r: { document: { componentId: string } }) => r.document.componentId,
      );
    };

    // "sql" alone matches several query engines; only Trino runs in prod.
    expect((await ids({ term: 'sql' })).length).toBeGreaterThan(1);
    expect(
      await ids({ term: 'sql', filters: { environments: 'prod' } }),
    ).toEqual(['trino']);
    expect(
      await ids({
        term: 'sql',
        filters: { layer: 'store', componentId: 'trino' },
      }),
    ).toEqual(['trino']);
    // Lunr also answers near matches, after the real one.
    expect((await ids({ term: 'orders-team' }))[0]).toBe('trino');
  });

  it("leaves the catalog's document of an offering entity out, so a component is found once", async () => {
    const scheduler = recordingScheduler();
    const offering = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'datastack-trino',
        title: 'Trino',
        description: 'Distributed SQL query engine',
      },
      spec: {
        type: 'datastack-offering',
        lifecycle: 'production',
        owner: 'group:default/platform-team',
        system: 'datastack-platform',
      },
    };
    const pipelineTrino = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'orders-trino', title: 'Orders Trino' },
      spec: {
        type: 'service',
        lifecycle: 'production',
        owner: 'group:default/orders-team',
      },
    };
    const { server } = await startTestBackend({
      features: [
        searchPlugin,
        searchModuleCatalogCollator,
        searchModuleDatastackCollator,
        datastackStandIn,
        scheduler.factory,
        catalogServiceMock.factory({ entities: [offering, pipelineTrino] }),
      ],
    });
    await scheduler.run('search_index_software_catalog');
    await scheduler.run(TASK_ID);

    const res = await request(server)
      .get('/api/search/query')
      .query({ term: 'trino' })
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    const found = res.body.results.map(
      (r: { type: string; document: { location: string } }) =>
        `${r.type} ${r.document.location}`,
    );
    // The offering once (Datastack's document), the pipeline's component from the catalog.
    expect(found.filter((f: string) => f.includes('datastack-trino'))).toEqual([
      'datastack-component /catalog/default/component/datastack-trino#datastack-component',
    ]);
    expect(found).toContain(
      'software-catalog /catalog/default/component/orders-trino',
    );
  });

  it('runs on the schedule from app-config, every 10 minutes by default', async () => {
    const configured = recordingScheduler();
    await startTestBackend({
      features: [
        searchPlugin,
        searchModuleDatastackCollator,
        configured.factory,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            search: {
              collators: {
                datastack: {
                  schedule: { frequency: { hours: 1 }, timeout: 'PT20M' },
                },
              },
            },
          },
        }),
      ],
    });
    const defaulted = recordingScheduler();
    await startTestBackend({
      features: [
        searchPlugin,
        searchModuleDatastackCollator,
        defaulted.factory,
        catalogServiceMock.factory({ entities: [] }),
      ],
    });

    expect(configured.schedule(TASK_ID)).toMatchObject({
      frequency: { hours: 1 },
      timeout: { minutes: 20 },
    });
    expect(defaulted.schedule(TASK_ID)).toEqual({
      frequency: { minutes: 10 },
      timeout: { minutes: 15 },
      initialDelay: { seconds: 10 },
    });
  });

  it('fails start-up on a bad schedule, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          searchPlugin,
          searchModuleDatastackCollator,
          catalogServiceMock.factory({ entities: [] }),
          mockServices.rootConfig.factory({
            data: {
              search: {
                collators: {
                  datastack: { schedule: { frequency: 'every so often' } },
                },
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(/search\.collators\.datastack\.schedule/);
  });
});
