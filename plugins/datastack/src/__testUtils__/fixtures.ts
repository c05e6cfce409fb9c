import type { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import type {
  ComponentUpgrade,
  EntityHealth,
  FleetPage,
  PlatformOperatorsOverview,
  UpgradePlan,
} from '@datastack/plugin-datastack-common';

/** A ResponseError as the backend's error middleware answers a refused permission. */
export function notAllowed(message: string): Promise<ResponseError> {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: 'NotAllowedError', message },
        request: { method: 'GET', url: '/api/datastack' },
        response: { statusCode: 403 },
      }),
      {
        status: 403,
        statusText: 'Forbidden',
        headers: { 'content-type': 'application/json' },
      },
    ),
  );
}

/** Strimzi in three environments, two of them behind; 1.0.0 goes through 0.49.1. */
export const kafkaUpgrade: ComponentUpgrade = {
  entityRef: 'component:default/orders-kafka',
  componentId: 'kafka',
  pipeline: 'orders',
  deployed: [
    {
      instance: 'prod',
      application: 'orders-kafka-prod',
      environment: 'prod',
      cluster: 'eks-prod',
      clusterVersion: 'v1.29.3-eks-a737599',
      chart: {
        repoURL: 'quay.io/strimzi-helm',
        name: 'strimzi-kafka-operator',
        version: '0.45.0',
      },
      appVersion: '0.45.0',
      images: ['quay.io/strimzi/operator:0.45.0'],
      inventory: [
        { group: 'kafka.strimzi.io', version: 'v1beta2', kind: 'Kafka' },
      ],
    },
    {
      instance: 'dev',
      application: 'orders-kafka-dev',
      environment: 'dev',
      cluster: 'kind-dev',
      clusterVersion: 'v1.31.0',
      chart: {
        repoURL: 'quay.io/strimzi-helm',
        name: 'strimzi-kafka-operator',
        version: '0.49.1',
      },
      appVersion: '0.49.1',
      images: [],
      inventory: [],
    },
  ],
  failures: [
    {
      instance: 'staging',
      status: 'unreachable',
      error: 'Argo CD instance "staging" did not answer within 10000 ms',
    },
  ],
  versions: {
    componentId: 'kafka',
    repository: 'oci://quay.io/strimzi-helm',
    chart: 'strimzi-kafka-operator',
    status: 'ok',
    fetchedAt: '2026-11-22T03:00:00Z',
    checkedAt: '2026-11-22T03:00:00Z',
    versionCount: 14,
    latest: '1.2.0',
  },
  candidates: [
    {
      chartVersion: '1.2.0',
      appVersion: '1.2.0',
      deprecated: false,
      majorBump: true,
      created: '2026-10-01T00:00:00Z',
      kubeFit: [
        {
          cluster: 'eks-prod',
          kubeVersion: 'v1.29.3-eks-a737599',
          fits: 'no',
          reason: 'Strimzi 0.51+ supports only Kubernetes >= 1.30',
        },
      ],
      apiFindings: [
        {
          cluster: 'eks-prod',
          kubeVersion: 'v1.29.3-eks-a737599',
          current: [],
          nextMinor: '1.30',
          next: [],
          component: [
            {
              group: 'kafka.strimzi.io',
              version: 'v1beta2',
              kind: 'Kafka',
              status: 'removed',
              deprecatedIn: '0.49.0',
              removedIn: '1.0.0',
              replacement: { group: 'kafka.strimzi.io', version: 'v1' },
              replacementAvailable: true,
              source: 'Strimzi CHANGELOG',
              message:
                'Kafka kafka.strimzi.io/v1beta2 is removed in Strimzi 1.0.0: convert the resources to kafka.strimzi.io/v1 first.',
            },
          ],
        },
      ],
      constraintViolations: [],
      breakingNotes: ['The v1beta2 API of every Strimzi CRD is removed.'],
      hops: ['0.49.1'],
      risk: 'blocking',
      reasons: [
        'eks-prod runs Kubernetes 1.29; 1.2.0 needs 1.30 or newer.',
        'The v1beta2 API of every Strimzi CRD is removed.',
      ],
      blockers: ['eks-prod runs Kubernetes 1.29; 1.2.0 needs 1.30 or newer.'],
    },
    {
      chartVersion: '0.49.1',
      appVersion: '0.49.1',
      deprecated: false,
      majorBump: false,
      kubeFit: [
        {
          cluster: 'eks-prod',
          kubeVersion: 'v1.29.3-eks-a737599',
          fits: 'yes',
          reason:
            'no kubeVersion declared; the registry range >=1.25 admits 1.29',
        },
      ],
      apiFindings: [
        {
          cluster: 'eks-prod',
          kubeVersion: 'v1.29.3-eks-a737599',
          current: [],
          nextMinor: '1.30',
          next: [],
          component: [],
        },
      ],
      constraintViolations: [
        {
          kind: 'required-by',
          componentId: 'flink',
          range: '<0.49.0',
          actualVersion: '1.9.0',
          environment: 'prod',
          reason: 'Flink 1.9 reads Kafka through the v1beta2 API',
          source: 'registry',
        },
      ],
      breakingNotes: [],
      hops: [],
      risk: 'warn',
      reasons: ['flink in prod requires kafka <0.49.0.'],
      blockers: [],
    },
    {
      chartVersion: '0.46.0',
      appVersion: '0.46.0',
      deprecated: false,
      majorBump: false,
      kubeFit: [
        { cluster: 'eks-prod', fits: 'yes', reason: 'no kubeVersion declared' },
      ],
      apiFindings: [],
      constraintViolations: [],
      breakingNotes: [],
      hops: [],
      risk: 'ok',
      reasons: [],
      blockers: [],
    },
  ],
  recommended: '0.49.1',
  latest: '1.2.0',
  valuesDiff: {
    componentId: 'kafka',
    from: '0.45.0',
    to: '0.49.1',
    status: 'ok',
    changes: [
      {
        key: 'watchAnyNamespace',
        change: 'default-changed',
        from: false,
        to: true,
        overriddenIn: ['environments/prod/values/kafka.yaml'],
      },
      { key: 'featureGates', change: 'added', to: '', overriddenIn: [] },
      {
        key: 'kafkaInit.image',
        change: 'removed',
        from: { tag: '0.45.0' },
        overriddenIn: [],
      },
    ],
    affectedOverrides: ['watchAnyNamespace'],
    schemaChanged: false,
    source: 'oci://quay.io/strimzi-helm/strimzi-kafka-operator:0.45.0, 0.49.1',
    fetchedAt: '2026-11-22T03:00:00Z',
  },
  generatedAt: '2026-11-22T04:00:00Z',
};

/** The orders pipeline in dev and prod; trino runs 480 in dev and 476 in prod. */
export const ordersFleet: FleetPage = {
  items: [
    {
      component: 'trino',
      pipeline: 'orders',
      entityRef: 'component:default/orders-trino',
      owner: 'group:default/data-engineering',
      environment: 'dev',
      instance: 'dev',
      application: 'orders-trino-dev',
      url: 'https://argocd-dev.example.com/applications/argocd/orders-trino-dev',
      status: 'healthy',
      sync: 'Synced',
      health: 'Healthy',
      version: '1.42.0',
      lastDeployedAt: '2026-11-21T10:00:00Z',
    },
    {
      component: 'airflow',
      pipeline: 'orders',
      entityRef: 'component:default/orders-airflow',
      owner: 'group:default/data-engineering',
      environment: 'dev',
      instance: 'dev',
      application: 'orders-airflow-dev',
      url: 'https://argocd-dev.example.com/applications/argocd/orders-airflow-dev',
      status: 'healthy',
      sync: 'Synced',
      health: 'Healthy',
      version: '1.16.0',
    },
    {
      // Rendered from the GitOps repository (a Kafka CR), not a chart.
      component: 'kafka',
      pipeline: 'orders',
      entityRef: 'component:default/orders-kafka',
      owner: 'group:default/data-engineering',
      environment: 'dev',
      instance: 'dev',
      application: 'orders-kafka-dev',
      url: 'https://argocd-dev.example.com/applications/argocd/orders-kafka-dev',
      status: 'healthy',
      sync: 'Synced',
      health: 'Healthy',
      revision: '8d7938fbeef340e94a640a5df1290214f5bba055',
    },
    {
      component: 'trino',
      pipeline: 'orders',
      entityRef: 'component:default/orders-trino',
      owner: 'group:default/data-engineering',
      environment: 'prod',
      instance: 'prod',
      application: 'orders-trino-prod',
      url: 'https://argocd-prod.example.com/applications/argocd/orders-trino-prod',
      status: 'degraded',
      sync: 'Synced',
      health: 'Degraded',
      version: '1.38.0',
    },
    {
      component: 'airflow',
      pipeline: 'orders',
      environment: 'prod',
      instance: 'prod',
      application: 'orders-airflow-prod',
      url: 'https://argocd-prod.example.com/applications/argocd/orders-airflow-prod',
      status: 'healthy',
      sync: 'Synced',
      health: 'Healthy',
      version: '1.16.0',
    },
  ],
  total: 5,
  offset: 0,
  limit: 500,
  instances: [
    { instance: 'dev', status: 'ok', fetchedAt: '2026-11-22T04:00:00Z' },
    { instance: 'prod', status: 'ok', fetchedAt: '2026-11-22T04:00:00Z' },
    {
      instance: 'staging',
      status: 'error',
      error: 'Argo CD answered 401: invalid session',
      fetchedAt: '2026-11-22T04:00:00Z',
    },
  ],
};

/** airflow and trino must move; trino after its catalog, and a cycle elsewhere. */
export const ordersPlan: UpgradePlan = {
  scope: 'pipeline',
  pipeline: 'orders',
  steps: [
    {
      order: 2,
      componentId: 'superset',
      pipeline: 'orders',
      environment: 'prod',
      instance: 'prod',
      application: 'orders-superset-prod',
      from: '0.12.0',
      to: '0.14.0',
      hops: ['0.13.0'],
      risk: 'warn',
      blockers: [],
      after: ['trino'],
    },
    {
      order: 1,
      componentId: 'trino',
      pipeline: 'orders',
      environment: 'prod',
      instance: 'prod',
      application: 'orders-trino-prod',
      from: '1.38.0',
      to: '1.42.0',
      hops: [],
      risk: 'blocking',
      blockers: [
        'eks-prod runs Kubernetes 1.24; trino 1.42.0 needs 1.25 or newer.',
      ],
      after: [],
    },
  ],
  cycles: [['dagster', 'dbt']],
  clusters: [
    {
      cluster: 'eks-prod',
      kubeVersion: 'v1.24.17-eks-a737599',
      nextMinor: '1.25',
      breaks: [
        {
          componentId: 'airflow',
          pipeline: 'orders',
          environment: 'prod',
          application: 'orders-airflow-prod',
          findings: [
            {
              group: 'policy',
              version: 'v1beta1',
              kind: 'PodDisruptionBudget',
              status: 'removed',
              deprecatedIn: '1.21',
              removedIn: '1.25',
              replacement: { group: 'policy', version: 'v1' },
              replacementAvailable: true,
              source: 'kubernetes deprecation guide',
              message:
                'PodDisruptionBudget policy/v1beta1 is no longer served in Kubernetes 1.25: migrate to policy/v1.',
            },
          ],
        },
      ],
    },
  ],
  failures: [],
  versions: [
    {
      componentId: 'superset',
      repository: 'https://apache.github.io/superset',
      chart: 'superset',
      status: 'stale',
      fetchedAt: '2026-11-20T04:00:00Z',
      checkedAt: '2026-11-22T04:00:00Z',
      error:
        'GET https://apache.github.io/superset/index.yaml: 503 Service Unavailable',
      versionCount: 40,
      latest: '0.14.0',
    },
  ],
  generatedAt: '2026-11-22T04:00:00Z',
};

/**
 * The platform layer on three Argo CD instances: Strimzi Healthy on dev's own
 * cluster, the Flink operator one version behind the registry with its
 * Deployment down on eks-prod; staging refused Datastack's token; prod has
 * nothing installed.
 */
export const platformOperators: PlatformOperatorsOverview = {
  instances: [
    {
      instance: 'dev',
      uiUrl: 'https://argocd-dev.example.com',
      status: 'ok',
      fetchedAt: '2026-11-30T09:05:00Z',
      operators: [
        {
          instance: 'dev',
          cluster: 'eks-prod',
          server: 'https://eks.example.com',
          componentId: 'flink',
          title: 'Flink Kubernetes operator',
          application: 'platform-flink-eks-prod',
          appNamespace: 'argocd',
          project: 'platform',
          chart: {
            repoURL:
              'https://downloads.apache.org/flink/flink-kubernetes-operator-1.14.0/',
            name: 'flink-kubernetes-operator',
            version: '1.14.0',
          },
          registryVersion: '1.15.0',
          namespace: 'flink-operator',
          sync: 'Synced',
          health: 'Degraded',
          healthMessage:
            'Deployment "flink-kubernetes-operator" exceeded its progress deadline',
          status: 'degraded',
          operatorDeployment: {
            name: 'flink-kubernetes-operator',
            namespace: 'flink-operator',
            available: false,
            health: 'Degraded',
          },
          findings: [
            {
              rule: 'operator-unavailable',
              severity: 'error',
              message:
                'The Flink Kubernetes operator (Deployment flink-kubernetes-operator) is unavailable, so the custom resources it serves on this cluster are not reconciled',
            },
          ],
          url: 'https://argocd-dev.example.com/applications/platform-flink-eks-prod',
          owner: 'group:default/platform',
        },
        {
          instance: 'dev',
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
          registryVersion: '1.2.0',
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
          url: 'https://argocd-dev.example.com/applications/platform-kafka-in-cluster',
          owner: 'group:default/platform',
          lastDeployedAt: '2026-11-30T09:00:00Z',
        },
      ],
    },
    {
      instance: 'staging',
      uiUrl: 'https://argocd-staging.example.com',
      status: 'error',
      error:
        'Argo CD instance "staging" refused GET Applications matching "datastack.io/platform-operator": 403 permission denied',
      fetchedAt: '2026-11-30T09:05:00Z',
      operators: [],
    },
    {
      instance: 'prod',
      uiUrl: 'https://argocd-prod.example.com',
      status: 'ok',
      fetchedAt: '2026-11-30T09:05:00Z',
      operators: [],
    },
  ],
};

/** A pipeline's Kafka component, as the catalog holds it. */
export const ordersKafkaEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'orders-kafka',
    namespace: 'default',
    annotations: { 'datastack.io/component': 'kafka' },
  },
  spec: {},
};

/** Its health: dev Degraded with findings, prod unreachable. */
export const ordersKafkaHealth: EntityHealth = {
  entityRef: 'component:default/orders-kafka',
  lookup: 'selector datastack.io/pipeline=orders,datastack.io/component=kafka',
  status: 'unreachable',
  rows: [
    {
      instance: 'dev',
      status: 'ok',
      fetchedAt: '2026-11-22T04:00:00Z',
      applications: [
        {
          instance: 'dev',
          name: 'orders-kafka-dev',
          url: 'https://argocd-dev.example.com/applications/orders-kafka-dev',
          environment: 'dev',
          project: 'default',
          sync: {
            status: 'Synced',
            revisions: ['1.2.0', '9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912'],
          },
          revisionUrl:
            'https://github.com/acme/orders-gitops/commit/9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912',
          health: { status: 'Degraded' },
          operation: { phase: 'Succeeded' },
          lastDeployedAt: '2026-11-22T03:00:30Z',
          images: [],
          chart: {
            repoURL: 'quay.io/strimzi-helm',
            name: 'strimzi-kafka-operator',
            version: '1.2.0',
          },
          failingResources: [
            {
              version: 'v1',
              kind: 'Kafka',
              namespace: 'orders',
              name: 'orders',
              health: 'Degraded',
              message: 'insufficient brokers',
            },
          ],
          findings: [
            {
              rule: 'strimzi-kafka-ready',
              severity: 'error',
              message: 'Kafka cluster orders is not Ready (Degraded)',
              action:
                'Check the Strimzi cluster operator log: kubectl -n strimzi logs deploy/strimzi-cluster-operator',
            },
          ],
          status: 'degraded',
        },
      ],
    },
    {
      instance: 'prod',
      status: 'unreachable',
      error: 'Argo CD instance "prod" did not answer within 10000 ms',
      fetchedAt: '2026-11-22T04:00:00Z',
      applications: [],
    },
  ],
};
