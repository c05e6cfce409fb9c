import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import type {
  Application,
  ResourceStatus,
} from '@datastack/plugin-datastack-node';
import {
  startArgoCdSandbox,
  type ArgoCdSandbox,
} from '@datastack/argocd-sandbox';
import { applicationHealth } from './applicationHealth';

const registry = createDefaultRegistry();

function app(
  labels: Record<string, string>,
  resources: ResourceStatus[],
  health: 'Healthy' | 'Degraded' | 'Progressing' = 'Healthy',
): Application {
  return {
    metadata: { name: 'app', namespace: 'argocd', labels },
    spec: {
      project: 'default',
      source: {
        repoURL: 'https://github.com/acme/orders-gitops.git',
        targetRevision: 'main',
        path: 'environments/dev/instances/kafka',
      },
      destination: { name: 'in-cluster', namespace: 'orders-dev' },
    },
    status: {
      sync: { status: 'Synced', revision: '9f1c2a7e' },
      health: { status: health },
      resources,
    },
  };
}

const health = (a: Application) =>
  applicationHealth(a, { instance: 'dev', url: 'https://argocd/x', registry });

const kafkaInstance = {
  'datastack.io/pipeline': 'orders',
  'datastack.io/component': 'kafka',
  'datastack.io/environment': 'dev',
};

const resource = (
  kind: string,
  name: string,
  status: 'Healthy' | 'Degraded' | 'Progressing',
  group = 'apps',
  message?: string,
): ResourceStatus => ({
  group,
  version: 'v1',
  kind,
  namespace: 'orders-dev',
  name,
  status: 'Synced',
  health: { status, ...(message && { message }) },
});

describe('applicationHealth findings', () => {
  it('does not look for the operator in a pipeline instance Application, which never contains it', () => {
    // The instance: a Kafka and its node pool, no operator Deployment anywhere.
    const result = health(
      app(kafkaInstance, [
        resource('Kafka', 'orders', 'Healthy', 'kafka.strimzi.io'),
        resource('KafkaNodePool', 'dual-role', 'Healthy', 'kafka.strimzi.io'),
      ]),
    );
    expect(result.findings).toEqual([]);
    expect(result.status).toBe('healthy');
  });

  it('leaves an unwell Deployment of a pipeline named like the operator to Argo CD, without an operator finding', () => {
    const result = health(
      app(
        kafkaInstance,
        [resource('Deployment', 'orders-strimzi-cluster-operator', 'Degraded')],
        'Degraded',
      ),
    );
    expect(result.findings.map(f => f.rule)).toEqual([]);
    expect(result.status).toBe('degraded');
  });

  it('keeps the Kafka, Flink and Spark rules on instance Applications', () => {
    const result = health(
      app(
        kafkaInstance,
        [
          resource(
            'Kafka',
            'orders',
            'Progressing',
            'kafka.strimzi.io',
            'Kafka cluster is being created',
          ),
          resource(
            'FlinkDeployment',
            'session',
            'Degraded',
            'flink.apache.org',
          ),
          resource(
            'SparkApplication',
            'nightly',
            'Degraded',
            'sparkoperator.k8s.io',
            'driver pod failed',
          ),
        ],
        'Progressing',
      ),
    );
    expect(result.findings.map(f => [f.rule, f.severity, f.message])).toEqual([
      [
        'strimzi-kafka-ready',
        'warning',
        'Kafka cluster orders is not Ready yet: Kafka cluster is being created',
      ],
      ['flink-job-state', 'error', 'Flink job session is failing'],
      [
        'spark-application-state',
        'error',
        'Spark application nightly failed: driver pod failed',
      ],
    ]);
    expect(result.status).toBe('degraded');
  });

  it('raises operator-unavailable on a platform operator Application whose Deployment is unwell', () => {
    const result = health(
      app(
        { 'datastack.io/platform-operator': 'kafka' },
        [
          resource(
            'Deployment',
            'strimzi-cluster-operator',
            'Progressing',
            'apps',
            'Waiting for rollout to finish: 0 of 1 updated replicas are available...',
          ),
        ],
        'Progressing',
      ),
    );
    expect(result.findings).toEqual([
      {
        rule: 'operator-unavailable',
        severity: 'error',
        message:
          'The Strimzi operator (Deployment strimzi-cluster-operator) is unavailable, so the custom resources it serves on this cluster are not reconciled: Waiting for rollout to finish: 0 of 1 updated replicas are available...',
        resource: {
          kind: 'Deployment',
          name: 'strimzi-cluster-operator',
          namespace: 'orders-dev',
        },
      },
    ]);
    // Argo CD says Progressing; an operator that serves no one is degraded.
    expect(result.status).toBe('degraded');
  });

  it('finds the operator Deployment behind a release prefix, and none when it is Healthy', () => {
    const unwell = health(
      app({ 'datastack.io/platform-operator': 'flink' }, [
        resource(
          'Deployment',
          'platform-flink-kubernetes-operator',
          'Degraded',
        ),
      ]),
    );
    expect(unwell.findings.map(f => f.rule)).toEqual(['operator-unavailable']);

    const well = health(
      app({ 'datastack.io/platform-operator': 'flink' }, [
        resource('Deployment', 'flink-kubernetes-operator', 'Healthy'),
        resource('Deployment', 'flink-webhook', 'Degraded'),
      ]),
    );
    expect(well.findings).toEqual([]);
  });
});

describe('applicationHealth through a sync, as Argo CD progresses it (the sandbox)', () => {
  const SYNC_MS = 5_000;
  let clock = Date.parse('2026-12-02T14:00:00Z');
  let sandbox: ArgoCdSandbox;

  beforeAll(async () => {
    sandbox = await startArgoCdSandbox({
      name: 'dev',
      syncDurationMs: SYNC_MS,
      now: () => clock,
    });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  const read = (deadlineMs?: number) => {
    // The sandbox types `apiVersion` as any string; the payload is Argo CD's.
    const a = sandbox.applications()[0] as Application;
    return applicationHealth(a, {
      instance: 'dev',
      url: 'https://argocd/x',
      registry,
      now: clock,
      ...(deadlineMs !== undefined && { progressDeadlineMs: deadlineMs }),
    });
  };

  /**
   * Creates a never-synced Strimzi operator Application and asks Argo CD to
   * sync it, as the card's Sync button does.
   */
  const seedOperator = async (labels: Record<string, string> = {}) => {
    sandbox.seedApplications(1, {
      namePrefix: 'platform-kafka',
      charts: ['strimzi-kafka-operator'],
      deployed: false,
      automated: false,
      labels: { 'datastack.io/platform-operator': 'kafka', ...labels },
    });
    const before = read();
    const [a] = sandbox.applications();
    const res = await fetch(
      `${sandbox.url}/api/v1/applications/${a.metadata.name}/sync?appNamespace=argocd`,
      { method: 'POST', body: JSON.stringify({}) },
    );
    expect(res.status).toBe(200);
    return before;
  };

  it('is progressing, never degraded, while a normal sync runs, and healthy after it', async () => {
    const start = Date.parse('2026-12-02T14:00:00Z');
    clock = start;
    const before = await seedOperator();
    // Created, not synced yet: Argo CD's OutOfSync/Missing, not a failure.
    expect([before.sync.status, before.health.status]).toEqual([
      'OutOfSync',
      'Missing',
    ]);
    expect(before.status).toBe('progressing');
    expect(before.findings.every(f => f.pendingUntil)).toBe(true);
    const seen: Array<[string, string, string | undefined, string]> = [];
    for (const at of [0, 1_000, 2_500, 4_999]) {
      clock = start + at;
      const h = read();
      seen.push([h.sync.status, h.health.status, h.operation?.phase, h.status]);
      expect(h.status).toBe('progressing');
      expect(h.settling).toMatchObject({ syncing: true });
      // The unready operator is what the sync waits for, not a problem yet.
      expect(h.findings.every(f => f.pendingUntil)).toBe(true);
    }
    expect(seen[0]).toEqual([
      'OutOfSync',
      'Progressing',
      'Running',
      'progressing',
    ]);
    expect(seen.some(([, , , s]) => s === 'degraded')).toBe(false);

    clock = start + SYNC_MS + 1;
    const done = read();
    expect([
      done.sync.status,
      done.health.status,
      done.operation?.phase,
    ]).toEqual(['Synced', 'Healthy', 'Succeeded']);
    expect(done.status).toBe('healthy');
    expect(done.settling).toBeUndefined();
    expect(done.findings).toEqual([]);
  });

  it('fires the operator rule when the sync runs past its progress deadline', async () => {
    clock = Date.parse('2026-12-02T15:00:00Z');
    await seedOperator();
    clock += 2_000;
    const withinDeadline = read(60_000);
    expect(withinDeadline.status).toBe('progressing');

    // The same moment, with a deadline already passed.
    const past = read(1_000);
    expect(past.findings.map(f => [f.rule, f.pendingUntil])).toEqual([
      ['operator-unavailable', undefined],
    ]);
    expect(past.status).toBe('degraded');
  });

  it('is degraded when Argo CD reports the synced Application Degraded', async () => {
    clock = Date.parse('2026-12-02T16:00:00Z');
    await seedOperator({ 'sandbox.datastack.io/outcome': 'degraded' });
    expect(read().status).toBe('progressing');
    clock += SYNC_MS + 1;
    const h = read();
    expect(h.health.status).toBe('Degraded');
    expect(h.settling).toBeUndefined();
    expect(h.status).toBe('degraded');
    expect(h.findings.map(f => f.rule)).toEqual(['operator-unavailable']);
  });

  it('is degraded when the sync operation fails', async () => {
    clock = Date.parse('2026-12-02T17:00:00Z');
    await seedOperator({ 'sandbox.datastack.io/outcome': 'failed' });
    clock += SYNC_MS + 1;
    const h = read();
    expect(h.operation?.phase).toBe('Failed');
    expect(h.status).toBe('degraded');
  });
});
