import { ArgoCdSandbox, startArgoCdSandbox } from '@datastack/argocd-sandbox';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import { ArgoCdClient } from '@datastack/plugin-datastack-node';
import { renderPlatform, Platform } from '../render/platform';
import { checkOperators } from './operators';

// Pre-flight reads the platform Applications of the real sandbox over HTTP,
// as seeded from what "Platform operators" renders.

const registry = createDefaultRegistry();
const PROD_CLUSTER = 'https://prod-eu-1.k8s.example.com';

function platformApps(
  instance: string,
  operators: string[],
  options: {
    versions?: Record<string, string>;
    cluster?: { server?: string; name?: string };
  } = {},
) {
  const platform: Platform = {
    name: 'platform-operators',
    owner: 'group:default/platform',
    team: 'platform',
    description: 'Cluster add-ons',
    repoUrl: 'https://git.example.com/platform/cluster-addons.git',
    repoRevision: 'HEAD',
    argocdNamespace: 'argocd',
    automatedSync: true,
    operators,
    versions: options.versions ?? {},
    clusters: [
      {
        argocdInstance: instance,
        cluster: options.cluster ?? { name: 'in-cluster' },
        size: 'small',
      },
    ],
  };
  return renderPlatform(platform, registry).applications[instance];
}

const seeded = new Map<ArgoCdSandbox, number>();

function seed(
  sandbox: ArgoCdSandbox,
  apps: ReturnType<typeof platformApps>,
  degraded: string[] = [],
) {
  sandbox.seedApplications(apps.length, index => {
    const app = structuredClone(apps[index - 1 - seeded.get(sandbox)!]);
    if (
      degraded.includes(app.metadata.labels!['datastack.io/platform-operator'])
    ) {
      app.metadata.labels!['sandbox.datastack.io/outcome'] = 'degraded';
    }
    return app as any;
  });
  seeded.set(sandbox, seeded.get(sandbox)! + apps.length);
}

describe('checkOperators (Argo CD sandbox over HTTP)', () => {
  let dev: ArgoCdSandbox;
  let prod: ArgoCdSandbox;
  let clients: Map<string, ArgoCdClient>;

  beforeAll(async () => {
    [dev, prod] = await Promise.all(
      ['dev', 'prod'].map(name =>
        startArgoCdSandbox({
          name,
          token: `sandbox-${name}`,
          syncDurationMs: 0,
          clusters: [
            {
              name: 'prod-eu-1',
              server: PROD_CLUSTER,
              serverVersion: 'v1.31.2',
            },
          ],
        }),
      ),
    );
    seeded.set(dev, 0).set(prod, 0);
    clients = new Map(
      [dev, prod].map(s => [
        s.name,
        new ArgoCdClient({
          instance: {
            name: s.name,
            url: s.url,
            uiUrl: s.url,
            auth: { type: 'token', token: `sandbox-${s.name}` },
          },
          timeoutMs: 2000,
        }),
      ]),
    );
    // dev: the whole platform layer, healthy, at the registry's versions.
    seed(
      dev,
      platformApps('dev', [
        'observability',
        'kafka',
        'flink',
        'clickhouse',
        'spark',
      ]),
    );
    // prod: in-cluster has Strimzi 0.45.0 and a degraded Altinity operator,
    // no Flink operator; prod-eu-1 has a current Strimzi only.
    seed(
      prod,
      platformApps('prod', ['kafka', 'clickhouse'], {
        versions: { kafka: '0.45.0' },
      }),
      ['clickhouse'],
    );
    seed(
      prod,
      platformApps('prod', ['kafka'], { cluster: { name: 'prod-eu-1' } }),
    );
    // A tenant's Application with the same chart is no platform operator.
    prod.seedApplications(1, {
      namePrefix: 'tenant',
      charts: ['flink-kubernetes-operator'],
    });
  }, 30_000);

  afterAll(async () => {
    await Promise.all([dev, prod].map(s => s.close()));
  });

  it('finds every operator a pipeline needs on a cluster whose platform layer is complete, by cluster name or server', async () => {
    for (const cluster of [
      { name: 'in-cluster' },
      { server: 'https://kubernetes.default.svc' },
    ]) {
      await expect(
        checkOperators({
          registry,
          components: [
            'kafka',
            'flink',
            'clickhouse',
            'spark',
            'observability',
            'trino',
          ],
          environments: [{ name: 'dev', argocdInstance: 'dev', cluster }],
          clients,
        }),
      ).resolves.toEqual([]);
    }
  });

  it('names the cluster, the operator and the version needed for each missing, outdated or unhealthy operator', async () => {
    const problems = await checkOperators({
      registry,
      components: [{ id: 'kafka' }, { id: 'flink' }, { id: 'clickhouse' }],
      environments: [
        {
          name: 'prod',
          argocdInstance: 'prod',
          cluster: { name: 'in-cluster' },
        },
        {
          name: 'prod-eu',
          argocdInstance: 'prod',
          cluster: { server: PROD_CLUSTER },
        },
      ],
      clients,
    });
    expect(problems.map(p => [p.reason, p.cluster, p.componentId])).toEqual([
      ['version', 'prod/in-cluster', 'kafka'],
      ['missing', 'prod/in-cluster', 'flink'],
      ['unhealthy', 'prod/in-cluster', 'clickhouse'],
      ['missing', `prod/${PROD_CLUSTER}`, 'flink'],
      ['missing', `prod/${PROD_CLUSTER}`, 'clickhouse'],
    ]);
    expect(problems[0]).toEqual(
      expect.objectContaining({
        needed: '>=0.49.0',
        found: '0.45.0',
        application: 'platform-kafka-in-cluster',
        message:
          'cluster prod/in-cluster runs strimzi-kafka-operator 0.45.0, which does not serve kafka.strimzi.io/v1 Kafka, kafka.strimzi.io/v1 KafkaNodePool, kafka.strimzi.io/v1 KafkaTopic; upgrade it to >=0.49.0 with the "Platform operators" template',
      }),
    );
    expect(problems[1].message).toBe(
      'cluster prod/in-cluster has no Flink Kubernetes operator; install flink-kubernetes-operator >=1.0.0 with the "Platform operators" template',
    );
    expect(problems[2].message).toMatch(
      /^Altinity ClickHouse operator on cluster prod\/in-cluster is Degraded.*not Healthy: Application platform-clickhouse-in-cluster must be Healthy/,
    );
    expect(problems[4].message).toBe(
      `cluster prod/${PROD_CLUSTER} (environment prod-eu) has no Altinity ClickHouse operator; install altinity-clickhouse-operator >=0.24.0 with the "Platform operators" template`,
    );
  });

  it('accepts the old operator when the pipeline renders the API versions it serves', async () => {
    await expect(
      checkOperators({
        registry,
        components: ['kafka'],
        environments: [
          {
            name: 'prod',
            argocdInstance: 'prod',
            cluster: { name: 'in-cluster' },
          },
        ],
        clients,
        operatorVersions: { kafka: '0.45.0' },
      }),
    ).resolves.toEqual([]);
  });

  it('reports an Argo CD instance that does not answer, or is not configured, as a problem naming it instead of throwing', async () => {
    dev.setFailureMode('down');
    try {
      const problems = await checkOperators({
        registry,
        components: ['kafka'],
        environments: [
          {
            name: 'dev',
            argocdInstance: 'dev',
            cluster: { name: 'in-cluster' },
          },
          { name: 'qa', argocdInstance: 'qa', cluster: { name: 'in-cluster' } },
        ],
        clients,
      });
      expect(problems.map(p => [p.reason, p.argocdInstance])).toEqual([
        ['unreachable', 'dev'],
        ['unreachable', 'qa'],
      ]);
      expect(problems[0].message).toMatch(
        /^Argo CD instance dev did not answer, so the operators on cluster dev\/in-cluster could not be checked: /,
      );
      expect(problems[1].message).toContain(
        'Argo CD instance "qa" is not configured',
      );
    } finally {
      dev.setFailureMode('none');
    }
  });

  it('asks Argo CD nothing for a pipeline without operator-based components', async () => {
    const before = dev.requests.count;
    await expect(
      checkOperators({
        registry,
        components: ['trino', 'airflow'],
        environments: [
          {
            name: 'dev',
            argocdInstance: 'dev',
            cluster: { name: 'in-cluster' },
          },
        ],
        clients,
      }),
    ).resolves.toEqual([]);
    expect(dev.requests.count).toBe(before);
  });
});
