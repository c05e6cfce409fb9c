import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import type {
  Application,
  ResourceStatus,
} from '@datastack/plugin-datastack-node';
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
