import { mockServices } from '@backstage/backend-test-utils';
import type { ApplicationHealth } from '@datastack/plugin-datastack-common';
import {
  ArgoCdRequestError,
  type Application,
  type ArgoCdClient,
} from '@datastack/plugin-datastack-node';
import { CustomResourceStatuses } from './CustomResourceStatuses';

// The Strimzi Kafka status of Argo CD's
// resource_customizations/kafka.strimzi.io/Kafka/testdata/degraded.yaml.
const degradedKafka = {
  apiVersion: 'kafka.strimzi.io/v1beta2',
  kind: 'Kafka',
  metadata: { name: 'orders', namespace: 'orders-dev-kafka', generation: 1 },
  spec: {},
  status: {
    conditions: [
      {
        type: 'NotReady',
        status: 'True',
        reason: 'TimeoutException',
        message:
          'Exceeded timeout of 300000ms while waiting for StatefulSet resource orders-kafka to be ready',
      },
    ],
    observedGeneration: 1,
  },
};

function application(
  resources: NonNullable<Application['status']>['resources'],
): Application {
  return {
    metadata: { name: 'orders-kafka-dev', namespace: 'argocd' },
    spec: {
      project: 'data-engineering',
      destination: { name: 'in-cluster', namespace: 'orders-dev-kafka' },
    },
    status: { resources },
  } as Application;
}

const kafkaResource = (
  status: 'Healthy' | 'Progressing' | 'Degraded' | 'Missing',
) => ({
  group: 'kafka.strimzi.io',
  version: 'v1beta2',
  kind: 'Kafka',
  namespace: 'orders-dev-kafka',
  name: 'orders',
  status: 'Synced' as const,
  health: { status, message: 'Kafka cluster is not ready' },
});

const health = (findings: ApplicationHealth['findings']) =>
  ({ name: 'orders-kafka-dev', findings } as ApplicationHealth);

function client(answer: () => Promise<Record<string, unknown>>) {
  const getResource = jest.fn(answer);
  return {
    client: { name: 'dev', getResource } as unknown as ArgoCdClient,
    getResource,
  };
}

describe('CustomResourceStatuses', () => {
  const statuses = () =>
    new CustomResourceStatuses({
      cache: mockServices.cache.mock({
        get: jest.fn(async () => undefined),
        set: jest.fn(async () => {}),
      }),
      logger: mockServices.logger.mock(),
    });

  it("puts the operator's message and action on the resource's finding", async () => {
    const { client: argocd, getResource } = client(async () => degradedKafka);
    const app = application([kafkaResource('Degraded')]);
    const result = await statuses().withReadings(
      argocd,
      app,
      health([
        {
          rule: 'strimzi-kafka-ready',
          severity: 'error',
          message: 'Kafka cluster orders is not Ready (Degraded)',
          resource: {
            kind: 'Kafka',
            name: 'orders',
            namespace: 'orders-dev-kafka',
          },
        },
      ]),
    );
    expect(getResource).toHaveBeenCalledWith({
      application: 'orders-kafka-dev',
      appNamespace: 'argocd',
      project: 'data-engineering',
      namespace: 'orders-dev-kafka',
      name: 'orders',
      group: 'kafka.strimzi.io',
      version: 'v1beta2',
      kind: 'Kafka',
    });
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'strimzi-kafka-ready',
        severity: 'error',
        message: expect.stringContaining(
          'TimeoutException: Exceeded timeout of 300000ms',
        ),
        action: expect.stringContaining('logs deploy/strimzi-cluster-operator'),
      }),
    ]);
  });

  it('adds a finding of its own for a resource without one, pending while the Application settles', async () => {
    const { client: argocd } = client(async () => ({
      ...degradedKafka,
      status: {
        conditions: [
          {
            type: 'NotReady',
            status: 'True',
            reason: 'Creating',
            message: 'Kafka cluster is being deployed',
          },
        ],
      },
    }));
    const result = await statuses().withReadings(
      argocd,
      application([kafkaResource('Progressing')]),
      {
        ...health([]),
        settling: {
          syncing: true,
          since: '2026-12-03T10:00:00Z',
          until: '2026-12-03T10:10:00Z',
        },
      },
    );
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'custom-resource-status',
        severity: 'warning',
        pendingUntil: '2026-12-03T10:10:00Z',
        resource: {
          kind: 'Kafka',
          name: 'orders',
          namespace: 'orders-dev-kafka',
        },
      }),
    ]);
  });

  it('reads a Progressing resource only once the progress deadline has passed, and a Degraded one at once', async () => {
    const { client: argocd, getResource } = client(async () => degradedKafka);
    const settling = (until: number) => ({
      ...health([]),
      settling: {
        syncing: true,
        since: new Date(until - 600_000).toISOString(),
        until: new Date(until).toISOString(),
      },
    });
    const during = settling(Date.now() + 60_000);
    await statuses().withReadings(
      argocd,
      application([kafkaResource('Progressing')]),
      during,
    );
    expect(getResource).not.toHaveBeenCalled();
    await statuses().withReadings(
      argocd,
      application([kafkaResource('Degraded')]),
      during,
    );
    expect(getResource).toHaveBeenCalledTimes(1);
    const result = await statuses().withReadings(
      argocd,
      application([kafkaResource('Progressing')]),
      settling(Date.now() - 1_000),
    );
    expect(getResource).toHaveBeenCalledTimes(2);
    expect(result.findings).toEqual([
      expect.objectContaining({ rule: 'custom-resource-status' }),
    ]);
  });

  it('reads nothing for healthy, missing or unknown kinds, so a healthy fleet costs Argo CD nothing', async () => {
    const { client: argocd, getResource } = client(async () => degradedKafka);
    const input = health([]);
    const result = await statuses().withReadings(
      argocd,
      application([
        kafkaResource('Healthy'),
        { ...kafkaResource('Missing'), name: 'gone' },
        {
          version: 'v1',
          kind: 'ConfigMap',
          name: 'x',
          status: 'Synced' as const,
          health: { status: 'Degraded' as const },
        },
      ]),
      input,
    );
    expect(getResource).not.toHaveBeenCalled();
    expect(result).toBe(input);
  });

  it("keeps Argo CD's own message when the live object cannot be read, and asks again only after the reading's time", async () => {
    const { client: argocd, getResource } = client(async () => {
      throw new ArgoCdRequestError({
        instance: 'dev',
        failure: 'forbidden',
        message: 'Argo CD instance "dev" refused: 403 permission denied',
      });
    });
    const service = statuses();
    const finding = {
      rule: 'strimzi-kafka-ready',
      severity: 'error' as const,
      message: 'Kafka cluster orders is not Ready (Degraded)',
      resource: {
        kind: 'Kafka',
        name: 'orders',
        namespace: 'orders-dev-kafka',
      },
    };
    const app = application([kafkaResource('Degraded')]);
    for (let i = 0; i < 3; i++) {
      const result = await service.withReadings(argocd, app, health([finding]));
      expect(result.findings).toEqual([finding]);
    }
    expect(getResource).toHaveBeenCalledTimes(1);
  });
});
