import {
  mockCredentials,
  mockServices,
  registerMswTestHooks,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { HttpResponse, http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import request from 'supertest';
import { datastackPlugin } from './plugin';

const SECRET = 'canary-sa-token-44aa';
const config = {
  kubernetes: {
    serviceLocatorMethod: { type: 'multiTenant' },
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [
          {
            name: 'eks-prod',
            url: 'https://eks.example.com/',
            authProvider: 'serviceAccount',
            serviceAccountToken: SECRET,
          },
          {
            name: 'gke-dev',
            url: 'https://gke.example.com',
            authProvider: 'serviceAccount',
            serviceAccountToken: 'wrong',
          },
          {
            name: 'onprem',
            url: 'https://k8s.onprem.example.com',
            authProvider: 'serviceAccount',
            serviceAccountToken: SECRET,
          },
          {
            name: 'oidc',
            url: 'https://oidc.example.com',
            authProvider: 'oidc',
          },
        ],
      },
    ],
  },
  datastack: {
    // The direct path to Argo CD; the live inventory has its own tests.
    inventory: { enabled: false },
    health: { cacheTtlMs: 1000 },
    argocd: {
      requestTimeoutMs: 300,
      instances: [
        { name: 'dev', url: 'https://argocd-dev.example.com', token: SECRET },
      ],
    },
  },
};

const node = (ready: boolean) => ({
  metadata: { name: `node-${Math.random()}` },
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False' },
      { type: 'Ready', status: ready ? 'True' : 'False' },
    ],
  },
});

describe('GET /api/datastack/health/clusters', () => {
  const server = setupServer(
    http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
  );
  registerMswTestHooks(server);
  let eksUp: boolean;
  let eksCalls: number;

  beforeEach(() => {
    eksUp = true;
    eksCalls = 0;
    const unauthorized = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    };
    const auth = (req: Request) =>
      req.headers.get('authorization') === `Bearer ${SECRET}`;
    // Down: the connection drops; a wrong token: Kubernetes' Status body.
    const answer = (req: Request, body: object) => {
      if (new URL(req.url).hostname === 'eks.example.com') eksCalls += 1;
      if (!eksUp) return HttpResponse.error();
      if (!auth(req)) return HttpResponse.json(unauthorized, { status: 401 });
      return HttpResponse.json(body);
    };
    const version = {
      major: '1',
      minor: '29',
      gitVersion: 'v1.29.3-eks-adc7111',
      platform: 'linux/amd64',
    };
    const nodes = {
      kind: 'NodeList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '1' },
      items: [node(true), node(true), node(false)],
    };
    server.use(
      ...['https://eks.example.com', 'https://gke.example.com'].flatMap(
        host => [
          http.get(`${host}/version`, ({ request: req }) =>
            answer(req, version),
          ),
          http.get(`${host}/api/v1/nodes`, ({ request: req }) =>
            answer(req, nodes),
          ),
        ],
      ),
    );
    server.use(
      http.get(
        'https://k8s.onprem.example.com/*',
        () => new Promise<Response>(() => {}),
      ),
      http.get('https://argocd-dev.example.com/api/v1/clusters', () =>
        HttpResponse.json({
          metadata: {},
          items: [
            {
              server: 'https://eks.example.com',
              name: 'eks-prod',
              serverVersion: '1.29',
              connectionState: { status: 'Successful' },
            },
          ],
        }),
      ),
    );
  });

  it('answers every cluster in its own row, with version, nodes and the Argo CD instances', async () => {
    const { server: app } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({ data: config }),
      ],
    });
    const get = () =>
      request(app)
        .get('/api/datastack/health/clusters')
        .set('authorization', mockCredentials.user.header());

    const res = await get();
    expect(res.status).toBe(200);
    const [eks, gke, onprem, oidc] = res.body.clusters;
    expect(eks).toMatchObject({
      name: 'eks-prod',
      url: 'https://eks.example.com',
      status: 'ok',
      version: 'v1.29.3-eks-adc7111',
      nodesReady: 2,
      nodesTotal: 3,
    });
    expect(eks.lastSeenAt).toBe(eks.fetchedAt);
    expect(gke).toMatchObject({ name: 'gke-dev', status: 'error' });
    expect(gke.error).toBe(
      'Cluster "gke-dev" refused GET /version: 401 Unauthorized',
    );
    expect(onprem).toMatchObject({ name: 'onprem', status: 'unreachable' });
    expect(onprem.error).toMatch(/did not answer within 300 ms/);
    expect(oidc.status).toBe('error');
    expect(oidc.error).toMatch(/unsupported auth provider "oidc"/);
    expect(res.body.argocd).toEqual([
      expect.objectContaining({
        name: 'dev',
        status: 'ok',
        clusters: [
          expect.objectContaining({ name: 'eks-prod', serverVersion: '1.29' }),
        ],
      }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);

    expect(eksCalls).toBe(2);

    // Within the health TTL the answer comes from the cache: no call.
    eksUp = false;
    const cached = await get();
    expect(cached.body.clusters[0]).toEqual(eks);
    expect(eksCalls).toBe(2);

    // Down after the TTL: the row says so and still tells when the cluster was last seen.
    await new Promise(resolve => setTimeout(resolve, 1100));
    const later = await get();
    expect(later.body.clusters[0]).toMatchObject({
      status: 'unreachable',
      lastSeenAt: eks.lastSeenAt,
    });
    expect(later.body.clusters[0].error).toMatch(
      /^Cluster "eks-prod" is unreachable \(GET \/(version|api\/v1\/nodes)\)/,
    );
  });

  it('fails start-up on a cluster URL that is not http(s), naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          datastackPlugin,
          mockServices.rootConfig.factory({
            data: {
              kubernetes: {
                clusterLocatorMethods: [
                  {
                    type: 'config',
                    clusters: [
                      { name: 'x', url: 'ftp://x', serviceAccountToken: 't' },
                    ],
                  },
                ],
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(
      /kubernetes\.clusterLocatorMethods\[0\]\.clusters\[0\]\.url/,
    );
  });
});

describe('workloads of an entity Argo CD does not deploy', () => {
  const server = setupServer(
    http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
  );
  registerMswTestHooks(server);

  it('reads its Deployments and StatefulSets by backstage.io/kubernetes-id from every cluster', async () => {
    const selectors: string[] = [];
    server.use(
      http.get(
        'https://eks.example.com/apis/apps/v1/:resource',
        ({ request: req, params }) => {
          selectors.push(
            `${params.resource} ${new URL(req.url).searchParams.get(
              'labelSelector',
            )}`,
          );
          return HttpResponse.json({
            kind:
              params.resource === 'deployments'
                ? 'DeploymentList'
                : 'StatefulSetList',
            apiVersion: 'apps/v1',
            metadata: { resourceVersion: '7' },
            items:
              params.resource === 'deployments'
                ? [
                    {
                      metadata: { name: 'web', namespace: 'shop' },
                      spec: { replicas: 3 },
                      status: { readyReplicas: 3, availableReplicas: 3 },
                    },
                  ]
                : [
                    {
                      metadata: { name: 'db', namespace: 'shop' },
                      spec: { replicas: 1 },
                      status: {},
                    },
                  ],
          });
        },
      ),
      http.get('https://gke.example.com/*', () => HttpResponse.error()),
    );
    const { server: app } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: 'eks-prod',
                      url: 'https://eks.example.com',
                      serviceAccountToken: SECRET,
                    },
                    {
                      name: 'gke-dev',
                      url: 'https://gke.example.com',
                      serviceAccountToken: SECRET,
                    },
                  ],
                },
              ],
            },
          },
        }),
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: 'shop',
                namespace: 'default',
                annotations: { 'backstage.io/kubernetes-id': 'shop' },
              },
              spec: {},
            },
          ],
        }),
      ],
    });
    const res = await request(app)
      .get('/api/datastack/health/entity/default/component/shop')
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body.lookup).toBe('kubernetes backstage.io/kubernetes-id=shop');
    expect(res.body.rows).toEqual([]);
    expect(res.body.clusters[0]).toMatchObject({
      cluster: 'eks-prod',
      status: 'ok',
      workloads: [
        {
          kind: 'Deployment',
          namespace: 'shop',
          name: 'web',
          ready: 3,
          desired: 3,
          status: 'healthy',
        },
        {
          kind: 'StatefulSet',
          namespace: 'shop',
          name: 'db',
          ready: 0,
          desired: 1,
          status: 'degraded',
        },
      ],
    });
    expect(res.body.clusters[1]).toMatchObject({
      cluster: 'gke-dev',
      status: 'unreachable',
      workloads: [],
    });
    expect(res.body.status).toBe('unreachable');
    expect(selectors.sort()).toEqual([
      'deployments backstage.io/kubernetes-id=shop',
      'statefulsets backstage.io/kubernetes-id=shop',
    ]);

    // The workload lists are cached like Argo CD answers: no second call
    // to the cluster that answered; the unreachable one is asked again.
    const again = await request(app)
      .get('/api/datastack/health/entity/default/component/shop')
      .set('authorization', mockCredentials.user.header());
    expect(again.body.clusters[0]).toEqual(res.body.clusters[0]);
    expect(again.body.clusters[1].status).toBe('unreachable');
    expect(selectors).toHaveLength(2);
  });
});
