import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { ArgoCdSandbox, startArgoCdSandbox } from './index';
import type { AppProject, Application, ApplicationTree } from './index';

// GET /api/v1/applications/{name}/resource (server/application GetResource)
// through real HTTP: the live objects of the data-stack kinds with the
// status their operators write along the Application's lifecycle, Argo CD's
// errors, and the control that sets a status for failure tests.

const TOKEN = 'live-object-token';
const IN_CLUSTER = 'https://kubernetes.default.svc';

interface ErrorBody {
  error: string;
  code: number;
  message: string;
}

interface Answer<T> {
  status: number;
  body: T;
}

type Live = Record<string, any>;

async function call<T = ErrorBody>(
  sandbox: ArgoCdSandbox,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<Answer<T>> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function resourcePath(
  app: string,
  r: {
    group?: string;
    version: string;
    kind: string;
    namespace?: string;
    name: string;
  },
  extra: Record<string, string> = {},
): string {
  const query = new URLSearchParams({
    namespace: r.namespace ?? '',
    resourceName: r.name,
    version: r.version,
    group: r.group ?? '',
    kind: r.kind,
    ...extra,
  });
  return `/api/v1/applications/${app}/resource?${query}`;
}

function chartApp(
  name: string,
  chart: string,
  version: string,
  labels: Record<string, string> = {},
): Application {
  return {
    metadata: { name, labels },
    spec: {
      project: 'default',
      source: {
        repoURL: 'https://charts.example.com',
        chart,
        targetRevision: version,
      },
      destination: { server: IN_CLUSTER, namespace: 'data' },
    },
  };
}

describe('argocd-sandbox live objects', () => {
  let clock = Date.parse('2025-06-01T10:00:00Z');
  let sandbox: ArgoCdSandbox;

  /** The live object, parsed from Argo CD's `{manifest}` answer. */
  async function live(
    app: string,
    r: Parameters<typeof resourcePath>[1],
    extra?: Record<string, string>,
  ): Promise<Live> {
    const res = await call<{ manifest: string }>(
      sandbox,
      'GET',
      resourcePath(app, r, extra),
    );
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['manifest']);
    expect(typeof res.body.manifest).toBe('string');
    return JSON.parse(res.body.manifest);
  }

  async function create(app: Application) {
    const res = await call(sandbox, 'POST', '/api/v1/applications', app);
    expect(res.status).toBe(200);
  }

  async function sync(name: string) {
    const res = await call(
      sandbox,
      'POST',
      `/api/v1/applications/${name}/sync`,
      {},
    );
    expect(res.status).toBe(200);
  }

  beforeEach(async () => {
    clock = Date.parse('2025-06-01T10:00:00Z');
    sandbox = await startArgoCdSandbox({
      name: 'live',
      token: TOKEN,
      syncDurationMs: 3000,
      now: () => clock,
    });
  });

  afterEach(async () => {
    await sandbox.close();
  });

  const kafka = {
    group: 'kafka.strimzi.io',
    version: 'v1',
    kind: 'Kafka',
    namespace: 'data',
    name: 'orders',
  };
  const pool = { ...kafka, kind: 'KafkaNodePool', name: 'orders-dual-role' };
  const operator = {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespace: 'data',
    name: 'strimzi-cluster-operator',
  };

  describe('Strimzi along a sync', () => {
    beforeEach(async () => {
      await create(chartApp('orders', 'strimzi-kafka-operator', '1.2.0'));
    });

    it('answers InvalidArgument for a resource not (yet) in the tree', async () => {
      const res = await call(sandbox, 'GET', resourcePath('orders', kafka));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error:
          'Kafka kafka.strimzi.io orders not found as part of application orders',
        code: 3,
        message:
          'Kafka kafka.strimzi.io orders not found as part of application orders',
      });
    });

    it('is NotReady/Creating while the first sync runs, Ready after it', async () => {
      await sync('orders');
      const creating = await live('orders', kafka);
      expect(creating.apiVersion).toBe('kafka.strimzi.io/v1');
      expect(creating.kind).toBe('Kafka');
      expect(creating.metadata.generation).toBe(1);
      expect(creating.status).toEqual({
        conditions: [
          {
            type: 'NotReady',
            status: 'True',
            lastTransitionTime: '2025-06-01T10:00:00.000Z',
            reason: 'Creating',
            message: 'Kafka cluster is being deployed',
          },
        ],
        observedGeneration: 0,
      });
      // The node pool has no status until the Kafka is reconciled.
      expect((await live('orders', pool)).status).toBeUndefined();
      const rolling = await live('orders', operator);
      expect(rolling.status.conditions).toEqual([
        expect.objectContaining({
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
        }),
        expect.objectContaining({
          type: 'Progressing',
          status: 'True',
          reason: 'ReplicaSetUpdated',
        }),
      ]);

      clock += 3000;
      const ready = await live('orders', kafka);
      expect(ready.status).toEqual({
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            lastTransitionTime: '2025-06-01T10:00:03.000Z',
          },
        ],
        observedGeneration: 1,
        listeners: [
          {
            name: 'plain',
            addresses: [
              { host: 'orders-kafka-bootstrap.data.svc', port: 9092 },
            ],
            bootstrapServers: 'orders-kafka-bootstrap.data.svc:9092',
          },
          {
            name: 'tls',
            addresses: [
              { host: 'orders-kafka-bootstrap.data.svc', port: 9093 },
            ],
            bootstrapServers: 'orders-kafka-bootstrap.data.svc:9093',
            certificates: [
              expect.stringMatching(/^-----BEGIN CERTIFICATE-----\n/),
            ],
          },
        ],
        kafkaNodePools: [{ name: 'orders-dual-role' }],
        clusterId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        operatorLastSuccessfulVersion: '1.2.0',
        kafkaVersion: '4.3.1',
        kafkaMetadataVersion: '4.3-IV0',
      });
      const poolStatus = (await live('orders', pool)).status;
      expect(poolStatus).toEqual({
        conditions: [],
        observedGeneration: 1,
        nodeIds: [0, 1, 2],
        clusterId: ready.status.clusterId,
        roles: ['controller', 'broker'],
        replicas: 3,
        labelSelector:
          'strimzi.io/cluster=orders,strimzi.io/name=orders-kafka,strimzi.io/kind=Kafka,strimzi.io/pool-name=orders-dual-role',
      });
      const rs = (
        await call<ApplicationTree>(
          sandbox,
          'GET',
          '/api/v1/applications/orders/resource-tree',
        )
      ).body.nodes?.find(n => n.kind === 'ReplicaSet');
      expect((await live('orders', operator)).status).toEqual({
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        conditions: [
          expect.objectContaining({
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          }),
          expect.objectContaining({
            type: 'Progressing',
            status: 'True',
            reason: 'NewReplicaSetAvailable',
            message: `ReplicaSet "${rs?.name}" has successfully progressed.`,
          }),
        ],
      });
    });

    it('keeps the last Ready with an older observedGeneration while an update syncs', async () => {
      await sync('orders');
      clock += 3000;
      const app = (
        await call<Application>(sandbox, 'GET', '/api/v1/applications/orders')
      ).body;
      app.spec.source!.targetRevision = '1.1.0';
      await call(sandbox, 'PUT', '/api/v1/applications/orders', app);
      await sync('orders');
      const updating = await live('orders', kafka);
      expect(updating.metadata.generation).toBe(2);
      expect(updating.status.observedGeneration).toBe(1);
      expect(updating.status.conditions).toEqual([
        expect.objectContaining({ type: 'Ready', status: 'True' }),
      ]);
      clock += 3000;
      const updated = await live('orders', kafka);
      expect(updated.metadata.generation).toBe(2);
      expect(updated.status.observedGeneration).toBe(2);
      expect(updated.status.kafkaVersion).toBe('4.3.0');
    });

    it('carries the tree node identity, the tracking annotation and Helm labels, as Go marshals it', async () => {
      await sync('orders');
      clock += 3000;
      const res = await call<{ manifest: string }>(
        sandbox,
        'GET',
        resourcePath('orders', kafka),
      );
      // encoding/json writes a map with its keys sorted, at every level.
      expect(
        res.body.manifest.startsWith(
          '{"apiVersion":"kafka.strimzi.io/v1","kind":"Kafka","metadata":{"annotations"',
        ),
      ).toBe(true);
      const object = JSON.parse(res.body.manifest);
      const node = (
        await call<ApplicationTree>(
          sandbox,
          'GET',
          '/api/v1/applications/orders/resource-tree',
        )
      ).body.nodes?.find(n => n.kind === 'Kafka');
      expect(object.metadata).toEqual({
        annotations: {
          'argocd.argoproj.io/tracking-id':
            'orders:kafka.strimzi.io/Kafka:data/orders',
        },
        creationTimestamp: '2025-06-01T10:00:00Z',
        generation: 1,
        labels: {
          'app.kubernetes.io/instance': 'orders',
          'app.kubernetes.io/managed-by': 'Helm',
        },
        name: 'orders',
        namespace: 'data',
        resourceVersion: node?.resourceVersion,
        uid: node?.uid,
      });
      expect(object.spec.kafka.listeners).toHaveLength(2);
    });

    it('serves the Pods Kubernetes created, owned by their ReplicaSet', async () => {
      await sync('orders');
      clock += 3000;
      const nodes = (
        await call<ApplicationTree>(
          sandbox,
          'GET',
          '/api/v1/applications/orders/resource-tree',
        )
      ).body.nodes!;
      const pod = nodes.find(n => n.kind === 'Pod')!;
      const object = await live('orders', {
        version: 'v1',
        kind: 'Pod',
        namespace: 'data',
        name: pod.name,
      });
      expect(object.apiVersion).toBe('v1');
      expect(object.metadata.ownerReferences).toEqual([
        expect.objectContaining({
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          uid: pod.parentRefs?.[0].uid,
        }),
      ]);
      expect(object.status).toEqual({ phase: 'Running' });
    });

    it('answers the API server NotFound for a version the CRDs no longer serve', async () => {
      await sync('orders');
      clock += 3000;
      const res = await call(
        sandbox,
        'GET',
        resourcePath('orders', { ...kafka, version: 'v1beta2' }),
      );
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        error:
          'error getting resource: failed to discover server resources for group version kafka.strimzi.io/v1beta2: the server could not find the requested resource',
        code: 5,
        message:
          'error getting resource: failed to discover server resources for group version kafka.strimzi.io/v1beta2: the server could not find the requested resource',
      });
    });
  });

  it('converts to a version a CRD serves besides the stored one (Strimzi 0.49)', async () => {
    await create(chartApp('orders', 'strimzi-kafka-operator', '0.49.0'));
    await sync('orders');
    clock += 3000;
    const v1beta2 = await live('orders', { ...kafka, version: 'v1beta2' });
    expect(v1beta2.apiVersion).toBe('kafka.strimzi.io/v1beta2');
    expect(v1beta2.status.kafkaVersion).toBe('4.1.1');
    expect((await live('orders', kafka)).apiVersion).toBe(
      'kafka.strimzi.io/v1',
    );
    // An empty version reads the tree's.
    expect((await live('orders', { ...kafka, version: '' })).apiVersion).toBe(
      'kafka.strimzi.io/v1',
    );
    expect(
      (
        await call(
          sandbox,
          'GET',
          resourcePath('orders', { ...kafka, version: 'v1alpha1' }),
        )
      ).status,
    ).toBe(404);
  });

  it.each([
    {
      chart: 'flink-kubernetes-operator',
      resource: {
        group: 'flink.apache.org',
        version: 'v1beta1',
        kind: 'FlinkDeployment',
        name: 'jobs',
      },
      read: (s: Live) => [
        s.lifecycleState,
        s.jobStatus.state,
        s.jobManagerDeploymentStatus,
      ],
      steps: [
        ['DEPLOYED', 'RECONCILING', 'DEPLOYING'],
        ['DEPLOYED', 'RECONCILING', 'DEPLOYED_NOT_READY'],
        ['STABLE', 'RUNNING', 'READY'],
      ],
    },
    {
      chart: 'spark-operator',
      resource: {
        group: 'sparkoperator.k8s.io',
        version: 'v1beta2',
        kind: 'SparkApplication',
        name: 'jobs-spark-pi',
      },
      read: (s: Live) => [
        s.applicationState.state,
        Object.values(s.executorState ?? {})[0],
        s.terminationTime,
      ],
      steps: [
        ['SUBMITTED', undefined, null],
        ['RUNNING', 'RUNNING', null],
        ['COMPLETED', 'COMPLETED', '2025-06-01T10:00:03Z'],
      ],
    },
    {
      chart: 'altinity-clickhouse-operator',
      resource: {
        group: 'clickhouse.altinity.com',
        version: 'v1',
        kind: 'ClickHouseInstallation',
        name: 'jobs',
      },
      read: (s: Live) => [s.status, s['chop-version'], s.endpoint],
      steps: [
        ['InProgress', '0.27.3', undefined],
        ['InProgress', '0.27.3', undefined],
        ['Completed', '0.27.3', 'clickhouse-jobs.data.svc.cluster.local'],
      ],
    },
  ])(
    '$resource.kind: not ready while the sync runs, ready after',
    async ({ chart, resource, read, steps }) => {
      await create(
        chartApp(
          'jobs',
          chart,
          chart === 'altinity-clickhouse-operator' ? '0.27.3' : '2.1.0',
        ),
      );
      await sync('jobs');
      const r = { ...resource, namespace: 'data' };
      expect(read((await live('jobs', r)).status)).toEqual(steps[0]);
      clock += 1500;
      expect(read((await live('jobs', r)).status)).toEqual(steps[1]);
      clock += 1500;
      const ready = await live('jobs', r);
      expect(read(ready.status)).toEqual(steps[2]);
      expect(ready.metadata.generation).toBe(1);
    },
  );

  it('writes the Flink operator status in full once the job is stable', async () => {
    await create(chartApp('jobs', 'flink-kubernetes-operator', '1.15.0'));
    await sync('jobs');
    clock += 3000;
    const { status, spec } = await live('jobs', {
      group: 'flink.apache.org',
      version: 'v1beta1',
      kind: 'FlinkDeployment',
      namespace: 'data',
      name: 'jobs',
    });
    expect(status).toEqual({
      jobStatus: {
        jobName: 'State machine job',
        jobId: expect.stringMatching(/^[0-9a-f]{32}$/),
        state: 'RUNNING',
        startTime: String(Date.parse('2025-06-01T10:00:03Z')),
        updateTime: String(Date.parse('2025-06-01T10:00:03Z')),
        checkpointInfo: { lastPeriodicCheckpointTimestamp: 0 },
        savepointInfo: {
          lastPeriodicSavepointTimestamp: 0,
          savepointHistory: [],
        },
      },
      observedGeneration: 1,
      lifecycleState: 'STABLE',
      clusterInfo: expect.objectContaining({ 'flink-version': '1.20.1' }),
      jobManagerDeploymentStatus: 'READY',
      reconciliationStatus: {
        reconciliationTimestamp: Date.parse('2025-06-01T10:00:03Z'),
        lastReconciledSpec: expect.any(String),
        lastStableSpec: expect.any(String),
        state: 'DEPLOYED',
      },
      taskManager: {
        labelSelector: 'component=taskmanager,app=jobs',
        replicas: 1,
      },
      conditions: [
        {
          type: 'Running',
          status: 'True',
          reason: 'Running',
          message: 'Job status RUNNING',
          lastTransitionTime: '2025-06-01T10:00:03.000Z',
        },
      ],
    });
    expect(
      JSON.parse(status.reconciliationStatus.lastReconciledSpec).spec,
    ).toEqual(spec);
  });

  it('writes the failure of the resource a degraded sync blames', async () => {
    await create(
      chartApp('orders', 'strimzi-kafka-operator', '1.2.0', {
        'sandbox.datastack.io/outcome': 'degraded',
      }),
    );
    await sync('orders');
    clock += 3000;
    const stuck = await live('orders', operator);
    expect(stuck.status.conditions).toEqual([
      expect.objectContaining({
        type: 'Available',
        status: 'False',
        reason: 'MinimumReplicasUnavailable',
      }),
      expect.objectContaining({
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: expect.stringMatching(
          /^ReplicaSet "strimzi-cluster-operator-[0-9a-f]{10}" has timed out progressing\.$/,
        ),
      }),
    ]);
    expect(stuck.status.unavailableReplicas).toBe(1);
    expect(stuck.status.availableReplicas).toBeUndefined();
  });

  describe('requests Argo CD refuses', () => {
    beforeEach(async () => {
      await create(chartApp('orders', 'strimzi-kafka-operator', '1.2.0'));
      await sync('orders');
      clock += 3000;
    });

    it.each(['resourceName', 'version', 'kind'])(
      'refuses a request without %s when decoding it, before the session',
      async field => {
        const query = new URLSearchParams({
          namespace: 'data',
          resourceName: 'orders',
          version: 'v1',
          group: 'kafka.strimzi.io',
          kind: 'Kafka',
        });
        query.delete(field);
        const res = await call(
          sandbox,
          'GET',
          `/api/v1/applications/orders/resource?${query}`,
          undefined,
          null,
        );
        const message = `grpc: error unmarshalling request: proto: required field "${field}" not set`;
        expect(res).toEqual({
          status: 500,
          body: { error: message, code: 13, message },
        });
      },
    );

    it('needs a session', async () => {
      const res = await call(
        sandbox,
        'GET',
        resourcePath('orders', kafka),
        undefined,
        null,
      );
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(16);
    });

    it('hides a missing Application unless a project is named', async () => {
      expect(
        await call(sandbox, 'GET', resourcePath('nothing', kafka)),
      ).toEqual({
        status: 403,
        body: {
          error: 'permission denied',
          code: 7,
          message: 'permission denied',
        },
      });
      const named = await call(
        sandbox,
        'GET',
        resourcePath('nothing', kafka, { project: 'default' }),
      );
      expect(named.status).toBe(404);
      expect(named.body.message).toBe(
        'applications.argoproj.io "nothing" not found',
      );
    });

    it('matches the namespace: a namespaced resource asked cluster-scoped is not in the tree', async () => {
      const res = await call(
        sandbox,
        'GET',
        resourcePath('orders', { ...kafka, namespace: '' }),
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(3);
    });

    it('is truncated by the malformed failure mode like every answer', async () => {
      sandbox.setFailureMode('malformed');
      const res = await fetch(
        `${sandbox.url}${resourcePath('orders', kafka)}`,
        {
          headers: { authorization: `Bearer ${TOKEN}` },
        },
      );
      expect(res.status).toBe(200);
      await expect(res.json()).rejects.toThrow();
    });
  });

  describe('setResourceStatus', () => {
    beforeEach(async () => {
      await create(chartApp('orders', 'strimzi-kafka-operator', '1.2.0'));
      await sync('orders');
      clock += 3000;
    });

    it('shows the status a test set, any JSON value, until cleared', async () => {
      const huge = 'Exceeded timeout '.repeat(60_000);
      const found = sandbox.setResourceStatus(
        'orders',
        { group: 'kafka.strimzi.io', kind: 'Kafka', name: 'orders' },
        {
          conditions: [
            {
              type: 'NotReady',
              status: 'True',
              reason: 'StrimziTimeoutException',
              message: huge,
            },
          ],
          observedGeneration: 1,
        },
      );
      expect(found).toEqual(kafka);
      const failing = await live('orders', kafka);
      expect(failing.status.conditions[0].message).toHaveLength(huge.length);

      for (const hostile of [
        'NotReady',
        42,
        null,
        [{ type: 'Ready' }],
        { conditions: 'Ready' },
      ]) {
        sandbox.setResourceStatus(
          'orders',
          { group: 'kafka.strimzi.io', kind: 'Kafka', name: 'orders' },
          hostile,
        );
        expect((await live('orders', kafka)).status).toEqual(hostile);
      }

      sandbox.setResourceStatus(
        'orders',
        { group: 'kafka.strimzi.io', kind: 'Kafka', name: 'orders' },
        { observedGeneration: 1 },
        { generation: 4 },
      );
      const behind = await live('orders', kafka);
      expect(behind.metadata.generation).toBe(4);
      expect(behind.status).toEqual({ observedGeneration: 1 });

      sandbox.setResourceStatus(
        'orders',
        { group: 'kafka.strimzi.io', kind: 'Kafka', name: 'orders' },
        undefined,
      );
      expect((await live('orders', kafka)).status.conditions[0].type).toBe(
        'Ready',
      );
      // Argo CD's health of the resource is the lifecycle's, whatever the status says.
      const app = (
        await call<Application>(sandbox, 'GET', '/api/v1/applications/orders')
      ).body;
      expect(app.status?.health.status).toBe('Healthy');
    });

    it('is set over HTTP at POST /sandbox/resource-status, and cleared without a status', async () => {
      const set = await call(sandbox, 'POST', '/sandbox/resource-status', {
        application: 'orders',
        group: 'apps',
        kind: 'Deployment',
        name: 'strimzi-cluster-operator',
        namespace: 'data',
        status: 'not an object',
        generation: 3,
      });
      expect(set).toEqual({ status: 200, body: operator });
      const object = await live('orders', operator);
      expect(object.status).toBe('not an object');
      expect(object.metadata.generation).toBe(3);

      const nulled = await call(sandbox, 'POST', '/sandbox/resource-status', {
        application: 'orders',
        group: 'apps',
        kind: 'Deployment',
        name: 'strimzi-cluster-operator',
        status: null,
      });
      expect(nulled.status).toBe(200);
      expect((await live('orders', operator)).status).toBeNull();

      await call(sandbox, 'POST', '/sandbox/resource-status', {
        application: 'orders',
        group: 'apps',
        kind: 'Deployment',
        name: 'strimzi-cluster-operator',
      });
      expect((await live('orders', operator)).status.availableReplicas).toBe(1);
    });

    it.each([
      [
        {
          application: 'nothing',
          kind: 'Kafka',
          group: 'kafka.strimzi.io',
          name: 'orders',
        },
        404,
        'applications.argoproj.io "nothing" not found',
      ],
      [
        {
          application: 'orders',
          kind: 'Kafka',
          group: 'kafka.strimzi.io',
          name: 'payments',
        },
        404,
        'Kafka kafka.strimzi.io payments is not a live resource of application orders',
      ],
      [
        { application: 'orders', group: 'kafka.strimzi.io', name: 'orders' },
        400,
        'application, kind and name are required',
      ],
      [
        {
          application: 'orders',
          kind: 'Kafka',
          group: 'kafka.strimzi.io',
          name: 'orders',
          generation: -1,
        },
        400,
        'generation must be a positive integer',
      ],
    ])('refuses %j', async (body, status, error) => {
      expect(
        await call(sandbox, 'POST', '/sandbox/resource-status', body),
      ).toEqual({ status, body: { error } });
    });

    it('forgets the status when the Application goes', async () => {
      sandbox.setResourceStatus(
        'orders',
        { group: 'kafka.strimzi.io', kind: 'Kafka', name: 'orders' },
        'broken',
      );
      await call(
        sandbox,
        'DELETE',
        '/api/v1/applications/orders?cascade=false',
      );
      await create(chartApp('orders', 'strimzi-kafka-operator', '1.2.0'));
      await sync('orders');
      clock += 3000;
      expect((await live('orders', kafka)).status.conditions[0].type).toBe(
        'Ready',
      );
    });
  });

  describe('RBAC', () => {
    let scoped: ArgoCdSandbox;

    beforeEach(async () => {
      scoped = await startArgoCdSandbox({
        name: 'scoped',
        token: TOKEN,
        syncDurationMs: 3000,
        now: () => clock,
        projectTokens: { 'viewer-a': 'proj:team-a:viewer' },
      });
      const project = (name: string): AppProject => ({
        metadata: { name },
        spec: {
          sourceRepos: ['*'],
          destinations: [{ server: '*', namespace: '*' }],
          clusterResourceWhitelist: [{ group: '*', kind: '*' }],
          roles: [
            {
              name: 'viewer',
              policies: [
                `p, proj:${name}:viewer, applications, get, ${name}/*, allow`,
              ],
            },
          ],
        },
      });
      for (const name of ['team-a', 'team-b']) {
        await call(scoped, 'POST', '/api/v1/projects', {
          project: project(name),
        });
      }
      for (const [name, team] of [
        ['a-orders', 'team-a'],
        ['b-orders', 'team-b'],
      ]) {
        const app = chartApp(name, 'strimzi-kafka-operator', '1.2.0');
        app.spec.project = team;
        await call(scoped, 'POST', '/api/v1/applications', app);
        await call(scoped, 'POST', `/api/v1/applications/${name}/sync`, {});
      }
      clock += 3000;
    });

    afterEach(async () => {
      await scoped.close();
    });

    it('reads with applications get on the project, and refuses as Argo CD does otherwise', async () => {
      const path = (app: string, extra?: Record<string, string>) =>
        resourcePath(app, { ...kafka, name: app }, extra);
      const own = await call<{ manifest: string }>(
        scoped,
        'GET',
        path('a-orders'),
        undefined,
        'viewer-a',
      );
      expect(own.status).toBe(200);
      expect(JSON.parse(own.body.manifest).metadata.name).toBe('a-orders');

      expect(
        await call(scoped, 'GET', path('b-orders'), undefined, 'viewer-a'),
      ).toEqual({
        status: 403,
        body: {
          error: 'permission denied',
          code: 7,
          message: 'permission denied',
        },
      });
      expect(
        (
          await call(
            scoped,
            'GET',
            path('b-orders', { project: 'team-b' }),
            undefined,
            'viewer-a',
          )
        ).status,
      ).toBe(403);
      const otherProject = await call(
        scoped,
        'GET',
        path('b-orders', { project: 'team-a' }),
        undefined,
        'viewer-a',
      );
      expect(otherProject.status).toBe(404);
      expect(otherProject.body.message).toBe(
        'applications.argoproj.io "b-orders" not found',
      );
    });
  });

  describe('Git manifests', () => {
    let gitRoot: string;
    let fromGit: ArgoCdSandbox;

    function git(args: string[], cwd?: string): string {
      return execFileSync('git', args, {
        cwd,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'Test',
          GIT_AUTHOR_EMAIL: 'test@example.com',
          GIT_COMMITTER_NAME: 'Test',
          GIT_COMMITTER_EMAIL: 'test@example.com',
          GIT_CONFIG_NOSYSTEM: '1',
        },
      }).trim();
    }

    function repository(files: Record<string, unknown[]>): string {
      const bare = join(gitRoot, 'instances.git');
      const work = join(gitRoot, 'instances-work');
      git(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
      git(['init', '--quiet', '--initial-branch=main', work]);
      for (const [file, docs] of Object.entries(files)) {
        mkdirSync(dirname(join(work, file)), { recursive: true });
        writeFileSync(
          join(work, file),
          docs.map(d => stringify(d)).join('---\n'),
        );
      }
      git(['add', '.'], work);
      git(['commit', '--quiet', '-m', 'manifests'], work);
      git(['push', '--quiet', bare, 'main'], work);
      return pathToFileURL(bare).href;
    }

    beforeEach(async () => {
      gitRoot = mkdtempSync(join(tmpdir(), 'argocd-sandbox-live-'));
      fromGit = await startArgoCdSandbox({
        name: 'git',
        token: TOKEN,
        syncDurationMs: 3000,
        now: () => clock,
        gitRoot,
      });
    });

    afterEach(async () => {
      await fromGit.close();
      rmSync(gitRoot, { recursive: true, force: true });
    });

    it('serves the manifest with its status: the blamed Kafka failed, its topic ready, a Secret hidden', async () => {
      const url = repository({
        'events/kafka.yaml': [
          {
            apiVersion: 'kafka.strimzi.io/v1',
            kind: 'Kafka',
            metadata: { name: 'events', labels: { team: 'payments' } },
            spec: {
              kafka: {
                version: '4.1.1',
                listeners: [
                  { name: 'plain', port: 9092, type: 'internal', tls: false },
                ],
              },
            },
          },
          {
            apiVersion: 'kafka.strimzi.io/v1',
            kind: 'KafkaTopic',
            metadata: {
              name: 'payments-v1',
              labels: { 'strimzi.io/cluster': 'events' },
            },
            spec: { topicName: 'payments.v1', partitions: 6, replicas: 3 },
          },
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'events-client' },
            stringData: {
              password: 'hunter2',
              again: 'hunter2',
              user: 'events',
            },
          },
        ],
      });
      const res = await call(fromGit, 'POST', '/api/v1/applications', {
        metadata: {
          name: 'events',
          labels: { 'sandbox.datastack.io/outcome': 'degraded' },
        },
        spec: {
          project: 'default',
          source: { repoURL: url, path: 'events', targetRevision: 'main' },
          destination: { server: IN_CLUSTER, namespace: 'payments' },
        },
      });
      expect(res.status).toBe(200);
      expect(
        (await call(fromGit, 'POST', '/api/v1/applications/events/sync', {}))
          .status,
      ).toBe(200);
      clock += 3000;
      const read = async (r: Parameters<typeof resourcePath>[1]) => {
        const answer = await call<{ manifest: string }>(
          fromGit,
          'GET',
          resourcePath('events', r),
        );
        expect(answer.status).toBe(200);
        return JSON.parse(answer.body.manifest) as Live;
      };
      const broken = await read({
        group: 'kafka.strimzi.io',
        version: 'v1',
        kind: 'Kafka',
        namespace: 'payments',
        name: 'events',
      });
      expect(broken.metadata.labels).toEqual({ team: 'payments' });
      expect(broken.spec.kafka.version).toBe('4.1.1');
      expect(broken.status).toEqual({
        conditions: [
          {
            type: 'NotReady',
            status: 'True',
            lastTransitionTime: '2025-06-01T10:00:03.000Z',
            reason: 'StrimziTimeoutException',
            message:
              'Exceeded timeout of 300000ms while waiting for Pod resource events-events-dual-role-0 in namespace payments to be ready',
          },
        ],
        observedGeneration: 1,
        clusterId: expect.any(String),
      });
      const topic = await read({
        group: 'kafka.strimzi.io',
        version: 'v1',
        kind: 'KafkaTopic',
        namespace: 'payments',
        name: 'payments-v1',
      });
      expect(topic.status).toEqual({
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            lastTransitionTime: '2025-06-01T10:00:03.000Z',
          },
        ],
        observedGeneration: 1,
        topicName: 'payments.v1',
        topicId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      });
      const secret = await read({
        version: 'v1',
        kind: 'Secret',
        namespace: 'payments',
        name: 'events-client',
      });
      expect(secret.data).toEqual({
        again: '++++++++',
        password: '++++++++',
        user: '++++++++++++',
      });
      expect(secret.stringData).toBeUndefined();
      expect(JSON.stringify(secret)).not.toContain('hunter2');
    });
  });
});
