import {
  mockCredentials,
  mockServices,
  registerMswTestHooks,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { HttpResponse, http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import request from 'supertest';
import { datastackPlugin } from './plugin';
import { datastackPermissions } from './services/__testUtils__/permissions';

const CANARY = 'canary-token-5c1e';
const DEV = 'https://argocd-dev.example.com';
const PROD = 'https://argocd-prod.example.com';
const EDGE = 'https://argocd-edge.example.com';

const config = {
  datastack: {
    // The direct path to Argo CD; the live inventory has its own tests.
    inventory: { enabled: false },
    argocd: {
      requestTimeoutMs: 300,
      instances: [
        { name: 'dev', url: DEV, token: CANARY },
        { name: 'prod', url: PROD, token: CANARY },
        { name: 'edge', url: EDGE, token: CANARY },
      ],
    },
  },
};

function entity(name: string, annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: {
      type: 'data-stack-component',
      owner: 'team-a',
      lifecycle: 'production',
    },
  };
}

const entities = [
  entity('orders-kafka', {
    'datastack.io/component': 'kafka',
    'datastack.io/pipeline': 'orders',
  }),
  entity('payments', {
    'argocd/app-name': 'payments',
    'argocd/instance-name': 'dev',
  }),
  entity('ghost', {
    'argocd/app-name': 'ghost',
    'argocd/instance-name': 'dev',
  }),
  entity('both', { 'argocd/app-name': 'x', 'argocd/app-selector': 'a=b' }),
  entity('plain', {}),
];

// A multi-source Strimzi Application whose Kafka is not Ready, shaped like Argo CD's.
const kafkaApp = {
  metadata: {
    name: 'orders-kafka-dev',
    namespace: 'argocd',
    annotations: {
      'datastack.io/owner': 'group:default/team-a',
      'datastack.io/entity-ref': 'component:default/orders-kafka',
    },
    labels: {
      'datastack.io/pipeline': 'orders',
      'datastack.io/component': 'kafka',
      'datastack.io/environment': 'dev',
    },
  },
  spec: {
    project: 'default',
    sources: [
      {
        repoURL: 'quay.io/strimzi-helm',
        chart: 'strimzi-kafka-operator',
        targetRevision: '1.2.0',
        helm: { valueFiles: ['$values/a.yaml'] },
      },
      {
        repoURL: 'https://github.com/acme/orders-gitops.git',
        targetRevision: 'HEAD',
        ref: 'values',
      },
    ],
    destination: {
      server: 'https://kubernetes.default.svc',
      namespace: 'orders-dev-kafka',
    },
  },
  status: {
    sync: {
      status: 'Synced',
      revisions: ['1.2.0', '9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912'],
    },
    health: {
      status: 'Degraded',
      message: 'one or more resources are degraded',
    },
    operationState: {
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      startedAt: '2026-11-22T03:00:00Z',
      finishedAt: '2026-11-22T03:00:30Z',
    },
    history: [
      {
        id: 0,
        revisions: ['1.1.0', '1111111111111111111111111111111111111111'],
        deployedAt: '2026-11-20T09:00:00Z',
      },
      {
        id: 1,
        revisions: ['1.2.0', '9f1c2a7e'],
        deployedAt: '2026-11-22T03:00:30Z',
      },
    ],
    summary: { images: ['quay.io/strimzi/operator:1.2.0'] },
    resources: [
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: 'orders-dev-kafka',
        name: 'strimzi-cluster-operator',
        status: 'Synced',
        health: { status: 'Healthy' },
      },
      {
        group: 'kafka.strimzi.io',
        version: 'v1',
        kind: 'Kafka',
        namespace: 'orders-dev-kafka',
        name: 'orders',
        status: 'Synced',
        health: {
          status: 'Degraded',
          message: 'Kafka cluster is not ready: insufficient brokers',
        },
      },
      {
        version: 'v1',
        kind: 'ConfigMap',
        namespace: 'orders-dev-kafka',
        name: 'kafka-metrics',
        status: 'OutOfSync',
      },
    ],
  },
};

const paymentsApp = {
  metadata: { name: 'payments', namespace: 'argocd', labels: {} },
  spec: {
    project: 'default',
    source: {
      repoURL: 'https://charts.example.com',
      chart: 'payments',
      targetRevision: '2.x',
    },
    destination: { name: 'in-cluster', namespace: 'payments' },
  },
  status: {
    sync: { status: 'Synced', revision: '2.4.1' },
    health: { status: 'Healthy' },
    summary: { images: ['example/payments:2.4.1'] },
    history: [{ id: 3, revision: '2.4.1', deployedAt: '2026-11-21T10:00:00Z' }],
    resources: [],
  },
};

/** The fleet selector lists every labelled Application: the Kafka one and a Trino one in prod. */
function fleetItems(selector: string | null) {
  if (selector !== 'datastack.io/component') return null;
  return [
    kafkaApp,
    {
      ...paymentsApp,
      metadata: {
        ...paymentsApp.metadata,
        name: 'orders-trino-prod',
        labels: {
          'datastack.io/component': 'trino',
          'datastack.io/pipeline': 'orders',
          'datastack.io/environment': 'prod',
        },
      },
    },
  ];
}

describe('GET /api/datastack/health/entity/:namespace/:kind/:name', () => {
  const server = setupServer(
    http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
  );
  registerMswTestHooks(server);
  let upstream: string[];

  beforeEach(() => {
    upstream = [];
    const record = (req: Request) => {
      upstream.push(
        `${new URL(req.url).origin}${new URL(req.url).pathname}${
          new URL(req.url).search
        }`,
      );
      if (req.headers.get('authorization') !== `Bearer ${CANARY}`) {
        return HttpResponse.json(
          {
            error: 'no session information',
            code: 16,
            message: 'no session information',
          },
          { status: 401 },
        );
      }
      return undefined;
    };
    server.use(
      http.get(`${DEV}/api/v1/applications`, async ({ request: req }) => {
        const denied = record(req);
        if (denied) return denied;
        await new Promise(r => setTimeout(r, 20));
        const selector = new URL(req.url).searchParams.get('selector');
        return HttpResponse.json({
          metadata: { resourceVersion: '42' },
          items:
            selector ===
            'datastack.io/pipeline=orders,datastack.io/component=kafka'
              ? [kafkaApp]
              : fleetItems(selector),
        });
      }),
      http.get(
        `${DEV}/api/v1/applications/:name/revisions/:revision/metadata`,
        ({ request: req, params }) => {
          const denied = record(req);
          if (denied) return denied;
          if (params.revision !== '9f1c2a7e') {
            return HttpResponse.json(
              {
                error: 'unable to resolve revision',
                code: 2,
                message: 'unable to resolve revision',
              },
              { status: 500 },
            );
          }
          return HttpResponse.json({
            author: 'Alice <alice@example.com>',
            date: '2026-11-22T02:58:00Z',
            message: 'chore(datastack): upgrade kafka to 1.2.0',
            tags: null,
          });
        },
      ),
      http.post(
        `${DEV}/api/v1/applications/:name/sync`,
        async ({ request: req, params }) => {
          const denied = record(req);
          if (denied) return denied;
          upstream.push(`sync-body ${JSON.stringify(await req.json())}`);
          return HttpResponse.json({
            ...kafkaApp,
            metadata: { ...kafkaApp.metadata, name: String(params.name) },
          });
        },
      ),
      http.get(
        `${DEV}/api/v1/applications/payments`,
        ({ request: req }) => record(req) ?? HttpResponse.json(paymentsApp),
      ),
      http.get(
        `${DEV}/api/v1/applications/ghost`,
        ({ request: req }) =>
          record(req) ??
          HttpResponse.json(
            {
              error: 'permission denied',
              code: 7,
              message: 'permission denied',
            },
            { status: 403 },
          ),
      ),
      http.get(
        `${PROD}/api/v1/applications`,
        ({ request: req }) =>
          record(req) ??
          HttpResponse.json(
            {
              error: 'upstream connect error',
              code: 14,
              message: 'upstream connect error',
            },
            { status: 503 },
          ),
      ),
      http.get(`${EDGE}/api/v1/applications`, ({ request: req }) => {
        record(req);
        return new Promise<Response>(() => {});
      }),
    );
  });

  /** A test backend with the plugin, the config above and the entities in the catalog. */
  async function startApp(
    extra: any[] = [],
    data: object = config,
    catalog: any = catalogServiceMock.factory({ entities }),
  ) {
    const { server: app } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({ data }),
        catalog,
        ...extra,
      ],
    });
    return app;
  }

  async function backend(extra: any[] = [], catalog?: any) {
    const app = await startApp(extra, config, catalog);
    return (path: string) =>
      request(app)
        .get(`/api/datastack/health/entity/${path}`)
        .set('authorization', mockCredentials.user.header());
  }

  it('answers a row per instance: the Applications of one, the failure of each other, never a 500', async () => {
    const get = await backend();
    const res = await get('default/component/orders-kafka');

    expect(res.status).toBe(200);
    expect(res.body.entityRef).toBe('component:default/orders-kafka');
    expect(res.body.lookup).toBe(
      'selector datastack.io/pipeline=orders,datastack.io/component=kafka',
    );
    expect(res.body.status).toBe('error');
    const [dev, prod, edge] = res.body.rows;
    expect(prod).toMatchObject({
      instance: 'prod',
      status: 'error',
      applications: [],
    });
    expect(prod.error).toContain('503 upstream connect error');
    expect(edge).toMatchObject({
      instance: 'edge',
      status: 'unreachable',
      applications: [],
    });
    expect(edge.error).toContain('did not answer within 300 ms');

    expect(dev.status).toBe('ok');
    const [app] = dev.applications;
    expect(app).toMatchObject({
      instance: 'dev',
      name: 'orders-kafka-dev',
      url: `${DEV}/applications/orders-kafka-dev`,
      environment: 'dev',
      sync: {
        status: 'Synced',
        revisions: ['1.2.0', '9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912'],
      },
      // github.com is a default integration: the revision links to its commit.
      revisionUrl:
        'https://github.com/acme/orders-gitops/commit/9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912',
      health: { status: 'Degraded' },
      operation: { phase: 'Succeeded' },
      lastDeployedAt: '2026-11-22T03:00:30Z',
      images: ['quay.io/strimzi/operator:1.2.0'],
      chart: {
        repoURL: 'quay.io/strimzi-helm',
        name: 'strimzi-kafka-operator',
        version: '1.2.0',
      },
      status: 'degraded',
    });
    expect(app.failingResources.map((r: any) => `${r.kind}/${r.name}`)).toEqual(
      ['Kafka/orders', 'ConfigMap/kafka-metrics'],
    );
    expect(app.findings).toEqual([
      {
        rule: 'strimzi-kafka-ready',
        severity: 'error',
        message:
          'Kafka cluster orders is not Ready (Degraded): Kafka cluster is not ready: insufficient brokers',
        resource: {
          kind: 'Kafka',
          name: 'orders',
          namespace: 'orders-dev-kafka',
        },
      },
    ]);
    expect(JSON.stringify(res.body)).not.toContain(CANARY);
  });

  it('lists the latest deployments newest first, with their commit from Argo CD, and every resource', async () => {
    const get = await backend();
    const res = await get('default/component/orders-kafka');
    expect(res.status).toBe(200);
    const [app] = res.body.rows[0].applications;
    expect(app.history).toEqual([
      {
        id: 1,
        deployedAt: '2026-11-22T03:00:30Z',
        chartVersion: '1.2.0',
        // Not a full SHA: no commit link.
        revision: '9f1c2a7e',
        author: 'Alice <alice@example.com>',
        message: 'chore(datastack): upgrade kafka to 1.2.0',
        committedAt: '2026-11-22T02:58:00Z',
      },
      // Argo CD could not describe this revision: the deployment stays, without it.
      {
        id: 0,
        deployedAt: '2026-11-20T09:00:00Z',
        chartVersion: '1.1.0',
        revision: '1111111111111111111111111111111111111111',
        revisionUrl:
          'https://github.com/acme/orders-gitops/commit/1111111111111111111111111111111111111111',
      },
    ]);
    // A multi-source Application: the Git source and the history entry are named.
    expect(
      upstream.filter(u => u.includes('/revisions/9f1c2a7e/metadata')),
    ).toEqual([
      `${DEV}/api/v1/applications/orders-kafka-dev/revisions/9f1c2a7e/metadata?appNamespace=argocd&project=default&sourceIndex=1&versionId=1`,
    ]);
    expect(app.resourcesTotal).toBe(3);
    expect(app.resources).toEqual([
      {
        group: 'apps',
        kind: 'Deployment',
        namespace: 'orders-dev-kafka',
        name: 'strimzi-cluster-operator',
        sync: 'Synced',
        health: 'Healthy',
      },
      {
        group: 'kafka.strimzi.io',
        kind: 'Kafka',
        namespace: 'orders-dev-kafka',
        name: 'orders',
        sync: 'Synced',
        health: 'Degraded',
      },
      {
        kind: 'ConfigMap',
        namespace: 'orders-dev-kafka',
        name: 'kafka-metrics',
        sync: 'OutOfSync',
      },
    ]);
  });

  it('tags each answer for revalidation: private, no-cache, an ETag, 304 while nothing changed, gzip when asked', async () => {
    // One instance, answering: the second answer is the cached first one.
    const app = await startApp([], {
      datastack: {
        ...config.datastack,
        argocd: {
          ...config.datastack.argocd,
          instances: config.datastack.argocd.instances.slice(0, 1),
        },
      },
    });
    const get = (etag?: string) => {
      const r = request(app)
        .get('/api/datastack/health/entity/default/component/orders-kafka')
        .set('authorization', mockCredentials.user.header());
      return etag ? r.set('if-none-match', etag) : r;
    };
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('private, no-cache');
    const etag = first.headers.etag;
    // Serialised once, so the tag is strong, and gzipped once for every
    // caller who accepts it (supertest asks gzip, deflate).
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+-gzip"$/);
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(first.headers.vary).toMatch(/Accept-Encoding/);
    expect(first.body.rows).toHaveLength(1);
    const again = await get(etag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect((await get('"something-else"')).status).toBe(200);
    const plain = await get().set('accept-encoding', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toEqual(first.body);
    expect(Buffer.byteLength(plain.text)).toBeGreaterThanOrEqual(1024);
    // Another representation, another strong tag: the gzip's does not
    // validate the plain JSON, and that is not re-encoded on the way.
    expect(plain.headers.etag).toBe(etag.replace(/-gzip"$/, '"'));
    expect(plain.headers.etag).not.toBe(etag);
    expect(plain.headers['cache-control']).toBe(
      'private, no-cache, no-transform',
    );
    expect((await get(etag).set('accept-encoding', 'identity')).status).toBe(
      200,
    );
    expect(
      (await get(plain.headers.etag).set('accept-encoding', 'identity')).status,
    ).toBe(304);

    // An answer under 1 kB goes out as it is, as the compression
    // middleware's threshold has it: a zlib stream at each end would cost
    // more than the bytes it saves.
    const small = await request(app)
      .get('/api/datastack/health/entity/default/component/payments')
      .set('authorization', mockCredentials.user.header());
    expect(small.status).toBe(200);
    expect(Buffer.byteLength(small.text)).toBeLessThan(1024);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(small.headers.vary).toMatch(/Accept-Encoding/);
  });

  it('reads a single-source Application named by argocd/app-name on the instance the entity names', async () => {
    const get = await backend();
    const res = await get('default/component/payments');
    expect(res.status).toBe(200);
    expect(res.body.rows).toHaveLength(1);
    expect(res.body.rows[0].applications[0]).toMatchObject({
      name: 'payments',
      chart: {
        repoURL: 'https://charts.example.com',
        name: 'payments',
        version: '2.4.1',
      },
      status: 'healthy',
      failingResources: [],
    });
    expect(res.body.status).toBe('healthy');
  });

  it('shows an Application missing from its instance as an empty row, not an error', async () => {
    const get = await backend();
    const res = await get('default/component/ghost');
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([
      expect.objectContaining({
        instance: 'dev',
        status: 'ok',
        applications: [],
      }),
    ]);
    expect(res.body.status).toBe('unknown');
  });

  it('shares one upstream call between concurrent requests, and caches the answer', async () => {
    const get = await backend();
    await Promise.all(
      Array.from({ length: 5 }, () => get('default/component/orders-kafka')),
    );
    const devCalls = () =>
      upstream.filter(u => u.startsWith(`${DEV}/api/v1/applications?`)).length;
    expect(devCalls()).toBe(1);
    const prodCalls = () => upstream.filter(u => u.startsWith(PROD)).length;
    const prodBefore = prodCalls();
    await get('default/component/orders-kafka');
    expect(devCalls()).toBe(1);
    // Failures are not cached: the broken instance is asked again.
    expect(prodCalls()).toBe(prodBefore + 1);
  });

  it.each([
    [
      'an entity that is not in the catalog',
      'default/component/nope',
      404,
      'NotFoundError',
    ],
    [
      'an entity without deployment annotations',
      'default/component/plain',
      404,
      'NotFoundError',
    ],
    [
      'an entity with both argocd/app-name and argocd/app-selector',
      'default/component/both',
      400,
      'InputError',
    ],
    ['a malformed entity name', 'default/component/%20bad', 400, 'InputError'],
  ])('answers %s with a clear error', async (_label, path, status, name) => {
    const get = await backend();
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(res.body.error.name).toBe(name);
  });

  describe('an instance that stops answering', () => {
    // Answers are reused for 1 ms only, so the second request asks again.
    const shortCache = {
      datastack: { ...config.datastack, health: { cacheTtlMs: 1 } },
    };
    const devFails = () =>
      server.use(
        http.get(`${DEV}/api/v1/applications`, () =>
          HttpResponse.json(
            {
              error: 'upstream connect error',
              code: 14,
              message: 'upstream connect error',
            },
            { status: 503 },
          ),
        ),
      );

    it('keeps its Applications on the entity, as they were when it last answered', async () => {
      const app = await startApp([], shortCache);
      const get = () =>
        request(app)
          .get('/api/datastack/health/entity/default/component/orders-kafka')
          .set('authorization', mockCredentials.user.header());
      const first = await get();
      const answered = first.body.rows.find((r: any) => r.instance === 'dev');
      expect(answered.status).toBe('ok');
      expect(answered.lastKnown).toBeUndefined();
      await new Promise(r => setTimeout(r, 10));
      devFails();

      const res = await get();
      const dev = res.body.rows.find((r: any) => r.instance === 'dev');
      expect(dev).toMatchObject({
        instance: 'dev',
        status: 'error',
        applications: [],
        lastKnown: {
          fetchedAt: answered.fetchedAt,
          applications: [
            expect.objectContaining({
              name: 'orders-kafka-dev',
              status: 'degraded',
            }),
          ],
        },
      });
      expect(dev.error).toMatch(/upstream connect error/);
      // An instance that never answered has nothing to show.
      const prod = res.body.rows.find((r: any) => r.instance === 'prod');
      expect(prod.lastKnown).toBeUndefined();
    });

    it('keeps its fleet rows in place, with the failure as their status, found by the status filter', async () => {
      const app = await startApp([], shortCache);
      const fleet = (query = '') =>
        request(app)
          .get(`/api/datastack/health/fleet${query}`)
          .set('authorization', mockCredentials.user.header());
      const first = await fleet();
      expect(
        first.body.items.map((r: any) => [r.application, r.status]),
      ).toEqual([
        ['orders-kafka-dev', 'degraded'],
        ['orders-trino-prod', 'healthy'],
      ]);
      await new Promise(r => setTimeout(r, 10));
      devFails();

      const res = await fleet();
      expect(res.body.items).toEqual([
        expect.objectContaining({
          application: 'orders-kafka-dev',
          status: 'error',
          version: '1.2.0',
          lastKnown: { status: 'degraded', fetchedAt: expect.any(String) },
        }),
        expect.objectContaining({
          application: 'orders-trino-prod',
          status: 'error',
          lastKnown: { status: 'healthy', fetchedAt: expect.any(String) },
        }),
      ]);
      const dev = res.body.instances.find((i: any) => i.instance === 'dev');
      expect(dev).toMatchObject({
        status: 'error',
        lastKnownAt: first.body.instances.find((i: any) => i.instance === 'dev')
          .fetchedAt,
      });
      const filtered = await fleet('?status=error');
      expect(filtered.body.total).toBe(2);
    });
  });

  it("answers a Datastack entity from the plugin's copy of the catalog, with no catalog read per view", async () => {
    const memory = catalogServiceMock({ entities });
    const catalog = catalogServiceMock.mock({
      getEntitiesByRefs: (req, options) =>
        memory.getEntitiesByRefs(req, options),
      queryEntities: (req, options) => memory.queryEntities(req, options),
    });
    const app = await startApp([], config, catalog.factory);
    const copy = async () =>
      (
        await request(app)
          .get('/api/datastack/health/inventory')
          .set('authorization', mockCredentials.user.header())
      ).body.catalog;
    for (let i = 0; !((await copy()).entities > 0); i++) {
      if (i > 200) throw new Error('the copy of the catalog never filled');
      await new Promise(r => setTimeout(r, 25));
    }
    expect(await copy()).toEqual(
      expect.objectContaining({ enabled: true, current: true }),
    );
    for (let i = 0; i < 3; i++) {
      const res = await request(app)
        .get('/api/datastack/health/entity/default/component/orders-kafka')
        .set('authorization', mockCredentials.user.header());
      expect(res.status).toBe(200);
    }
    expect(catalog.getEntitiesByRefs).not.toHaveBeenCalled();
    // An entity the copy does not hold (not Datastack's) is read as before.
    await request(app)
      .get('/api/datastack/health/entity/default/component/not-datastack')
      .set('authorization', mockCredentials.user.header());
    expect(catalog.getEntitiesByRefs).toHaveBeenCalledTimes(1);
    // A write acts on the entity as the catalog holds it now, not the copy.
    await request(app)
      .post(
        '/api/datastack/health/entity/default/component/orders-kafka/applications/dev/orders-kafka-dev/refresh',
      )
      .set('authorization', mockCredentials.user.header());
    expect(catalog.getEntitiesByRefs).toHaveBeenCalledTimes(2);
    expect(catalog.getEntitiesByRefs).toHaveBeenLastCalledWith(
      { entityRefs: ['component:default/orders-kafka'] },
      expect.anything(),
    );
  });

  it('refuses a caller the permission policy denies, naming the entity', async () => {
    const get = await backend([datastackPermissions(AuthorizeResult.DENY)]);
    const res = await get('default/component/orders-kafka');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(
      'Not allowed to read the health of component:default/orders-kafka',
    );
    expect(upstream).toEqual([]);
  });

  it('answers 404, not 403, for an entity the catalog hides, whatever the route permission says, even when the catalog read fails', async () => {
    const get = await backend([
      mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
    ]);
    const res = await get('default/component/orders-kafka');
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(
      'No entity component:default/orders-kafka in the catalog',
    );

    const failing = catalogServiceMock.mock({
      getEntitiesByRefs: async () => {
        throw new Error('catalog unavailable');
      },
      queryEntities: async () => {
        throw new Error('catalog unavailable');
      },
    });
    const hiddenAndFailing = await backend(
      [mockServices.permissions.factory({ result: AuthorizeResult.DENY })],
      failing.factory,
    );
    expect(
      (await hiddenAndFailing('default/component/orders-kafka')).status,
    ).toBe(404);
    // A write route too: hidden is 404 before the write's own 403.
    const hiddenApp = await startApp([
      mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
    ]);
    const write = await request(hiddenApp)
      .post(
        '/api/datastack/health/entity/default/component/orders-kafka/applications/dev/orders-kafka-dev/sync',
      )
      .set('authorization', mockCredentials.user.header());
    expect(write.status).toBe(404);
    const visibleAndFailing = await backend([], failing.factory);
    expect(
      (await visibleAndFailing('default/component/orders-kafka')).status,
    ).toBe(500);
    expect(upstream).toEqual([]);
  });

  it("answers 404, as the catalog would, where the catalog's read policy hides the entity from the caller", async () => {
    const conditional: string[] = [];
    const asked: string[] = [];
    const permissions = mockServices.permissions.mock({
      // The health read is allowed for every entity; the catalog's read has
      // an owner condition, decided for each entity on its own.
      authorizeConditional: async (requests, options) =>
        requests.map(r => {
          conditional.push(
            `${r.permission.name} ${
              (options.credentials.principal as { userEntityRef?: string })
                .userEntityRef
            }`,
          );
          return r.permission.name === 'catalog.entity.read'
            ? {
                result: AuthorizeResult.CONDITIONAL,
                pluginId: 'catalog',
                resourceType: 'catalog-entity',
                conditions: {
                  rule: 'IS_ENTITY_OWNER',
                  resourceType: 'catalog-entity',
                  params: { claims: ['group:default/team-a'] },
                },
              }
            : { result: AuthorizeResult.ALLOW };
        }),
      authorize: async requests =>
        requests.map(r => {
          const ref = 'resourceRef' in r ? r.resourceRef : undefined;
          asked.push(`${r.permission.name} ${ref}`);
          return {
            result:
              ref === 'component:default/orders-kafka'
                ? AuthorizeResult.DENY
                : AuthorizeResult.ALLOW,
          };
        }),
    });
    const get = await backend([permissions.factory]);
    const hidden = await get('default/component/orders-kafka');
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.message).toBe(
      'No entity component:default/orders-kafka in the catalog',
    );
    expect(upstream).toEqual([]);
    const shown = await get('default/component/payments');
    expect(shown.status).toBe(200);
    // Asked as the caller: once for every entity, then each entity's catalog read.
    expect(conditional.sort()).toEqual([
      'catalog.entity.read user:default/mock',
      'datastack.health.read user:default/mock',
    ]);
    expect(asked).toEqual([
      'catalog.entity.read component:default/orders-kafka',
      'catalog.entity.read component:default/payments',
    ]);
  });

  describe('fleet', () => {
    const fleet = async (query: string, extra: any[] = []) => {
      const app = await startApp(extra);
      return request(app)
        .get(`/api/datastack/health/fleet${query}`)
        .set('authorization', mockCredentials.user.header());
    };

    it('pages every component × environment, with each instance state', async () => {
      const res = await fleet('?limit=1');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ total: 2, offset: 0, limit: 1 });
      expect(res.body.items).toEqual([
        expect.objectContaining({
          component: 'kafka',
          pipeline: 'orders',
          environment: 'dev',
          instance: 'dev',
          application: 'orders-kafka-dev',
          status: 'degraded',
          version: '1.2.0',
        }),
      ]);
      expect(
        res.body.instances.map((i: any) => [i.instance, i.status]),
      ).toEqual([
        ['dev', 'ok'],
        ['prod', 'error'],
        ['edge', 'unreachable'],
      ]);
      expect(upstream).toContain(
        `${DEV}/api/v1/applications?selector=datastack.io%2Fcomponent`,
      );
    });

    it('filters by environment, component and status', async () => {
      const res = await fleet(
        '?environment=prod&component=trino&status=healthy',
      );
      expect(res.body.items.map((r: any) => r.application)).toEqual([
        'orders-trino-prod',
      ]);
      expect(res.body.total).toBe(1);
    });

    it('names the catalog entity and owner of each row, and filters by owner', async () => {
      const res = await fleet('?component=kafka');
      expect(res.body.items).toEqual([
        expect.objectContaining({
          application: 'orders-kafka-dev',
          entityRef: 'component:default/orders-kafka',
          owner: 'group:default/team-a',
        }),
      ]);
      const mine = await fleet('?owner=group:default/team-a');
      expect(mine.body.items.map((r: any) => r.application)).toEqual([
        'orders-kafka-dev',
      ]);
      const theirs = await fleet('?owner=group:default/team-b');
      expect(theirs.body).toMatchObject({ total: 0, items: [] });
    });

    it.each([
      ['?owner=team-a', /query parameter owner: must be an entity ref/],
      ['?limit=0', /query parameter limit: /],
      ['?limit=501', /query parameter limit: /],
      ['?status=great', /query parameter status: /],
      ['?colour=red', /query parameter/],
    ])(
      'refuses %s with an InputError naming the parameter',
      async (query, message) => {
        const res = await fleet(query);
        expect(res.status).toBe(400);
        expect(res.body.error.name).toBe('InputError');
        expect(res.body.error.message).toMatch(message);
      },
    );

    it('is behind its own permission', async () => {
      const res = await fleet('', [
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
      ]);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe('Not allowed to read the fleet');
    });
  });

  describe('sync and refresh', () => {
    it('syncs an Application of the entity on its instance and answers the fresh health', async () => {
      const app = await startApp();
      const res = await request(app)
        .post(
          '/api/datastack/health/entity/default/component/orders-kafka/applications/dev/orders-kafka-dev/sync',
        )
        .set('authorization', mockCredentials.user.header());
      expect(res.status).toBe(200);
      expect(upstream).toContain(
        'sync-body {"name":"orders-kafka-dev","appNamespace":"argocd","project":"default","prune":false}',
      );
      expect(res.body.rows[0].applications[0].name).toBe('orders-kafka-dev');
    });

    it("refuses an Application that is not the entity's, calling nothing", async () => {
      const app = await startApp();
      const res = await request(app)
        .post(
          '/api/datastack/health/entity/default/component/orders-kafka/applications/dev/payments/sync',
        )
        .set('authorization', mockCredentials.user.header());
      expect(res.status).toBe(404);
      expect(upstream.some(u => u.startsWith('sync-body'))).toBe(false);
    });

    it('refuses a caller without the write permission', async () => {
      const app = await startApp([datastackPermissions(AuthorizeResult.DENY)]);
      const res = await request(app)
        .post(
          '/api/datastack/health/entity/default/component/orders-kafka/applications/dev/orders-kafka-dev/refresh',
        )
        .set('authorization', mockCredentials.user.header());
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe(
        'Not allowed to sync the Applications of component:default/orders-kafka',
      );
    });

    it('refuses an action that is neither sync nor refresh', async () => {
      const app = await startApp();
      const res = await request(app)
        .post(
          '/api/datastack/health/entity/default/component/orders-kafka/applications/dev/orders-kafka-dev/delete',
        )
        .set('authorization', mockCredentials.user.header());
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/path parameter action/);
    });
  });
});
