import {
  mockCredentials,
  mockServices,
  registerMswTestHooks,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { HttpResponse, http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import request from 'supertest';
import { datastackPlugin } from './plugin';

const CANARY = 'canary-token-0b7d';
const config = {
  datastack: {
    // The direct path to Argo CD; the live inventory has its own tests.
    inventory: { enabled: false },
    argocd: {
      requestTimeoutMs: 300,
      instances: [
        { name: 'dev', url: 'https://argocd-dev.example.com', token: CANARY },
        {
          name: 'prod',
          url: 'https://argocd-prod.example.com',
          uiUrl: 'https://argo.example.com',
          token: CANARY,
        },
        { name: 'edge', url: 'https://argocd-edge.example.com', token: CANARY },
      ],
    },
  },
};

// Argo CD's GET /api/v1/clusters, as v2.x answers it.
const clusterList = {
  metadata: {},
  items: [
    {
      server: 'https://kubernetes.default.svc',
      name: 'in-cluster',
      serverVersion: '1.30',
      connectionState: {
        status: 'Successful',
        message: '',
        attemptedAt: '2026-11-22T04:00:00Z',
      },
      info: {
        serverVersion: '1.30',
        applicationsCount: 12,
        connectionState: { status: 'Successful' },
      },
    },
    {
      server: 'https://eks-prod.example.com',
      name: 'prod-eu-1',
      info: {
        serverVersion: '1.29',
        connectionState: { status: 'Failed', message: 'dial tcp: i/o timeout' },
      },
    },
  ],
};

describe('GET /api/datastack/argocd/instances', () => {
  // supertest talks to the test backend on loopback: that traffic is let through.
  const server = setupServer(
    http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
  );
  registerMswTestHooks(server);

  beforeEach(() => {
    server.use(
      http.get(
        'https://argocd-dev.example.com/api/v1/clusters',
        ({ request: req }) =>
          req.headers.get('authorization') === `Bearer ${CANARY}`
            ? HttpResponse.json(clusterList)
            : HttpResponse.json(
                {
                  error: 'no session information',
                  code: 16,
                  message: 'no session information',
                },
                { status: 401 },
              ),
      ),
      http.get('https://argocd-prod.example.com/api/v1/clusters', () =>
        HttpResponse.json(
          { error: 'internal error', code: 13, message: 'internal error' },
          { status: 500 },
        ),
      ),
      http.get(
        'https://argocd-edge.example.com/api/v1/clusters',
        () => new Promise(() => {}),
      ),
    );
  });

  it('answers every instance in its own row: clusters, a 5xx and a hang', async () => {
    const { server: app } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({ data: config }),
      ],
    });

    const res = await request(app)
      .get('/api/datastack/argocd/instances')
      .set('authorization', mockCredentials.user.header());

    expect(res.status).toBe(200);
    const [dev, prod, edge] = res.body.items;
    expect(dev).toMatchObject({
      name: 'dev',
      status: 'ok',
      clusters: [
        {
          name: 'in-cluster',
          server: 'https://kubernetes.default.svc',
          serverVersion: '1.30',
          connectionState: 'Successful',
        },
        {
          name: 'prod-eu-1',
          server: 'https://eks-prod.example.com',
          serverVersion: '1.29',
          connectionState: 'Failed',
        },
      ],
    });
    expect(prod).toMatchObject({
      name: 'prod',
      uiUrl: 'https://argo.example.com',
      status: 'error',
      clusters: [],
    });
    expect(prod.error).toMatch(
      /Argo CD instance "prod" refused GET clusters: 500 internal error/,
    );
    expect(edge).toMatchObject({
      name: 'edge',
      status: 'unreachable',
      clusters: [],
    });
    expect(edge.error).toMatch(/did not answer within 300 ms/);
    expect(JSON.stringify(res.body)).not.toContain(CANARY);
  });

  it('refuses a caller the permission policy denies', async () => {
    const { server: app } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({ data: config }),
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
      ],
    });
    const res = await request(app)
      .get('/api/datastack/argocd/instances')
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(403);
    expect(res.body.error.name).toBe('NotAllowedError');
  });

  it('refuses a caller without credentials', async () => {
    const { server: app } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({ data: config }),
        // Without a header the caller has no credentials, as in production.
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
      ],
    });
    const res = await request(app).get('/api/datastack/argocd/instances');
    expect(res.status).toBe(401);
  });
});
