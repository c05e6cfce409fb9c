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

const ARGOCD = 'https://argocd.example.com';
const REFUSING = 'https://argocd-refusing.example.com';
const TOKEN = 'canary-token-7d41a2';

/** An Application as render writes it for a team's pipeline component. */
function application(
  team: string,
  pipeline: string,
  componentId: string,
  env: string,
) {
  return {
    metadata: {
      name: `${pipeline}-${componentId}-${env}`,
      namespace: `argocd-apps-${team}`,
      annotations: {
        'datastack.io/owner': `group:default/${team}`,
        'datastack.io/entity-ref': `component:default/${pipeline}-${componentId}`,
      },
      labels: {
        'datastack.io/pipeline': pipeline,
        'datastack.io/component': componentId,
        'datastack.io/environment': env,
        'datastack.io/team': team,
      },
    },
    spec: {
      project: `team-${team}`,
      source: {
        repoURL: 'https://trinodb.github.io/charts',
        chart: 'trino',
        targetRevision: '1.40.0',
      },
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: `${pipeline}-${env}`,
      },
    },
    status: {
      sync: { status: 'OutOfSync', revision: '1.40.0' },
      health: { status: 'Healthy' },
      resources: [],
    },
  };
}

// Two teams' Applications on one Argo CD instance.
const applications = [
  application('team-a', 'orders', 'trino', 'prod'),
  application('team-a', 'orders', 'trino', 'dev'),
  application('team-b', 'payments', 'trino', 'prod'),
];

function component(
  name: string,
  owner: string,
  annotations: Record<string, string>,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'data-stack-component', owner, lifecycle: 'production' },
  };
}

const entities = [
  component('orders-trino', 'group:default/team-a', {
    'datastack.io/component': 'trino',
    'datastack.io/pipeline': 'orders',
  }),
  // Team B's entity selects every team's prod Applications.
  component('payments-trino', 'group:default/team-b', {
    'argocd/app-selector': 'datastack.io/environment=prod',
  }),
  component('orders-trino-elsewhere', 'group:default/team-a', {
    'argocd/app-name': 'orders-trino-prod',
    'argocd/instance-name': 'refusing',
  }),
];

/** Argo CD's label selector, for `k=v` terms joined by commas. */
function matches(labels: Record<string, string>, selector: string | null) {
  if (!selector) return true;
  return selector.split(',').every(term => {
    const [key, value] = term.split('=');
    return value === undefined ? key in labels : labels[key] === value;
  });
}

describe('sync and refresh act only on Applications labelled as the entity’s', () => {
  const server = setupServer(
    http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
  );
  registerMswTestHooks(server);
  let calls: string[];
  let deleted: Set<string>;

  beforeEach(() => {
    calls = [];
    deleted = new Set();
    const denied = {
      error: 'permission denied',
      code: 7,
      message: 'permission denied',
    };
    server.use(
      http.all(`${ARGOCD}/*`, ({ request: req }) => {
        const url = new URL(req.url);
        calls.push(`${req.method} ${url.pathname}${url.search}`);
        if (req.headers.get('authorization') !== `Bearer ${TOKEN}`) {
          return HttpResponse.json(
            { error: 'no session', code: 16, message: 'no session' },
            { status: 401 },
          );
        }
        return undefined;
      }),
      http.get(`${ARGOCD}/api/v1/applications`, ({ request: req }) => {
        const url = new URL(req.url);
        const ns = url.searchParams.get('appNamespace');
        return HttpResponse.json({
          metadata: { resourceVersion: '7' },
          items: applications.filter(
            a =>
              !deleted.has(a.metadata.name) &&
              (!ns || a.metadata.namespace === ns) &&
              matches(a.metadata.labels, url.searchParams.get('selector')),
          ),
        });
      }),
      http.get(
        `${ARGOCD}/api/v1/applications/:name`,
        ({ request: req, params }) => {
          const url = new URL(req.url);
          const app = applications.find(
            a =>
              a.metadata.name === params.name &&
              a.metadata.namespace ===
                (url.searchParams.get('appNamespace') ?? 'argocd'),
          );
          if (!app || deleted.has(app.metadata.name)) {
            // Argo CD answers 404 only when the project is named.
            return url.searchParams.get('project')
              ? HttpResponse.json(
                  {
                    error: `applications.argoproj.io "${params.name}" not found`,
                    code: 5,
                    message: `applications.argoproj.io "${params.name}" not found`,
                  },
                  { status: 404 },
                )
              : HttpResponse.json(denied, { status: 403 });
          }
          return HttpResponse.json(app);
        },
      ),
      http.post(
        `${ARGOCD}/api/v1/applications/:name/sync`,
        async ({ request: req, params }) => {
          const body = (await req.json()) as { appNamespace?: string };
          calls.push(`sync-body ${JSON.stringify(body)}`);
          const app = applications.find(
            a =>
              a.metadata.name === params.name &&
              a.metadata.namespace === (body.appNamespace ?? 'argocd'),
          );
          return app
            ? HttpResponse.json(app)
            : HttpResponse.json(denied, { status: 403 });
        },
      ),
      // An instance that no longer accepts Datastack's token.
      http.all(`${REFUSING}/*`, () =>
        HttpResponse.json(
          {
            error: 'invalid session: token is expired',
            code: 16,
            message: 'invalid session: token is expired',
          },
          { status: 401 },
        ),
      ),
    );
  });

  async function start() {
    const { server: app } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({
          data: {
            datastack: {
              // The direct path to Argo CD; the live inventory has its own tests.
              inventory: { enabled: false },
              argocd: {
                requestTimeoutMs: 300,
                instances: [
                  { name: 'main', url: ARGOCD, token: TOKEN },
                  { name: 'refusing', url: REFUSING, token: TOKEN },
                ],
              },
            },
          },
        }),
        catalogServiceMock.factory({ entities }),
      ],
    });
    return {
      get: (path: string) =>
        request(app)
          .get(`/api/datastack${path}`)
          .set('authorization', mockCredentials.user.header()),
      post: (path: string) =>
        request(app)
          .post(`/api/datastack${path}`)
          .set('authorization', mockCredentials.user.header()),
    };
  }

  const act = (entity: string, instance: string, app: string, action: string) =>
    `/health/entity/default/component/${entity}/applications/${instance}/${app}/${action}`;

  it("shows another team's Applications that an entity's selector matches, but refuses to sync or refresh any of them", async () => {
    const { get, post } = await start();
    const health = await get('/health/entity/default/component/payments-trino');
    expect(health.status).toBe(200);
    const main = health.body.rows.find((r: any) => r.instance === 'main');
    expect(main.applications.map((a: any) => a.name).sort()).toEqual([
      'orders-trino-prod',
      'payments-trino-prod',
    ]);

    for (const action of ['sync', 'refresh']) {
      const res = await post(
        act('payments-trino', 'main', 'orders-trino-prod', action),
      );
      expect(res.status).toBe(403);
      expect(res.body.error.name).toBe('NotAllowedError');
      expect(res.body.error.message).toContain(
        'orders-trino-prod is not labelled as component:default/payments-trino',
      );
      expect(res.body.error.message).toContain(
        'names component:default/orders-trino',
      );
    }
    // Team B's own prod Application, labelled as this entity's by render, syncs.
    const own = await post(
      act('payments-trino', 'main', 'payments-trino-prod', 'sync'),
    );
    expect(own.status).toBe(200);
    // Nothing but the one allowed sync reached Argo CD as a write.
    expect(calls.filter(c => c.startsWith('POST'))).toEqual([
      'POST /api/v1/applications/payments-trino-prod/sync',
    ]);
    expect(
      calls.filter(
        c =>
          c.includes('orders-trino-prod') &&
          !c.startsWith('GET /api/v1/applications?'),
      ),
    ).toEqual([]);
  });

  it("syncs the entity's own Application in its own Application namespace, and refreshes it with its project", async () => {
    const { post } = await start();
    const sync = await post(
      act('orders-trino', 'main', 'orders-trino-prod', 'sync'),
    );
    expect(sync.status).toBe(200);
    expect(calls).toContain(
      'sync-body {"name":"orders-trino-prod","appNamespace":"argocd-apps-team-a","project":"team-team-a","prune":false}',
    );
    const refresh = await post(
      act('orders-trino', 'main', 'orders-trino-dev', 'refresh'),
    );
    expect(refresh.status).toBe(200);
    expect(calls).toContain(
      'GET /api/v1/applications/orders-trino-dev?appNamespace=argocd-apps-team-a&project=team-team-a&refresh=normal',
    );
  });

  it('answers 404 for an Application the entity does not have, sending nothing', async () => {
    const { post } = await start();
    const res = await post(
      act('orders-trino', 'main', 'payments-trino-prod', 'sync'),
    );
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(
      'Application payments-trino-prod on Argo CD instance "main" is not one of component:default/orders-trino\'s',
    );
    expect(calls.some(c => c.startsWith('POST'))).toBe(false);
  });

  it('answers 404 when the Application is gone by the time it is refreshed', async () => {
    const { post } = await start();
    // The first read lists it; it disappears before the refresh reaches Argo CD.
    server.use(
      http.get(`${ARGOCD}/api/v1/applications`, () => {
        deleted.add('orders-trino-dev');
        return HttpResponse.json({
          metadata: {},
          items: [applications[1]],
        });
      }),
    );
    const res = await post(
      act('orders-trino', 'main', 'orders-trino-dev', 'refresh'),
    );
    expect(res.status).toBe(404);
    expect(res.body.error.name).toBe('NotFoundError');
    expect(res.body.error.message).toContain('not found');
  });

  it("answers 503 naming the instance when Argo CD refuses Datastack's own credentials, never 401", async () => {
    const { post } = await start();
    const res = await post(
      act('orders-trino-elsewhere', 'refusing', 'orders-trino-prod', 'sync'),
    );
    expect(res.status).toBe(503);
    expect(res.body.error.name).toBe('ServiceUnavailableError');
    expect(res.body.error.message).toContain(
      'Argo CD instance "refusing" refused the credentials Datastack is configured with',
    );
    expect(res.text).not.toContain(TOKEN);
  });

  it('answers 409 when Argo CD is already running an operation on the Application', async () => {
    const { post } = await start();
    server.use(
      http.post(`${ARGOCD}/api/v1/applications/:name/sync`, () =>
        HttpResponse.json(
          {
            error: 'another operation is already in progress',
            code: 9,
            message: 'another operation is already in progress',
          },
          { status: 400 },
        ),
      ),
    );
    const res = await post(
      act('orders-trino', 'main', 'orders-trino-prod', 'sync'),
    );
    expect(res.status).toBe(409);
    expect(res.body.error.name).toBe('ConflictError');
    expect(res.body.error.message).toContain(
      'another operation is already in progress',
    );
  });

  it('refuses a body that is not JSON with an InputError saying so', async () => {
    const { post } = await start();
    const res = await post(
      act('orders-trino', 'main', 'orders-trino-prod', 'sync'),
    )
      .set('content-type', 'application/json')
      .send('{"prune": tru');
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toMatch(
      /^body: the request body is not JSON/,
    );
    expect(calls).toEqual([]);
  });

  it('names an unknown query parameter once', async () => {
    const { get } = await start();
    const res = await get('/health/fleet?colour=red');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'query parameter colour: is not a known query parameter',
    );
  });
});
