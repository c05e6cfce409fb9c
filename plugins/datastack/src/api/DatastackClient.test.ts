import { ResponseError } from '@backstage/errors';
import { MockFetchApi, registerMswTestHooks } from '@backstage/test-utils';
import type {
  ComponentUpgrade,
  FleetPage,
  UpgradePlan,
  UpgradeProposal,
  ValuesDiff,
} from '@datastack/plugin-datastack-common';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { platformOperators } from '../__testUtils__/fixtures';
import { DatastackClient } from './DatastackClient';

const baseUrl = 'http://backstage.example.com/api/datastack';
const server = setupServer();
registerMswTestHooks(server);

const client = new DatastackClient({
  discoveryApi: { getBaseUrl: async () => baseUrl },
  fetchApi: new MockFetchApi(),
});
const entity = {
  namespace: 'default',
  kind: 'Component',
  name: 'orders-kafka',
};

const notAllowed = (message: string) =>
  HttpResponse.json(
    {
      error: { name: 'NotAllowedError', message },
      request: { method: 'GET', url: '/api/datastack/health/fleet' },
      response: { statusCode: 403 },
    },
    { status: 403, statusText: 'Forbidden' },
  );

const plan: UpgradePlan = {
  scope: 'pipeline',
  pipeline: 'orders',
  steps: [],
  cycles: [],
  clusters: [],
  failures: [],
  versions: [],
  generatedAt: '2026-11-22T04:00:00Z',
};

describe('DatastackClient', () => {
  it('reads the fleet with only the filters given, encoded', async () => {
    const page: FleetPage = {
      items: [],
      total: 0,
      offset: 100,
      limit: 50,
      instances: [],
    };
    let seen: URL | undefined;
    server.use(
      http.get(`${baseUrl}/health/fleet`, ({ request }) => {
        seen = new URL(request.url);
        return HttpResponse.json(page);
      }),
    );
    await expect(
      client.getFleet({
        offset: 100,
        limit: 50,
        owner: 'group:default/data engineering',
        status: 'degraded',
        environment: '',
        component: undefined,
      }),
    ).resolves.toEqual(page);
    expect(seen?.search).toBe(
      '?offset=100&limit=50&status=degraded&owner=group%3Adefault%2Fdata+engineering',
    );

    await client.getFleet();
    expect(seen?.search).toBe('');
  });

  it('turns an error body into a ResponseError with its status and message', async () => {
    server.use(
      http.get(`${baseUrl}/health/fleet`, () =>
        notAllowed('Not allowed to read the fleet'),
      ),
    );
    const error = await client.getFleet({ pipeline: 'orders' }).catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(403);
    expect(error.body.error.name).toBe('NotAllowedError');
    expect(error.cause.message).toBe('Not allowed to read the fleet');
  });

  it('reads cluster health', async () => {
    const overview = {
      clusters: [
        {
          name: 'eks-prod',
          url: 'https://eks.example.com',
          status: 'ok',
          version: 'v1.30.4-eks-a737599',
          nodesReady: 3,
          nodesTotal: 3,
          fetchedAt: '2026-11-22T04:00:00Z',
        },
      ],
      argocd: [],
    };
    server.use(
      http.get(`${baseUrl}/health/clusters`, () => HttpResponse.json(overview)),
    );
    await expect(client.getClusterHealth()).resolves.toEqual(overview);
  });

  it('reads the platform operators, and a refused read as a ResponseError', async () => {
    server.use(
      http.get(`${baseUrl}/platform/operators`, () =>
        HttpResponse.json(platformOperators),
      ),
    );
    await expect(client.getPlatformOperators()).resolves.toEqual(
      platformOperators,
    );

    server.use(
      http.get(`${baseUrl}/platform/operators`, () =>
        notAllowed('Not allowed to read the platform operators'),
      ),
    );
    const error = await client.getPlatformOperators().catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(403);
    expect(error.body.error).toMatchObject({
      name: 'NotAllowedError',
      message: 'Not allowed to read the platform operators',
    });
  });

  it('reads an entity’s upgrades with every part of the reference encoded', async () => {
    const upgrade = {
      entityRef: 'component:team a/orders#kafka',
      componentId: 'kafka',
      deployed: [],
      failures: [],
      versions: {
        componentId: 'kafka',
        repository: 'oci://quay.io/strimzi-helm',
        chart: 'strimzi-kafka-operator',
        status: 'ok',
        versionCount: 12,
        latest: '1.2.0',
      },
      candidates: [],
      generatedAt: '2026-11-22T04:00:00Z',
    } satisfies ComponentUpgrade;
    let path: string | undefined;
    server.use(
      http.get(`${baseUrl}/upgrades/entity/*`, ({ request }) => {
        path = new URL(request.url).pathname;
        return HttpResponse.json(upgrade);
      }),
    );
    await expect(
      client.getComponentUpgrade({
        namespace: 'team a',
        kind: 'Component',
        name: 'orders#kafka',
      }),
    ).resolves.toEqual(upgrade);
    expect(path).toBe(
      '/api/datastack/upgrades/entity/team%20a/Component/orders%23kafka',
    );
  });

  it('reads the values diff of two versions through the query string', async () => {
    const diff: ValuesDiff = {
      componentId: 'kafka',
      from: '0.45.0',
      to: '1.0.0+build.1',
      status: 'ok',
      changes: [],
      affectedOverrides: [],
      schemaChanged: false,
      source: 'oci://quay.io/strimzi-helm/strimzi-kafka-operator',
      fetchedAt: '2026-11-22T04:00:00Z',
    };
    let seen: URL | undefined;
    server.use(
      http.get(
        `${baseUrl}/upgrades/entity/default/Component/orders-kafka/values`,
        ({ request }) => {
          seen = new URL(request.url);
          return HttpResponse.json(diff);
        },
      ),
    );
    await expect(
      client.getValuesDiff(entity, '0.45.0', '1.0.0+build.1'),
    ).resolves.toEqual(diff);
    expect(seen?.searchParams.get('from')).toBe('0.45.0');
    expect(seen?.searchParams.get('to')).toBe('1.0.0+build.1');
    expect(seen?.search).toBe('?from=0.45.0&to=1.0.0%2Bbuild.1');
  });

  it('proposes an upgrade with a JSON body and answers what was written', async () => {
    const proposal: UpgradeProposal = {
      branch: 'datastack/upgrade-kafka-1.2.0',
      commitHash: '9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912',
      files: ['environments/dev/applications/orders-kafka-dev.yaml'],
      pullRequestUrl: 'https://github.com/acme/orders-gitops/pull/7',
      repository: 'https://github.com/acme/orders-gitops',
    };
    let received: { method: string; type: string | null; body: unknown } = {
      method: '',
      type: null,
      body: undefined,
    };
    server.use(
      http.post(
        `${baseUrl}/upgrades/entity/default/Component/orders-kafka/propose`,
        async ({ request }) => {
          received = {
            method: request.method,
            type: request.headers.get('content-type'),
            body: await request.json(),
          };
          return HttpResponse.json(proposal, { status: 201 });
        },
      ),
    );
    await expect(
      client.proposeUpgrade(entity, {
        version: '1.2.0',
        environments: ['dev'],
      }),
    ).resolves.toEqual(proposal);
    expect(received).toEqual({
      method: 'POST',
      type: 'application/json',
      body: { version: '1.2.0', environments: ['dev'] },
    });
  });

  it('rejects a refused proposal with the backend’s error', async () => {
    server.use(
      http.post(`${baseUrl}/upgrades/entity/*/*/*/propose`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'ConflictError',
              message: 'Branch datastack/upgrade-kafka-1.2.0 already exists',
            },
            request: { method: 'POST', url: '/propose' },
            response: { statusCode: 409 },
          },
          { status: 409, statusText: 'Conflict' },
        ),
      ),
    );
    const error = await client
      .proposeUpgrade(entity, { version: '1.2.0' })
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(409);
    expect(error.body.error.message).toBe(
      'Branch datastack/upgrade-kafka-1.2.0 already exists',
    );
  });

  it('reads the pipeline and fleet plans and the chart repository states', async () => {
    let pipelinePath: string | undefined;
    server.use(
      http.get(`${baseUrl}/upgrades/pipeline/*`, ({ request }) => {
        pipelinePath = new URL(request.url).pathname;
        return HttpResponse.json(plan);
      }),
      http.get(`${baseUrl}/upgrades/fleet`, () =>
        HttpResponse.json({ ...plan, scope: 'fleet', pipeline: undefined }),
      ),
      http.get(`${baseUrl}/upgrades/charts`, () =>
        HttpResponse.json({
          items: [
            {
              componentId: 'trino',
              repository: 'https://trinodb.github.io/charts',
              chart: 'trino',
              status: 'stale',
              fetchedAt: '2026-11-21T04:00:00Z',
              checkedAt: '2026-11-22T04:00:00Z',
              error: 'GET index.yaml: 503 Service Unavailable',
              versionCount: 80,
              latest: '1.42.0',
            },
          ],
        }),
      ),
    );
    await expect(
      client.getPipelineUpgradePlan({ namespace: 'default', name: 'orders/x' }),
    ).resolves.toEqual(plan);
    expect(pipelinePath).toBe(
      '/api/datastack/upgrades/pipeline/default/orders%2Fx',
    );
    await expect(client.getFleetUpgradePlan()).resolves.toMatchObject({
      scope: 'fleet',
    });
    await expect(client.listChartVersions()).resolves.toEqual([
      expect.objectContaining({ componentId: 'trino', status: 'stale' }),
    ]);
  });

  it('turns a non-JSON gateway error into a ResponseError too', async () => {
    server.use(
      http.get(
        `${baseUrl}/upgrades/fleet`,
        () =>
          new HttpResponse('<html>Bad gateway</html>', {
            status: 502,
            statusText: 'Bad Gateway',
            headers: { 'content-type': 'text/html' },
          }),
      ),
    );
    const error = await client.getFleetUpgradePlan().catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(502);
  });
});
