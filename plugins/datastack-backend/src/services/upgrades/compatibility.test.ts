import {
  ChartRelease,
  createDefaultRegistry,
  kubernetesApiDeprecations,
  UpgradeCandidate,
} from '@datastack/plugin-datastack-common';
import {
  CompatibilityContext,
  evaluateCandidate,
  hopsFor,
  kubeFit,
  newerReleases,
  recommendedCandidate,
} from './compatibility';
import { findCycles, orderPlan, PlanItem } from './plan';

const registry = createDefaultRegistry();

function release(
  componentId: string,
  chartVersion: string,
  extra: Partial<ChartRelease> = {},
): ChartRelease {
  return {
    componentId,
    chartVersion,
    appVersion: chartVersion,
    deprecated: false,
    dependencies: [],
    urls: [`https://charts.example.com/${componentId}-${chartVersion}.tgz`],
    breakingNotes: [],
    ...extra,
  };
}

describe('kubeFit', () => {
  it.each([
    // range, cluster version, fits, reason contains
    [undefined, 'v1.29.3', 'yes', 'declares no kubeVersion'],
    ['>=1.25.0-0', 'v1.29.3-eks-4b2f1a7', 'yes', 'is in'],
    ['>=1.25.0', 'v1.29.3-eks-4b2f1a7', 'no', 'has no "-0" suffix'],
    ['>=1.25.0', 'v1.29.3', 'yes', 'is in'],
    ['>=1.25.0', '1.29', 'yes', 'is in'],
    ['>=1.25.0', '1.29+', 'yes', 'is in'],
    ['>=1.30.0-0', 'v1.29.3-gke.1200', 'no', 'outside'],
    ['>=1.30.0-0', 'v1.30.1+k3s1', 'yes', 'is in'],
    ['>=1.21.0-0 <1.30.0-0', 'v1.30.0', 'no', 'outside'],
    ['>=1.21.0-0 <1.30.0-0', 'v1.29.9', 'yes', 'is in'],
    ['not a range', 'v1.29.3', 'unknown', 'not a SemVer range'],
    ['>=1.25.0-0', undefined, 'unknown', 'unknown'],
    ['>=1.25.0-0', 'banana', 'unknown', 'Helm can compare'],
  ])('%s against %s: %s', (range, version, fits, reason) => {
    const fit = kubeFit(range, 'prod-eu', version);
    expect(fit.fits).toBe(fits);
    expect(fit.reason).toContain(reason);
    expect(fit.cluster).toBe('prod-eu');
  });
});

describe('evaluateCandidate', () => {
  const kafka = registry.get('kafka');
  const strimziReleases = [
    '1.2.0',
    '1.1.0',
    '1.0.0',
    '0.49.1',
    '0.49.0',
    '0.48.0',
  ].map(v => release('kafka', v, { kubeVersion: '>=1.30.0-0' }));
  const v1beta2Kafka = {
    group: 'kafka.strimzi.io',
    version: 'v1beta2',
    kind: 'Kafka',
  };
  const context = (
    overrides: Partial<CompatibilityContext> = {},
  ): CompatibilityContext => ({
    component: kafka,
    registry,
    from: '0.48.0',
    deployments: [
      {
        cluster: 'dev',
        clusterVersion: 'v1.31.2',
        environment: 'dev',
        inventory: [v1beta2Kafka],
      },
    ],
    peers: [
      { componentId: 'observability', environment: 'dev', version: '88.3.0' },
    ],
    releases: strimziReleases,
    ...overrides,
  });

  it('blocks Strimzi 1.x over live v1beta2 resources and routes it through 0.49', () => {
    const candidate = evaluateCandidate(context(), strimziReleases[0]);
    expect(candidate.risk).toBe('blocking');
    expect(candidate.hops).toEqual(['0.49.1']);
    expect(candidate.apiFindings[0].component.map(f => f.status)).toEqual([
      'removed',
    ]);
    expect(candidate.blockers.join('\n')).toContain(
      'kafka.strimzi.io/v1beta2 Kafka was removed in Strimzi 1.0.0',
    );
    expect(candidate.breakingNotes[0]).toContain('v1beta2 is no longer served');
  });

  it('passes 0.49.1, which still serves v1beta2, with the deprecation as a warning', () => {
    const candidate = evaluateCandidate(context(), strimziReleases[3]);
    expect(candidate.risk).toBe('warn');
    expect(candidate.blockers).toEqual([]);
    expect(candidate.hops).toEqual([]);
    expect(candidate.reasons.join('\n')).toContain('deprecated');
  });

  it('blocks a version whose kubeVersion excludes a cluster, naming the cluster', () => {
    const candidate = evaluateCandidate(
      context({
        deployments: [
          {
            cluster: 'old',
            clusterVersion: 'v1.29.8-eks-a1',
            environment: 'dev',
            inventory: [],
          },
          {
            cluster: 'new',
            clusterVersion: 'v1.31.0',
            environment: 'dev',
            inventory: [],
          },
        ],
      }),
      strimziReleases[3],
    );
    expect(candidate.kubeFit.map(f => [f.cluster, f.fits])).toEqual([
      ['old', 'no'],
      ['new', 'yes'],
    ]);
    expect(candidate.risk).toBe('blocking');
    expect(candidate.blockers[0]).toMatch(/^old: /);
  });

  it('reports constraints both ways: what the candidate needs, and who needs it', () => {
    // Kafka needs observability >=9.0.0; Flink needs Kafka >=0.45.0.
    const needs = evaluateCandidate(
      context({
        from: '0.48.0',
        deployments: [
          {
            cluster: 'dev',
            clusterVersion: 'v1.31.0',
            environment: 'dev',
            inventory: [],
          },
        ],
        peers: [
          {
            componentId: 'observability',
            environment: 'dev',
            version: '8.1.0',
          },
        ],
      }),
      strimziReleases[3],
    );
    expect(needs.constraintViolations).toEqual([
      expect.objectContaining({
        kind: 'requires',
        componentId: 'observability',
        range: '>=9.0.0',
        actualVersion: '8.1.0',
        environment: 'dev',
      }),
    ]);
    expect(needs.risk).toBe('blocking');

    const flinkContext: CompatibilityContext = {
      component: kafka,
      registry,
      from: '0.48.0',
      deployments: [
        {
          cluster: 'dev',
          clusterVersion: 'v1.31.0',
          environment: 'dev',
          inventory: [],
        },
      ],
      peers: [{ componentId: 'flink', environment: 'dev', version: '1.15.0' }],
      releases: [release('kafka', '0.44.0'), ...strimziReleases],
    };
    expect(
      evaluateCandidate(flinkContext, release('kafka', '0.44.0'))
        .constraintViolations,
    ).toEqual([
      expect.objectContaining({
        kind: 'required-by',
        componentId: 'flink',
        range: '>=0.45.0',
      }),
    ]);
    // A peer in another environment does not constrain this one.
    expect(
      evaluateCandidate(
        {
          ...flinkContext,
          peers: [
            { componentId: 'flink', environment: 'prod', version: '1.15.0' },
          ],
        },
        release('kafka', '0.44.0'),
      ).constraintViolations,
    ).toEqual([]);
  });

  it('warns about next-minor API removals, deprecated charts and SemVer-breaking jumps', () => {
    const trino = registry.get('trino');
    const candidate = evaluateCandidate(
      {
        component: trino,
        registry,
        from: '0.30.0',
        deployments: [
          {
            cluster: 'dev',
            clusterVersion: '1.31',
            environment: 'dev',
            inventory: [
              {
                group: 'flowcontrol.apiserver.k8s.io',
                version: 'v1beta3',
                kind: 'FlowSchema',
              },
            ],
          },
        ],
        peers: [],
        releases: [],
      },
      release('trino', '1.42.2', { deprecated: true }),
    );
    expect(candidate.risk).toBe('warn');
    expect(candidate.apiFindings[0].nextMinor).toBe('1.32');
    expect(candidate.apiFindings[0].next.map(f => f.status)).toEqual([
      'removed',
    ]);
    expect(candidate.reasons.join('\n')).toMatch(
      /upgrading the cluster to 1\.32 would break it/,
    );
    expect(candidate.reasons.join('\n')).toMatch(/marked deprecated/);
    expect(candidate.reasons.join('\n')).toMatch(/breaking change by SemVer/);
  });

  it('is ok when nothing stands in the way', () => {
    const candidate = evaluateCandidate(
      context({
        from: '1.1.0',
        deployments: [
          {
            cluster: 'dev',
            clusterVersion: 'v1.31.0',
            environment: 'dev',
            inventory: [],
          },
        ],
      }),
      strimziReleases[0],
    );
    expect(candidate).toMatchObject<Partial<UpgradeCandidate>>({
      risk: 'ok',
      reasons: [],
      blockers: [],
      hops: [],
    });
  });
});

describe('hopsFor', () => {
  const kafka = registry.get('kafka');
  it('finds the newest release in the hop range, and says when none is published', () => {
    const releases = ['1.2.0', '0.49.2', '0.49.0'].map(v =>
      release('kafka', v),
    );
    expect(hopsFor(kafka, '0.45.0', '1.2.0', releases).hops).toEqual([
      '0.49.2',
    ]);
    expect(hopsFor(kafka, '0.49.0', '1.2.0', releases).hops).toEqual([]);
    expect(hopsFor(kafka, '0.45.0', '0.49.2', releases).hops).toEqual([]);
    expect(
      hopsFor(kafka, '0.45.0', '1.2.0', [release('kafka', '1.2.0')]).missing,
    ).toMatch(/no published version in >=0.49.0 <1.0.0/);
  });
});

describe('recommendedCandidate', () => {
  const trinoContext = (from: string): CompatibilityContext => ({
    component: registry.get('trino'),
    registry,
    from,
    deployments: [
      {
        cluster: 'dev',
        clusterVersion: 'v1.31.0',
        environment: 'dev',
        inventory: [],
      },
    ],
    peers: [],
    releases: [],
  });
  const candidatesFrom = (from: string, releases: ChartRelease[]) =>
    newerReleases(releases, from, 10).map(r =>
      evaluateCandidate(trinoContext(from), r),
    );

  it('recommends the newest safe minor, not the newer breaking major, which stays the latest', () => {
    const candidates = candidatesFrom('1.42.0', [
      release('trino', '2.0.0'),
      release('trino', '1.43.1'),
      release('trino', '1.43.0'),
    ]);
    expect(candidates.map(c => [c.chartVersion, c.majorBump])).toEqual([
      ['2.0.0', true],
      ['1.43.1', false],
      ['1.43.0', false],
    ]);
    expect(candidates[0].reasons.join('\n')).toMatch(
      /breaking change by SemVer/,
    );
    expect(recommendedCandidate(candidates)?.chartVersion).toBe('1.43.1');
  });

  it('skips a blocked minor, and recommends nothing when only a major is left', () => {
    const candidates = candidatesFrom('1.42.0', [
      release('trino', '2.0.0'),
      release('trino', '1.43.1', { kubeVersion: '>=1.33.0-0' }),
      release('trino', '1.43.0'),
    ]);
    expect(candidates[1].risk).toBe('blocking');
    expect(recommendedCandidate(candidates)?.chartVersion).toBe('1.43.0');
    expect(
      recommendedCandidate(
        candidatesFrom('1.43.1', [release('trino', '2.0.0')]),
      ),
    ).toBeUndefined();
  });

  it('reads 0.x → 1.0 as a major, 0.x minors as upgrades with a SemVer warning', () => {
    const candidates = candidatesFrom('0.45.0', [
      release('trino', '1.0.0'),
      release('trino', '0.46.0'),
    ]);
    expect(candidates.map(c => c.majorBump)).toEqual([true, false]);
    expect(candidates[1].risk).toBe('warn');
    expect(recommendedCandidate(candidates)?.chartVersion).toBe('0.46.0');
  });
});

describe('newerReleases', () => {
  it('lists newer versions newest first, without pre-releases unless deployed one is', () => {
    const releases = ['2.0.0-rc.1', '1.3.0', '1.2.0', '1.1.0'].map(v =>
      release('trino', v),
    );
    expect(
      newerReleases(releases, '1.1.0', 10).map(r => r.chartVersion),
    ).toEqual(['1.3.0', '1.2.0']);
    expect(
      newerReleases(releases, '1.9.0-rc.1', 10).map(r => r.chartVersion),
    ).toEqual(['2.0.0-rc.1']);
    expect(
      newerReleases(releases, '1.1.0', 1).map(r => r.chartVersion),
    ).toEqual(['1.3.0']);
  });
});

describe('API removal data', () => {
  // Each removed Kubernetes API is found at its removal and not one minor before.
  const removed = kubernetesApiDeprecations.filter(r => r.removedIn);
  it.each(removed.map(r => [`${r.group || 'core'}/${r.version} ${r.kind}`, r]))(
    '%s',
    (_name, row) => {
      const trino = registry.get('trino');
      const at = (version: string) =>
        evaluateCandidate(
          {
            component: trino,
            registry,
            from: '1.0.0',
            deployments: [
              { cluster: 'c', clusterVersion: version, inventory: [row] },
            ],
            peers: [],
            releases: [],
          },
          release('trino', '1.0.1'),
        ).apiFindings[0];
      const [major, minor] = row.removedIn!.split('.').map(Number);
      const before = `${major}.${minor - 1}`;
      expect(
        at(`${before}.0`).current.filter(f => f.status === 'removed'),
      ).toEqual([]);
      expect(at(`${before}.0`).next.map(f => f.status)).toEqual(['removed']);
      expect(at(`${row.removedIn}.0`).current.map(f => f.status)).toEqual([
        'removed',
      ]);
    },
  );
});

describe('orderPlan', () => {
  const candidate = (
    chartVersion: string,
    extra: Partial<UpgradeCandidate> = {},
  ): UpgradeCandidate => ({
    chartVersion,
    deprecated: false,
    majorBump: false,
    kubeFit: [],
    apiFindings: [],
    constraintViolations: [],
    breakingNotes: [],
    hops: [],
    risk: 'ok',
    reasons: [],
    blockers: [],
    ...extra,
  });
  const item = (
    componentId: string,
    environment: string,
    extra: Partial<PlanItem> = {},
  ): PlanItem => ({
    componentId,
    pipeline: 'orders',
    environment,
    instance: environment,
    application: `orders-${componentId}-${environment}`,
    from: '1.0.0',
    target: candidate('2.0.0'),
    ...extra,
  });

  it('moves what a component requires first, and dev before staging before prod', () => {
    // flink requires kafka, kafka requires observability.
    const { steps, cycles } = orderPlan(
      [
        item('flink', 'prod'),
        item('kafka', 'prod'),
        item('observability', 'prod'),
        item('flink', 'dev'),
        item('kafka', 'dev'),
        item('trino', 'staging'),
      ],
      registry,
    );
    expect(cycles).toEqual([]);
    expect(
      steps.map(s => `${s.order} ${s.environment} ${s.componentId}`),
    ).toEqual([
      '1 dev kafka',
      '2 dev flink',
      '3 staging trino',
      '4 prod observability',
      '5 prod kafka',
      '6 prod flink',
    ]);
    expect(steps.find(s => s.componentId === 'flink')!.after).toEqual([
      'kafka',
    ]);
  });

  it('reports a cycle instead of looping, and blocks its steps', () => {
    const cyclic = createDefaultRegistry().withOverrides({
      observability: {
        requires: [
          {
            componentId: 'kafka',
            range: '>=0.1.0',
            reason: 'test cycle',
            source: 'test',
          },
        ],
      },
    });
    const { steps, cycles } = orderPlan(
      [
        item('kafka', 'dev'),
        item('observability', 'dev'),
        item('trino', 'dev'),
      ],
      cyclic,
    );
    expect(cycles).toHaveLength(1);
    expect([...cycles[0]].sort()).toEqual(['kafka', 'observability']);
    expect(steps.map(s => s.componentId)).toEqual([
      'trino',
      'kafka',
      'observability',
    ]);
    expect(steps[1]).toMatchObject({ risk: 'blocking' });
    expect(steps[1].blockers[0]).toMatch(
      /dependency cycle (kafka → observability → kafka|observability → kafka → observability)/,
    );
  });

  it('finds self-loops and longer cycles', () => {
    expect(findCycles(['a'], new Map([['a', ['a']]]))).toEqual([['a']]);
    expect(
      findCycles(
        ['a', 'b', 'c', 'd'],
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ).map(c => c.length),
    ).toEqual([3]);
  });
});
