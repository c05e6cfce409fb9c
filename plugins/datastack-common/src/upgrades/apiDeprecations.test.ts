import semver from 'semver';
import {
  ApiDeprecation,
  compareMinor,
  componentApiDeprecations,
  findApiFindings,
  findComponentApiFindings,
  formatApiVersion,
  kubernetesApiDeprecations,
  nextMinor,
  parseApiVersion,
  parseKubeMinor,
} from './apiDeprecations';

function gvk({ group, version, kind }: ApiDeprecation) {
  return { group, version, kind };
}

function previousMinor(version: string): string {
  const parsed = parseKubeMinor(version);
  if (!parsed || parsed.minor === 0) {
    throw new Error(`no previous minor for ${version}`);
  }
  return `${parsed.major}.${parsed.minor - 1}`;
}

const removedRows = kubernetesApiDeprecations.filter(
  (row): row is ApiDeprecation & { removedIn: string } =>
    row.removedIn !== undefined,
);

const rowsWithReplacement = kubernetesApiDeprecations.filter(
  (row): row is ApiDeprecation & { replacementAvailableIn: string } =>
    row.replacement !== undefined && row.replacementAvailableIn !== undefined,
);

const rowsWithoutReplacement = kubernetesApiDeprecations.filter(
  row => row.replacement === undefined,
);

const componentRemovedRows = componentApiDeprecations.filter(
  (row): row is ApiDeprecation & { removedIn: string } =>
    row.removedIn !== undefined,
);

describe('kubernetesApiDeprecations', () => {
  it('has one row per group, version and kind', () => {
    const keys = kubernetesApiDeprecations.map(
      row => `${row.group}/${row.version}/${row.kind}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('covers every release of the deprecation guide with removals', () => {
    const counts: Record<string, number> = {};
    for (const row of removedRows) {
      counts[row.removedIn] = (counts[row.removedIn] ?? 0) + 1;
    }
    expect(counts).toEqual({
      '1.16': 14,
      '1.22': 23,
      '1.25': 7,
      '1.26': 3,
      '1.27': 1,
      '1.29': 2,
      '1.32': 2,
    });
  });

  it.each(kubernetesApiDeprecations)(
    '$group/$version $kind is a well-formed Kubernetes row',
    row => {
      expect(row.scope).toBe('kubernetes');
      expect(row.versionOf ?? 'kubernetes').toBe('kubernetes');
      expect(row.source).not.toBe('');
      const releases = [
        row.deprecatedIn,
        row.removedIn,
        row.replacementAvailableIn,
      ].filter((release): release is string => release !== undefined);
      expect(releases.filter(release => !/^1\.\d+$/.test(release))).toEqual([]);
      expect(
        compareMinor(row.deprecatedIn, row.removedIn ?? '1.999'),
      ).toBeLessThan(0);
    },
  );

  it('records when every replacement became available', () => {
    expect(
      kubernetesApiDeprecations.filter(
        row => row.replacement && row.replacementAvailableIn === undefined,
      ),
    ).toEqual([]);
  });

  it.each(rowsWithReplacement)(
    '$group/$version $kind has a replacement served before $removedIn',
    row => {
      // Users must be able to migrate before the old version goes away.
      expect(
        compareMinor(row.replacementAvailableIn, row.removedIn ?? '1.999'),
      ).toBeLessThanOrEqual(0);
    },
  );

  it.each(rowsWithoutReplacement)(
    '$group/$version $kind explains why it has no replacement',
    row => {
      expect(row.replacementAvailableIn).toBeUndefined();
      expect(row.notes).toEqual(expect.any(String));
    },
  );

  it.each(removedRows)(
    '$group/$version $kind is removed in $removedIn',
    row => {
      const [finding] = findApiFindings([gvk(row)], row.removedIn);
      expect(finding).toMatchObject({
        ...gvk(row),
        status: 'removed',
        removedIn: row.removedIn,
      });
    },
  );

  it.each(removedRows)(
    '$group/$version $kind is still served in the minor before $removedIn',
    row => {
      const before = previousMinor(row.removedIn);
      const deprecated = compareMinor(before, row.deprecatedIn) >= 0;
      const findings = findApiFindings([gvk(row)], before);
      expect(findings.map(f => f.status)).toEqual(
        deprecated ? ['deprecated'] : [],
      );
    },
  );

  it.each(removedRows)(
    '$group/$version $kind reports nothing before deprecation in $deprecatedIn',
    row => {
      expect(
        findApiFindings([gvk(row)], previousMinor(row.deprecatedIn)),
      ).toEqual([]);
    },
  );
});

describe('findApiFindings', () => {
  const cronJob = { group: 'batch', version: 'v1beta1', kind: 'CronJob' };

  it('describes a removal with its replacement', () => {
    expect(findApiFindings([cronJob], 'v1.25.16-eks-59bf375')).toEqual([
      {
        ...cronJob,
        status: 'removed',
        deprecatedIn: '1.21',
        removedIn: '1.25',
        replacement: { group: 'batch', version: 'v1' },
        replacementAvailableIn: '1.21',
        replacementAvailable: true,
        source: expect.stringContaining('kubernetes deprecation guide'),
        message:
          'batch/v1beta1 CronJob was removed in Kubernetes 1.25; use batch/v1 (available since 1.21)',
      },
    ]);
  });

  it('ignores served APIs and keeps inventory order', () => {
    const findings = findApiFindings(
      [
        { group: 'apps', version: 'v1', kind: 'Deployment' },
        { group: '', version: 'v1', kind: 'Service' },
        { group: 'policy', version: 'v1beta1', kind: 'PodDisruptionBudget' },
        cronJob,
      ],
      '1.25',
    );
    expect(findings.map(f => f.kind)).toEqual([
      'PodDisruptionBudget',
      'CronJob',
    ]);
  });

  it('matches the kind as well as the group version', () => {
    // policy/v1beta1 Eviction is not in the table even though its group version is.
    expect(
      findApiFindings(
        [{ group: 'policy', version: 'v1beta1', kind: 'Eviction' }],
        '1.25',
      ),
    ).toEqual([]);
  });

  it('tells whether the replacement is served at the target', () => {
    const ingress = {
      group: 'extensions',
      version: 'v1beta1',
      kind: 'Ingress',
    };
    expect(findApiFindings([ingress], '1.18')[0]).toMatchObject({
      status: 'deprecated',
      replacement: { group: 'networking.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.19',
      replacementAvailable: false,
      message:
        'extensions/v1beta1 Ingress is deprecated since Kubernetes 1.14 and is removed in 1.22; its replacement networking.k8s.io/v1 is available from Kubernetes 1.19',
    });
    expect(findApiFindings([ingress], '1.19')[0]).toMatchObject({
      status: 'deprecated',
      replacementAvailable: true,
    });
  });

  it('reports no replacement where there is none', () => {
    const [finding] = findApiFindings(
      [{ group: 'policy', version: 'v1beta1', kind: 'PodSecurityPolicy' }],
      '1.30',
    );
    expect(finding.replacement).toBeUndefined();
    expect(finding.replacementAvailable).toBe(false);
    expect(finding.message).toBe(
      'policy/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.25; it has no replacement API',
    );
  });

  it('follows a replacement that is itself removed at the target', () => {
    const flowSchema = {
      group: 'flowcontrol.apiserver.k8s.io',
      version: 'v1beta1',
      kind: 'FlowSchema',
    };
    expect(findApiFindings([flowSchema], '1.26')[0].replacement).toEqual({
      group: 'flowcontrol.apiserver.k8s.io',
      version: 'v1beta2',
    });
    expect(findApiFindings([flowSchema], '1.29')[0]).toMatchObject({
      replacement: { group: 'flowcontrol.apiserver.k8s.io', version: 'v1' },
      replacementAvailableIn: '1.29',
      replacementAvailable: true,
    });
    expect(
      findApiFindings(
        [
          {
            group: 'extensions',
            version: 'v1beta1',
            kind: 'PodSecurityPolicy',
          },
        ],
        '1.25',
      )[0].replacement,
    ).toBeUndefined();
  });

  it('uses only the table it is given', () => {
    const table: ApiDeprecation[] = [
      {
        group: 'example.io',
        version: 'v1alpha1',
        kind: 'Widget',
        deprecatedIn: '1.30',
        scope: 'kubernetes',
        source: 'test',
        notes: 'only deprecated',
      },
    ];
    const widget = { group: 'example.io', version: 'v1alpha1', kind: 'Widget' };
    expect(findApiFindings([widget, cronJob], '1.40', table)).toEqual([
      expect.objectContaining({
        kind: 'Widget',
        status: 'deprecated',
        replacementAvailable: false,
      }),
    ]);
    expect(findApiFindings([widget], '1.29', table)).toEqual([]);
  });

  it('rejects a target it cannot read', () => {
    expect(() => findApiFindings([cronJob], 'latest')).toThrow(TypeError);
  });
});

describe('parseKubeMinor', () => {
  it.each([
    ['1.29', 1, 29],
    ['v1.29.3-eks-abc', 1, 29],
    ['v1.29.3-eks-59bf375', 1, 29],
    ['1.29.0+k3s1', 1, 29],
    ['v1.30.1-gke.1', 1, 30],
    ['v1.28.9+rke2r1', 1, 28],
    ['v1.31.2-aks', 1, 31],
    ['1.29+', 1, 29],
    [' V1.9.11 ', 1, 9],
  ])('reads %p as %i.%i', (input, major, minor) => {
    expect(parseKubeMinor(input)).toEqual({ major, minor });
  });

  it.each(['', 'latest', '1', 'v1', '1.x', '1.29abc', 'v1..29', 'eks-1.29'])(
    'rejects %p',
    input => {
      expect(parseKubeMinor(input)).toBeUndefined();
    },
  );
});

describe('compareMinor and nextMinor', () => {
  it('compares numerically and ignores patch and build', () => {
    expect(compareMinor('1.9', '1.10')).toBeLessThan(0);
    expect(compareMinor('v1.30.1-gke.1', '1.29.9')).toBeGreaterThan(0);
    expect(compareMinor('1.29.0+k3s1', 'v1.29.7-eks-a')).toBe(0);
    expect(compareMinor('2.0', '1.99')).toBeGreaterThan(0);
    expect(() => compareMinor('1.29', 'x')).toThrow(TypeError);
  });

  it.each([
    ['1.29.3', '1.30'],
    ['v1.9.0-eks-1', '1.10'],
    ['1.29', '1.30'],
  ])('%p is followed by %p', (input, expected) => {
    expect(nextMinor(input)).toBe(expected);
  });
});

describe('apiVersion helpers', () => {
  it.each([
    ['apps/v1', { group: 'apps', version: 'v1' }],
    ['v1', { group: '', version: 'v1' }],
    [
      'kafka.strimzi.io/v1beta2',
      { group: 'kafka.strimzi.io', version: 'v1beta2' },
    ],
  ])('round-trips %p', (apiVersion, groupVersion) => {
    expect(parseApiVersion(apiVersion)).toEqual(groupVersion);
    expect(formatApiVersion(groupVersion)).toBe(apiVersion);
  });
});

describe('componentApiDeprecations', () => {
  it('has one row per component, group, version and kind', () => {
    const keys = componentApiDeprecations.map(
      row => `${row.scope}:${row.group}/${row.version}/${row.kind}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(componentApiDeprecations)(
    '$scope $group/$version $kind is a well-formed component row',
    row => {
      expect(row.versionOf).toBe('component');
      expect(row.scope).not.toBe('kubernetes');
      expect(row.source).not.toBe('');
      const releases = [
        row.deprecatedIn,
        row.removedIn,
        row.replacementAvailableIn,
      ].filter((release): release is string => release !== undefined);
      expect(
        releases.filter(release => semver.valid(release) !== release),
      ).toEqual([]);
    },
  );

  it.each(componentRemovedRows)(
    '$scope $group/$version $kind is removed in $removedIn and not before',
    row => {
      expect(semver.lte(row.deprecatedIn, row.removedIn)).toBe(true);
      expect(
        findComponentApiFindings([gvk(row)], row.scope, row.removedIn),
      ).toEqual([expect.objectContaining({ ...gvk(row), status: 'removed' })]);

      const removedIn = semver.parse(row.removedIn)!;
      const justBefore =
        removedIn.minor > 0
          ? `${removedIn.major}.${removedIn.minor - 1}.99`
          : `${removedIn.major - 1}.99.99`;
      const deprecated = semver.gte(justBefore, row.deprecatedIn);
      const findings = findComponentApiFindings(
        [gvk(row)],
        row.scope,
        justBefore,
      );
      expect(findings.map(f => f.status)).toEqual(
        deprecated ? ['deprecated'] : [],
      );
    },
  );
});

describe('findComponentApiFindings', () => {
  const kafka = {
    group: 'kafka.strimzi.io',
    version: 'v1beta2',
    kind: 'Kafka',
  };

  it('reports nothing for Strimzi v1beta2 before 0.49', () => {
    expect(findComponentApiFindings([kafka], 'kafka', '0.48.0')).toEqual([]);
  });

  it('reports Strimzi v1beta2 as deprecated from 0.49 with v1 served', () => {
    expect(findComponentApiFindings([kafka], 'kafka', 'v0.49.1')).toEqual([
      expect.objectContaining({
        status: 'deprecated',
        deprecatedIn: '0.49.0',
        removedIn: '1.0.0',
        replacement: { group: 'kafka.strimzi.io', version: 'v1' },
        replacementAvailable: true,
        message:
          'kafka.strimzi.io/v1beta2 Kafka is deprecated since Strimzi 0.49.0 and is removed in 1.0.0; use kafka.strimzi.io/v1 (available since 0.49.0)',
      }),
    ]);
  });

  it('reports Strimzi v1beta2 as removed in 1.0.0 and later', () => {
    for (const target of ['1.0.0', '1.0.0-rc1', '1.2', '1.2.0']) {
      expect(findComponentApiFindings([kafka], 'kafka', target)).toEqual([
        expect.objectContaining({
          status: 'removed',
          message:
            'kafka.strimzi.io/v1beta2 Kafka was removed in Strimzi 1.0.0; use kafka.strimzi.io/v1 (available since 0.49.0)',
        }),
      ]);
    }
  });

  it('points old Strimzi versions at the API served at the target', () => {
    const v1alpha1Bridge = {
      group: 'kafka.strimzi.io',
      version: 'v1alpha1',
      kind: 'KafkaBridge',
    };
    expect(
      findComponentApiFindings([v1alpha1Bridge], 'kafka', '0.30.0')[0],
    ).toMatchObject({
      status: 'removed',
      removedIn: '0.23.0',
      replacement: { group: 'kafka.strimzi.io', version: 'v1beta2' },
    });
    expect(
      findComponentApiFindings([v1alpha1Bridge], 'kafka', '1.0.0')[0],
    ).toMatchObject({
      status: 'removed',
      replacement: { group: 'kafka.strimzi.io', version: 'v1' },
      replacementAvailableIn: '0.49.0',
    });
  });

  it('keeps KafkaTopic v1beta1 served until 1.0.0', () => {
    const topic = {
      group: 'kafka.strimzi.io',
      version: 'v1beta1',
      kind: 'KafkaTopic',
    };
    expect(findComponentApiFindings([topic], 'kafka', '0.45.0')[0].status).toBe(
      'deprecated',
    );
    expect(findComponentApiFindings([topic], 'kafka', '1.0.0')[0].status).toBe(
      'removed',
    );
  });

  it('only reads the rows of the given component', () => {
    expect(findComponentApiFindings([kafka], 'flink', '9.0.0')).toEqual([]);
    expect(findApiFindings([kafka], '1.33')).toEqual([]);
  });

  it('rejects a target it cannot read', () => {
    expect(() => findComponentApiFindings([kafka], 'kafka', 'latest')).toThrow(
      TypeError,
    );
  });
});
