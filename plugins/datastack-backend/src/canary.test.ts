import {
  mockCredentials,
  mockServices,
  registerMswTestHooks,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { HttpResponse, http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import request from 'supertest';
import { datastackPlugin } from './plugin';

// Secrets in every place configuration can hold one. No answer of any route
// and no log line may contain any of them, whatever the upstreams do.
const TOKEN = 'canary-token-e3b0c442';
const PASSWORD = 'canary-password-98fc1c14';
const SESSION = 'canary-session-9afbf4c8';
const SA_TOKEN = 'canary-sa-996fb924';
const canaries = [TOKEN, PASSWORD, SESSION, SA_TOKEN];

const config = {
  kubernetes: {
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [
          {
            name: 'ok',
            url: 'https://k8s-ok.example.com',
            serviceAccountToken: SA_TOKEN,
          },
          {
            name: 'refusing',
            url: 'https://k8s-refusing.example.com',
            serviceAccountToken: SA_TOKEN,
          },
        ],
      },
    ],
  },
  datastack: {
    argocd: {
      requestTimeoutMs: 200,
      instances: [
        {
          name: 'token',
          url: 'https://argocd-token.example.com',
          token: TOKEN,
        },
        {
          name: 'password',
          url: 'https://argocd-password.example.com',
          username: 'admin',
          password: PASSWORD,
        },
        {
          name: 'broken',
          url: 'https://argocd-broken.example.com',
          token: TOKEN,
        },
        {
          name: 'hanging',
          url: 'https://argocd-hanging.example.com',
          token: TOKEN,
        },
        {
          name: 'garbage',
          url: 'https://argocd-garbage.example.com',
          token: TOKEN,
        },
      ],
    },
  },
};

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'orders-trino',
      namespace: 'default',
      annotations: { 'datastack.io/component': 'trino' },
    },
    spec: {},
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'legacy',
      namespace: 'default',
      annotations: { 'backstage.io/kubernetes-id': 'legacy' },
    },
    spec: {},
  },
];

describe('secrets never leave the backend', () => {
  const server = setupServer(
    http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
  );
  registerMswTestHooks(server);

  beforeEach(() => {
    const list = { metadata: {}, items: [] };
    server.use(
      http.get('https://argocd-token.example.com/api/v1/*', () =>
        HttpResponse.json(list),
      ),
      http.post('https://argocd-password.example.com/api/v1/session', () =>
        HttpResponse.json({ token: SESSION }),
      ),
      // The password instance rejects the session: it is renewed once, then reported.
      http.get('https://argocd-password.example.com/api/v1/*', () =>
        HttpResponse.json(
          {
            error: 'invalid session: token is expired',
            code: 16,
            message: 'invalid session: token is expired',
          },
          { status: 401 },
        ),
      ),
      http.get('https://argocd-broken.example.com/api/v1/*', () =>
        HttpResponse.json(
          { error: 'internal error', code: 13, message: 'internal error' },
          { status: 500 },
        ),
      ),
      http.get(
        'https://argocd-hanging.example.com/api/v1/*',
        () => new Promise<Response>(() => {}),
      ),
      http.get(
        'https://argocd-garbage.example.com/api/v1/*',
        () => new HttpResponse('{"items": [', { status: 200 }),
      ),
      http.get('https://k8s-ok.example.com/version', () =>
        HttpResponse.json({ gitVersion: 'v1.30.4' }),
      ),
      http.get('https://k8s-ok.example.com/api/v1/nodes', () =>
        HttpResponse.json({ items: [] }),
      ),
      http.get('https://k8s-ok.example.com/apis/apps/v1/*', () =>
        HttpResponse.json({ items: [] }),
      ),
      http.get('https://k8s-refusing.example.com/*', () =>
        HttpResponse.json(
          {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            message: 'Unauthorized',
            reason: 'Unauthorized',
            code: 401,
          },
          { status: 401 },
        ),
      ),
    );
  });

  it('keeps every token and password out of every answer and every log line', async () => {
    const logger = mockServices.logger.mock();
    const { server: app } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({ data: config }),
        catalogServiceMock.factory({ entities }),
        logger.factory,
      ],
    });
    const routes = [
      '/api/datastack/status',
      '/api/datastack/argocd/instances',
      '/api/datastack/health/entity/default/component/orders-trino',
      '/api/datastack/health/entity/default/component/legacy',
      '/api/datastack/health/fleet',
      '/api/datastack/health/clusters',
    ];
    const bodies: string[] = [];
    for (const route of routes) {
      const res = await request(app)
        .get(route)
        .set('authorization', mockCredentials.user.header());
      expect({ route, status: res.status }).toEqual({ route, status: 200 });
      bodies.push(res.text);
    }
    // The failures did happen, and were reported in their rows.
    const entity = JSON.parse(bodies[2]);
    expect(entity.rows.map((r: any) => [r.instance, r.status])).toEqual([
      ['token', 'ok'],
      ['password', 'error'],
      ['broken', 'error'],
      ['hanging', 'unreachable'],
      ['garbage', 'error'],
    ]);
    const logged = [
      ...logger.warn.mock.calls,
      ...logger.error.mock.calls,
      ...logger.info.mock.calls,
      ...logger.debug.mock.calls,
    ].map(args => JSON.stringify(args));
    expect(logged.length).toBeGreaterThan(0);
    for (const canary of canaries) {
      for (const text of [...bodies, ...logged]) {
        expect(text).not.toContain(canary);
      }
    }
  });
});
