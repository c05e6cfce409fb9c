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
const CHART_TOKEN = 'canary-chart-token-5d2a71';
const CHART_PASSWORD = 'canary-chart-password-c0ffee';
const canaries = [
  TOKEN,
  PASSWORD,
  SESSION,
  SA_TOKEN,
  CHART_TOKEN,
  CHART_PASSWORD,
  Buffer.from(`reader:${CHART_PASSWORD}`).toString('base64'),
];

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
    // The direct path to Argo CD; the live inventory has its own tests.
    inventory: { enabled: false },
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
    upgrades: {
      requestTimeoutMs: 200,
      chartRepositories: [
        // Servers that echo the credentials they were sent in their errors.
        {
          url: 'https://trinodb.github.io/charts',
          mirror: 'https://charts-echo.example.com/trino',
          token: CHART_TOKEN,
        },
        {
          url: 'https://airflow.apache.org',
          mirror: 'https://charts-echo.example.com/airflow',
          username: 'reader',
          password: CHART_PASSWORD,
        },
        {
          url: 'oci://quay.io/strimzi-helm',
          mirror: 'oci://registry-echo.example.com/strimzi-helm',
          username: 'reader',
          password: CHART_PASSWORD,
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
  ...['airflow', 'kafka'].map(id => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `orders-${id}`,
      namespace: 'default',
      annotations: { 'datastack.io/component': id },
    },
    spec: {},
  })),
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
      http.get(
        'https://charts-echo.example.com/trino/index.yaml',
        ({ request: req }) =>
          HttpResponse.json(
            { message: `bad credentials: ${req.headers.get('authorization')}` },
            { status: 401 },
          ),
      ),
      http.get(
        'https://charts-echo.example.com/airflow/index.yaml',
        ({ request: req }) =>
          HttpResponse.text(`entries: [${req.headers.get('authorization')}`),
      ),
      http.get(
        'https://registry-echo.example.com/v2/auth',
        ({ request: req }) =>
          HttpResponse.json(
            {
              errors: [
                {
                  code: 'DENIED',
                  message: `denied for ${req.headers.get('authorization')}`,
                },
              ],
            },
            { status: 403 },
          ),
      ),
      http.get('https://registry-echo.example.com/v2/*', () =>
        HttpResponse.json(
          {
            errors: [
              { code: 'UNAUTHORIZED', message: 'authentication required' },
            ],
          },
          {
            status: 401,
            headers: {
              'www-authenticate':
                'Bearer realm="https://registry-echo.example.com/v2/auth",service="registry-echo.example.com",scope="repository:strimzi-helm/strimzi-kafka-operator:pull"',
            },
          },
        ),
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
      '/api/datastack/upgrades/entity/default/component/orders-trino',
      '/api/datastack/upgrades/entity/default/component/orders-airflow',
      '/api/datastack/upgrades/entity/default/component/orders-kafka',
      '/api/datastack/upgrades/fleet',
      '/api/datastack/upgrades/charts',
      '/api/datastack/platform/operators',
    ];
    const bodies: string[] = [];
    for (const route of routes) {
      const res = await request(app)
        .get(route)
        .set('authorization', mockCredentials.user.header());
      expect({ route, status: res.status }).toEqual({ route, status: 200 });
      bodies.push(res.text);
    }
    // The chart repositories failed, each in its own component's answer.
    expect(bodies.slice(6, 9).map(b => JSON.parse(b).versions.error)).toEqual([
      'the index of https://trinodb.github.io/charts answered HTTP 401: bad credentials: Bearer ***',
      expect.stringMatching(
        /^the index of https:\/\/airflow.apache.org is not a Helm repository index: /,
      ),
      'The token endpoint of oci://quay.io/strimzi-helm answered HTTP 403: denied for Basic ***',
    ]);
    const refused = await request(app)
      .get(
        '/api/datastack/upgrades/entity/default/component/orders-trino/values?to=1.0.0',
      )
      .set('authorization', mockCredentials.user.header());
    expect(refused.status).toBe(404);
    bodies.push(refused.text);
    const proposal = await request(app)
      .post(
        '/api/datastack/upgrades/entity/default/component/orders-trino/propose',
      )
      .set('authorization', mockCredentials.user.header())
      .send({ version: '1.0.0' });
    expect(proposal.status).toBe(400);
    bodies.push(proposal.text);
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
