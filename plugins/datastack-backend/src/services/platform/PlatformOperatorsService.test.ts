import {
  mockCredentials,
  mockServices,
  registerMswTestHooks,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { HttpResponse, http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import request from 'supertest';
import { datastackPlugin } from '../../plugin';

const TOKEN = 'canary-token-9d2f';
const DEV = 'https://argocd-dev.example.com';
const PROD = 'https://argocd-prod.example.com';
const STAGING = 'https://argocd-staging.example.com';
const EDGE = 'https://argocd-edge.example.com';
const BROKEN = 'https://argocd-broken.example.com';

const config = {
  datastack: {
    // The direct path to Argo CD; the live inventory has its own tests.
    inventory: { enabled: false },
    argocd: {
      requestTimeoutMs: 300,
      instances: [
        { name: 'dev', url: DEV, token: TOKEN },
        { name: 'prod', url: PROD, token: TOKEN },
        { name: 'staging', url: STAGING, token: TOKEN },
        { name: 'edge', url: EDGE, token: TOKEN },
        { name: 'broken', url: BROKEN, token: TOKEN },
      ],
    },
  },
};

const registry = createDefaultRegistry();

/** A platform operator Application as the "Platform operators" template renders it and Argo CD lists it. */
function platformApp(options: {
  id: string;
  cluster: string;
  chart: string;
  repoURL: string;
  targetRevision: string;
  destination: { server?: string; name?: string; namespace: string };
  project?: string;
  status: Record<string, unknown>;
}) {
  return {
    metadata: {
      name: `platform-${options.id}-${options.cluster}`,
      namespace: 'argocd',
      uid: `uid-${options.id}-${options.cluster}`,
      resourceVersion: '4711',
      labels: {
        'datastack.io/platform-operator': options.id,
        'datastack.io/team': 'platform',
        'app.kubernetes.io/managed-by': 'datastack',
      },
      annotations: {
        'argocd.argoproj.io/sync-wave': '0',
        'datastack.io/owner': 'group:default/platform',
        'datastack.io/entity-ref': `component:default/cluster-addons-${options.id}`,
      },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: options.project ?? 'platform',
      sources: [
        {
          repoURL: options.repoURL,
          chart: options.chart,
          targetRevision: options.targetRevision,
          helm: {
            releaseName: options.id,
            valueFiles: [
              `$values/environments/dev/values/${options.cluster}/${options.id}.yaml`,
            ],
          },
        },
        {
          repoURL: 'https://github.com/acme/cluster-addons.git',
          targetRevision: 'main',
          ref: 'values',
        },
      ],
      destination: options.destination,
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
      },
    },
    status: options.status,
  };
}

// Strimzi on the cluster Argo CD runs in, addressed by server: Synced and Healthy.
const strimzi = platformApp({
  id: 'kafka',
  cluster: 'in-cluster',
  chart: 'strimzi-kafka-operator',
  repoURL: 'quay.io/strimzi-helm',
  targetRevision: '1.2.0',
  destination: {
    server: 'https://kubernetes.default.svc',
    namespace: 'strimzi',
  },
  status: {
    sync: {
      status: 'Synced',
      revisions: ['1.2.0', '3c1d2e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d'],
    },
    health: { status: 'Healthy' },
    history: [
      {
        id: 2,
        revisions: ['1.2.0', '3c1d2e4f'],
        deployedAt: '2026-11-30T09:00:00Z',
      },
    ],
    resources: [
      {
        group: 'apiextensions.k8s.io',
        version: 'v1',
        kind: 'CustomResourceDefinition',
        name: 'kafkas.kafka.strimzi.io',
        status: 'Synced',
      },
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: 'strimzi',
        name: 'strimzi-cluster-operator',
        status: 'Synced',
        health: { status: 'Healthy' },
      },
    ],
  },
});

// The Flink operator on a named cluster, one version behind the registry,
// its Deployment crash-looping.
const flink = platformApp({
  id: 'flink',
  cluster: 'eks-prod',
  chart: 'flink-kubernetes-operator',
  repoURL:
    'https://downloads.apache.org/flink/flink-kubernetes-operator-1.14.0/',
  targetRevision: '1.14.0',
  destination: { name: 'eks-prod', namespace: 'flink-operator' },
  status: {
    sync: {
      status: 'Synced',
      revisions: ['1.14.0', '3c1d2e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d'],
    },
    health: {
      status: 'Degraded',
      message:
        'Deployment "flink-kubernetes-operator" exceeded its progress deadline',
    },
    resources: [
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: 'flink-operator',
        name: 'flink-kubernetes-operator',
        status: 'Synced',
        health: {
          status: 'Degraded',
          message:
            'Deployment "flink-kubernetes-operator" exceeded its progress deadline',
        },
      },
    ],
  },
});

// A tenant labelled an Application of its own project as a platform operator.
const impostor = platformApp({
  id: 'kafka',
  cluster: 'eks-prod',
  chart: 'strimzi-kafka-operator',
  repoURL: 'quay.io/strimzi-helm',
  targetRevision: '9.9.9',
  destination: { name: 'eks-prod', namespace: 'team-a-dev' },
  project: 'team-a',
  status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } },
});

const argoError = (status: number, code: number, message: string) =>
  HttpResponse.json({ error: message, code, message }, { status });

describe('GET /api/datastack/platform/operators', () => {
  const server = setupServer(
    http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
  );
  registerMswTestHooks(server);
  let upstream: string[];

  beforeEach(() => {
    upstream = [];
    /** Records the call; Argo CD's 401 for a wrong token. */
    const record = (req: Request) => {
      const url = new URL(req.url);
      upstream.push(`${url.origin}${url.pathname}${url.search}`);
      return req.headers.get('authorization') === `Bearer ${TOKEN}`
        ? undefined
        : argoError(401, 16, 'no session information');
    };
    const list = (items: unknown[] | null) =>
      HttpResponse.json({ metadata: { resourceVersion: '88213' }, items });
    const clusters = {
      metadata: {},
      items: [
        {
          server: 'https://kubernetes.default.svc',
          name: 'in-cluster',
          serverVersion: '1.30',
          connectionState: { status: 'Successful' },
        },
        {
          server: 'https://eks.example.com',
          name: 'eks-prod',
          serverVersion: '1.31',
          connectionState: { status: 'Successful' },
        },
      ],
    };
    server.use(
      http.get(`${DEV}/api/v1/applications`, ({ request: req }) => {
        const denied = record(req);
        if (denied) return denied;
        const selector = new URL(req.url).searchParams.get('selector');
        return list(
          selector === 'datastack.io/platform-operator'
            ? [flink, impostor, strimzi]
            : null,
        );
      }),
      http.get(
        `${DEV}/api/v1/clusters`,
        ({ request: req }) => record(req) ?? HttpResponse.json(clusters),
      ),
      // Nothing installed yet: Argo CD answers `items: null`.
      http.get(
        `${PROD}/api/v1/applications`,
        ({ request: req }) => record(req) ?? list(null),
      ),
      http.get(
        `${PROD}/api/v1/clusters`,
        ({ request: req }) => record(req) ?? HttpResponse.json(clusters),
      ),
      // The token may not list Applications: Argo CD's gRPC error body.
      http.get(
        `${STAGING}/api/v1/applications`,
        ({ request: req }) =>
          record(req) ??
          argoError(
            403,
            7,
            'permission denied: applications, get, platform/*, sub: datastack, iat: 2026-11-30T08:00:00Z',
          ),
      ),
      http.get(
        `${STAGING}/api/v1/clusters`,
        ({ request: req }) => record(req) ?? HttpResponse.json(clusters),
      ),
      // Hangs past the timeout.
      http.get(`${EDGE}/api/v1/*`, ({ request: req }) => {
        record(req);
        return new Promise<Response>(() => {});
      }),
      // Answers an item that is not an Application.
      http.get(
        `${BROKEN}/api/v1/applications`,
        ({ request: req }) =>
          record(req) ??
          list([
            strimzi,
            {
              metadata: {
                name: 'half-written',
                labels: { 'datastack.io/platform-operator': 'spark' },
              },
              status: {},
            },
          ]),
      ),
      http.get(`${BROKEN}/api/v1/clusters`, () =>
        argoError(503, 14, 'upstream connect error'),
      ),
    );
  });

  async function backend(extra: any[] = []) {
    const { server: app } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({ data: config }),
        ...extra,
      ],
    });
    return (query = '') =>
      request(app)
        .get(`/api/datastack/platform/operators${query}`)
        .set('authorization', mockCredentials.user.header());
  }

  it('answers each operator per cluster with version, health and its Deployment, and each failing instance in its own row', async () => {
    const get = await backend();
    const res = await get();

    expect(res.status).toBe(200);
    const [dev, prod, staging, edge, broken] = res.body.instances;

    expect(dev).toMatchObject({
      instance: 'dev',
      uiUrl: DEV,
      status: 'ok',
    });
    // Ordered by cluster; the tenant's Application of project team-a is not platform layer.
    expect(
      dev.operators.map((o: any) => `${o.cluster} ${o.componentId}`),
    ).toEqual(['eks-prod flink', 'in-cluster kafka']);
    const [flinkRow, kafkaRow] = dev.operators;
    expect(kafkaRow).toEqual({
      instance: 'dev',
      // Named as Argo CD names the server it deploys to, as the Clusters tab does.
      cluster: 'in-cluster',
      server: 'https://kubernetes.default.svc',
      componentId: 'kafka',
      title: 'Strimzi operator',
      application: 'platform-kafka-in-cluster',
      appNamespace: 'argocd',
      project: 'platform',
      chart: {
        repoURL: 'quay.io/strimzi-helm',
        name: 'strimzi-kafka-operator',
        version: '1.2.0',
      },
      registryVersion: registry.get('kafka').chart!.version,
      namespace: 'strimzi',
      sync: 'Synced',
      health: 'Healthy',
      status: 'healthy',
      operatorDeployment: {
        name: 'strimzi-cluster-operator',
        namespace: 'strimzi',
        available: true,
        health: 'Healthy',
      },
      findings: [],
      url: `${DEV}/applications/platform-kafka-in-cluster`,
      owner: 'group:default/platform',
      lastDeployedAt: '2026-11-30T09:00:00Z',
    });
    expect(flinkRow).toMatchObject({
      cluster: 'eks-prod',
      server: 'https://eks.example.com',
      title: 'Flink Kubernetes operator',
      chart: { name: 'flink-kubernetes-operator', version: '1.14.0' },
      registryVersion: '1.15.0',
      namespace: 'flink-operator',
      health: 'Degraded',
      healthMessage:
        'Deployment "flink-kubernetes-operator" exceeded its progress deadline',
      status: 'degraded',
      operatorDeployment: {
        name: 'flink-kubernetes-operator',
        available: false,
        health: 'Degraded',
      },
    });
    expect(flinkRow.findings).toEqual([
      expect.objectContaining({
        rule: 'operator-unavailable',
        severity: 'error',
        resource: {
          kind: 'Deployment',
          name: 'flink-kubernetes-operator',
          namespace: 'flink-operator',
        },
      }),
    ]);

    expect(prod).toMatchObject({
      instance: 'prod',
      status: 'ok',
      operators: [],
    });
    expect(staging).toMatchObject({
      instance: 'staging',
      status: 'error',
      operators: [],
    });
    expect(staging.error).toBe(
      'Argo CD instance "staging" refused GET Applications matching "datastack.io/platform-operator": 403 permission denied: applications, get, platform/*, sub: datastack, iat: 2026-11-30T08:00:00Z',
    );
    expect(edge).toMatchObject({
      instance: 'edge',
      status: 'unreachable',
      operators: [],
    });
    expect(edge.error).toContain('did not answer within 300 ms');
    expect(broken).toMatchObject({
      instance: 'broken',
      status: 'error',
      operators: [],
    });
    expect(broken.error).toMatch(
      /^Argo CD instance "broken" answered a malformed response for Applications matching "datastack.io\/platform-operator": items\[1\]\.spec: /,
    );
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    expect(
      upstream.filter(u => u.startsWith(`${DEV}/api/v1/applications`)),
    ).toEqual([
      `${DEV}/api/v1/applications?selector=datastack.io%2Fplatform-operator`,
    ]);
  });

  it('caches each instance that answered and asks a failing one again', async () => {
    const get = await backend();
    await Promise.all([get(), get(), get()]);
    const calls = (origin: string) =>
      upstream.filter(u => u.startsWith(`${origin}/api/v1/applications`))
        .length;
    expect(calls(DEV)).toBe(1);
    const staging = calls(STAGING);

    const again = await get();
    expect(again.body.instances[0].operators).toHaveLength(2);
    expect(calls(DEV)).toBe(1);
    expect(calls(PROD)).toBe(1);
    expect(calls(STAGING)).toBe(staging + 1);
  });

  it('refuses a caller without the cluster read permission, asking no instance', async () => {
    const get = await backend([
      mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
    ]);
    const res = await get();
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      name: 'NotAllowedError',
      message: 'Not allowed to read the platform operators',
    });
    expect(upstream).toEqual([]);
  });

  it('names a query parameter it does not know', async () => {
    const get = await backend();
    const res = await get('?cluster=eks-prod');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      name: 'InputError',
      message: 'query parameter cluster: is not a known query parameter',
    });
    expect(upstream).toEqual([]);
  });
});
