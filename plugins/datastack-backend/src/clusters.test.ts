import {
  mockCredentials,
  mockServices,
  registerMswTestHooks,
  startTestBackend,
} from '@backstage/backend-test-utils';
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

  beforeEach(() => {
    eksUp = true;
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
    expect(oidc.error).toMatch(/auth provider "oidc"/);
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

    // Down now: the row says so and still tells when the cluster was last seen.
    eksUp = false;
    const later = await get();
    expect(later.body.clusters[0]).toMatchObject({
      status: 'unreachable',
      lastSeenAt: eks.lastSeenAt,
    });
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
